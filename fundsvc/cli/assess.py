"""``fundsvc assess RUN`` and ``fundsvc report RUN --period 2026-Q3 --format xlsx|html``.

``assess`` validates and stores the actuals (if given), assesses the run and stores the
assessment with it. ``report`` does the same for a reporting period (月 ``2026-09`` /
季 ``2026-Q3`` / 年 ``2026``), using the given actuals file or else the latest actuals imported
for the run's scenario, and writes the workbook or HTML report.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.errors import InputError

ActualsOption = Annotated[Path | None, typer.Option("--actuals", help="Actuals CSV/Parquet (quarterly, per sub-fund)")]
ScenarioOption = Annotated[Path | None, typer.Option(
    "--scenario", help="Scenario file, if the run's stored scenario cannot be re-loaded")]


def _load_inputs(store, run_id: int, actuals: Path | None, scenario: Path | None, *, latest: bool):
    """(scenario, actuals frame or None, a function that stores the given actuals file).

    Nothing is written here: a given actuals file is read and validated completely (rows inside
    the simulated quarters included) and stored only by calling the returned function, once the
    assessment is known to succeed.
    """
    import hashlib

    from fundsvc.assessment.facts import facts_for_run, scenario_for_run
    from fundsvc.inputs.actuals import SCHEMA, read_actuals

    scen = scenario_for_run(store, run_id, scenario)
    run = store.runs.get(run_id)
    if actuals is not None:
        sim = scen.simulation
        frame = read_actuals(actuals, facts_for_run(store, run_id, scen).sub_fund_ids, period_range=(sim.start_date, sim.end_date))
        digest = hashlib.sha256(actuals.read_bytes()).hexdigest()

        def keep() -> None:
            store.actuals.add(frame.select(list(SCHEMA)[:5]), source_path=str(actuals), content_sha256=digest,
                              scenario_id=run.scenario_id)

        return scen, frame, keep
    if latest:
        rec = store.actuals.latest(run.scenario_id)
        if rec is not None:
            return scen, store.actuals.load(rec.id), lambda: None
    return scen, None, lambda: None


def _check_as_of(when: dt.date | None, scen, frame) -> None:
    """``--as-of`` inside the simulated horizon and not before the first actual quarter."""
    if when is None:
        return
    sim = scen.simulation
    if not sim.start_date <= when <= sim.end_date:
        raise InputError.single("command line", "--as-of", f"{when} lies outside the simulated horizon "
                                f"{sim.start_date} to {sim.end_date} of the run's scenario")
    if frame is not None and frame.height and frame["period_end"].min() > when:
        raise InputError.single("command line", "--as-of", f"{when} is before the first actual quarter "
                                f"{frame['period_end'].min()}")


def _check_out(out: Path | None) -> None:
    """The report's output file can be written: not a directory, its folder exists."""
    if out is None:
        return
    if out.is_dir():
        raise InputError.single("command line", "--out", f"{out} is a directory; give a file name")
    if not out.parent.exists():
        raise InputError.single("command line", "--out", f"folder {out.parent} does not exist")


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def render(console: Console, a) -> None:
    """Print the headline of an assessment."""
    t = Table(title=f"引导基金整体评价 Assessment — run {a.run_id} ({a.scenario_name})", show_header=False)
    t.add_row("评分 score", f"{a.score:.1f} / 100  ({a.rating})")
    t.add_row("评分分布 score P5 / P50 / P95", f"{a.score_p5:.1f} / {a.score_p50:.1f} / {a.score_p95:.1f}")
    t.add_row("依据 basis", a.basis + (f", as of {a.as_of}" if a.as_of else ""))
    t.add_row("容亏率 loss ratio", _pct(a.loss_ratio))
    t.add_row("容亏上限 tolerated (stage-weighted)", _pct(a.tolerated_loss_ratio))
    for k, v in a.percentiles.items():
        t.add_row(f"分位 percentile of realised {k}", _pct(v))
    console.print(t)
    if a.verdict:
        console.print(a.verdict_zh, markup=False)
        console.print(a.verdict_en, markup=False)


def assess(
    run_id: Annotated[int, typer.Argument(help="Stored run id (see `fundsvc runs list`)")],
    actuals: ActualsOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Valuation date YYYY-MM-DD (default: latest actual quarter)")] = None,
    scenario: ScenarioOption = None,
    save: Annotated[bool, typer.Option(help="Store the assessment with the run")] = True,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Assess a run as a whole fund (score, rating, tolerance verdict); store it with the run."""
    from fundsvc.assessment import assess_run
    from fundsvc.store import Store

    when = None
    if as_of is not None:
        try:
            when = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError.single("command line", "--as-of", f"'{as_of}' is not a date YYYY-MM-DD") from None
    with Store.open(settings_from_options(data_dir, database_url), upgrade=True, recover=True) as store:
        scen, frame, keep_actuals = _load_inputs(store, run_id, actuals, scenario, latest=False)
        _check_as_of(when, scen, frame)
        a = assess_run(store, run_id, actuals=frame, as_of=when, scenario=scen, save=False)
        if save:  # only now, with everything known good
            keep_actuals()
            store.assessments.add(run_id, a.to_dict())
    render(Console(soft_wrap=True), a)


def report(
    run_id: Annotated[int, typer.Argument(help="Stored run id")],
    period: Annotated[str, typer.Option("--period", help="2026-Q3 (季分析), 2026-09 (月监测) or 2026 (年通报)")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx or html")] = "html",
    actuals: ActualsOption = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default report-run<ID>-<PERIOD>.<fmt>)")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the periodic report (Excel workbook or self-contained HTML) and store the assessment."""
    from fundsvc.assessment import assess_run
    from fundsvc.assessment.periods import parse_period
    from fundsvc.assessment.reports import ReportFormat, write_report
    from fundsvc.store import Store

    p = parse_period(period)
    try:
        f = ReportFormat(fmt.lower())
    except ValueError:
        raise InputError.single("command line", "--format", f"'{fmt}' is not a report format; use xlsx or html") from None
    target = out or Path(f"report-run{run_id}-{p.label}.{f.value}")
    _check_out(target)
    with Store.open(settings_from_options(data_dir, database_url), upgrade=True, recover=True) as store:
        scen, frame, keep_actuals = _load_inputs(store, run_id, actuals, scenario, latest=True)
        if frame is not None and frame.filter(frame["period_end"] <= p.as_of).height == 0:
            frame = None
        a = assess_run(store, run_id, actuals=frame, as_of=p.as_of if frame is not None else None, scenario=scen,
                       period=f"{p.label} {p.title_zh} {p.title_en}", save=False)
        try:
            path = write_report(a, target, f)
        except OSError as exc:
            raise InputError.single("command line", "--out", f"cannot write {target}: {exc.strerror or exc}") from None
        keep_actuals()  # the report is written: now store what it is based on
        store.assessments.add(run_id, a.to_dict())
    console = Console(soft_wrap=True)
    render(console, a)
    console.print(f"[bold green]✓[/] report written to {path}")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
    app.command("report")(report)
