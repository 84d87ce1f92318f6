"""``fundsvc assess RUN`` and ``fundsvc report RUN --period 2026-Q3 --format xlsx|html``.

``assess`` validates and stores the actuals (if given; else it uses the latest imported for the
run's scenario and says so), assesses the run and stores the assessment with it; it always
prints the verdict in words with its basis and the scorecard. ``report`` does the same for a reporting period (月 ``2026-09`` /
季 ``2026-Q3`` / 年 ``2026``), using the given actuals file or else the latest actuals imported
for the run's scenario, and writes the workbook or HTML report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.assessment.reports import actuals_text
from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.errors import InputError

ActualsOption = Annotated[Path | None, typer.Option("--actuals", help="Actuals CSV/Parquet (quarterly, per sub-fund)")]
ScenarioOption = Annotated[Path | None, typer.Option(
    "--scenario", help="Scenario file, if the run's stored scenario cannot be re-loaded")]


def _load_inputs(store, run_id: int, actuals: Path | None, scenario: Path | None, *, latest: bool):
    """(scenario, actuals frame or None, actuals record or None, a function that stores the given
    actuals file and returns its import record).

    Nothing is written here: a given actuals file is read and validated completely (rows inside
    the simulated quarters included) and stored only by calling the returned function, once the
    assessment is known to succeed; until then its record is a pending one (``id`` None). Without a
    file and with ``latest``, the latest import for the run's scenario is used.
    """
    import hashlib
    from types import SimpleNamespace

    from fundsvc.assessment.facts import facts_for_run, scenario_for_run
    from fundsvc.inputs.actuals import SCHEMA, read_actuals

    scen = scenario_for_run(store, run_id, scenario)
    run = store.runs.get(run_id)
    if actuals is not None:
        sim = scen.simulation
        frame = read_actuals(actuals, facts_for_run(store, run_id, scen).sub_fund_ids, period_range=(sim.start_date, sim.end_date))
        digest = hashlib.sha256(actuals.read_bytes()).hexdigest()

        pending = SimpleNamespace(id=None, source_path=str(actuals), imported_at=None)

        def keep():
            return store.actuals.add(frame.select(list(SCHEMA)[:5]), source_path=str(actuals), content_sha256=digest,
                                     scenario_id=run.scenario_id)

        return scen, frame, pending, keep
    if latest:
        rec = store.actuals.latest(run.scenario_id)
        if rec is not None:
            return scen, store.actuals.load(rec.id), rec, lambda: rec
    return scen, None, None, lambda: None


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


def render(console: Console, a, actuals=None, *, wide: bool = False) -> None:
    """Print the assessment: the verdict in words and its basis first, then the headline and the scorecard."""
    from fundsvc.assessment.reports import basis_words, verdict_words
    from fundsvc.catalogue import label
    from fundsvc.formatting import Kind, fmt, row_kind

    used = actuals_text(actuals) if a.basis == "realised" else None
    console.rule(f"引导基金整体评价 Assessment — run {a.run_id} ({a.scenario_name})")
    console.print("[bold]结论 Verdict[/]")
    console.print(verdict_words(a, "zh"), markup=False)
    console.print(verdict_words(a, "en"), markup=False)
    console.print(f"[bold]依据 Basis:[/] {a.basis} — " + basis_words(a, "zh", used), highlight=False)
    console.print(basis_words(a, "en", used), markup=False, highlight=False)
    if a.basis != "realised":
        console.print("No actuals used (none given with --actuals" + (" and none imported for this scenario)."
                      if actuals is None else ")."), markup=False)
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(overflow="fold")
    t.add_column(overflow="fold")
    t.add_row("评分 score", f"{fmt(a.score, Kind.NUMBER, digits=1)} / 100  ({a.rating})")
    t.add_row("评分分布 score P5 / P50 / P95", " / ".join(fmt(x, Kind.NUMBER, digits=1)
                                                     for x in (a.score_p5, a.score_p50, a.score_p95)))
    t.add_row("估值日 as of", a.as_of.isoformat() if a.as_of else "end of simulation 模拟期末")
    t.add_row("容亏率 loss ratio", fmt(a.loss_ratio, Kind.PERCENT))
    t.add_row("容亏上限 tolerated (stage-weighted)", fmt(a.tolerated_loss_ratio, Kind.PERCENT))
    for k, v in a.percentiles.items():
        t.add_row(f"分位 percentile of realised {k}", fmt(v, Kind.PERCENT))
    console.print(t)
    card = a.tables().get("scorecard")
    if card is not None and card.height:
        sc = Table(title="评分卡 Scorecard", header_style="bold")
        for col, just in (("指标 indicator", "left"), ("数值 value", "right"), ("目标 target", "right"),
                          ("得分 points", "right")):
            sc.add_column(col, justify=just, overflow="fold")
        if wide:
            sc.add_column("底线 floor", justify="right")
            sc.add_column("维度 category", overflow="fold")
        for r in card.iter_rows(named=True):
            kind = row_kind(r["indicator"]) or Kind.NUMBER
            cells = [f"{r['label_zh']} {r['label']}", fmt(r["value"], kind), fmt(r["target"], kind),
                     fmt(r["points"], Kind.NUMBER, digits=1)]
            if wide:
                cells += [fmt(r["floor"], kind), f"{r['category_zh']} {label(r['category'], 'en')}"]
            sc.add_row(*cells)
        console.print(sc)


def assessment_json(a, actuals=None) -> dict:
    """The assessment's headline as JSON (schema :data:`fundsvc.cli.schemas.ASSESS`; raw values)."""
    from fundsvc.assessment.assessment import _jsonable
    from fundsvc.assessment.reports import basis_words, verdict_words

    used = actuals if a.basis == "realised" else None
    card = a.tables().get("scorecard")
    return _jsonable({
        "run_id": a.run_id, "scenario": a.scenario_name, "basis": a.basis,
        "basis_text": {"zh": basis_words(a, "zh", actuals_text(used)), "en": basis_words(a, "en", actuals_text(used))},
        "verdict": a.verdict, "verdict_text": {"zh": verdict_words(a, "zh"), "en": verdict_words(a, "en")},
        "actuals": None if used is None else {"import_id": used.id, "source": used.source_path},
        "as_of": a.as_of, "score": a.score, "score_p5": a.score_p5, "score_p95": a.score_p95, "rating": a.rating,
        "loss_ratio": a.loss_ratio, "tolerated_loss_ratio": a.tolerated_loss_ratio, "percentiles": a.percentiles,
        "scorecard": [] if card is None else card.select("indicator", "value", "target", "floor", "points").to_dicts(),
    })


def assess(
    run_id: Annotated[int, typer.Argument(metavar="RUN_ID", help="Stored run id (see `fundsvc runs list`)")],
    actuals: ActualsOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Valuation date YYYY-MM-DD (default: latest actual quarter)")] = None,
    scenario: ScenarioOption = None,
    save: Annotated[bool, typer.Option(help="Store the assessment with the run")] = True,
    use_latest: Annotated[bool, typer.Option(
        "--latest-actuals/--no-latest-actuals",
        help="Without --actuals, use the latest actuals imported for the run's scenario (named in the output)")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (schema in fundsvc.cli.schemas)")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="All columns, however wide the terminal")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Assess a run as a whole fund: the verdict in words and its basis (simulated or realised,
    naming the actuals used), the score and rating, the scorecard; store it with the run."""
    from fundsvc.assessment import assess_run
    from fundsvc.store import Store

    when = None
    if as_of is not None:
        try:
            when = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError.single("command line", "--as-of", f"'{as_of}' is not a date YYYY-MM-DD") from None
    with Store.open(settings_from_options(data_dir, database_url), upgrade=True, recover=True) as store:
        scen, frame, rec, keep_actuals = _load_inputs(store, run_id, actuals, scenario, latest=use_latest)
        _check_as_of(when, scen, frame)
        a = assess_run(store, run_id, actuals=frame, as_of=when, scenario=scen, save=False)
        if save:  # only now, with everything known good
            rec = keep_actuals() or rec
            store.assessments.add(run_id, a.to_dict())
    if as_json:
        from fundsvc.cli.runs import print_json

        print_json(assessment_json(a, rec))
        return
    render(Console(soft_wrap=False), a, rec, wide=wide)


def report(
    run_id: Annotated[int, typer.Argument(metavar="RUN_ID", help="Stored run id")],
    period: Annotated[str, typer.Option("--period", help="2026-Q3 (季分析), 2026-09 (月监测) or 2026 (年通报)")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx, html or pdf (pdf: printed by headless Chromium)")] = "html",
    actuals: ActualsOption = None,
    scenario: ScenarioOption = None,
    use_latest: Annotated[bool, typer.Option(
        "--latest-actuals/--no-latest-actuals",
        help="Without --actuals, use the latest actuals imported for the run's scenario (named in the output)")] = True,
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default report-run<ID>-<PERIOD>.<fmt>)")] = None,
    backtest_tape: Annotated[str | None, typer.Option(
        "--backtest", help="Also backtest this loan tape with outcomes (CSV/Parquet or a bundled sample name) "
                           "and put the results in the report; with actuals, the sub-funds are backtested too")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the periodic report (Excel workbook, self-contained HTML or PDF), store the assessment,
    and say where it was written and which actuals it used."""
    from fundsvc.assessment import assess_run
    from fundsvc.assessment.periods import parse_period
    from fundsvc.assessment.reports import ReportFormat, write_report
    from fundsvc.store import Store

    p = parse_period(period)
    try:
        f = ReportFormat(fmt.lower())
    except ValueError:
        raise InputError.single("command line", "--format", f"'{fmt}' is not a report format; use xlsx, html or pdf") from None
    target = out or Path(f"report-run{run_id}-{p.label}.{f.value}")
    _check_out(target)
    loan_bt = None
    if backtest_tape is not None:  # a bad tape is reported before anything is written
        from fundsvc.validation.backtest import backtest_tape as run_tape_backtest

        loan_bt = run_tape_backtest(backtest_tape)
    with Store.open(settings_from_options(data_dir, database_url), upgrade=True, recover=True) as store:
        scen, frame, rec, keep_actuals = _load_inputs(store, run_id, actuals, scenario, latest=use_latest)
        if frame is not None and frame.filter(frame["period_end"] <= p.as_of).height == 0:
            frame, rec = None, None
        a = assess_run(store, run_id, actuals=frame, as_of=p.as_of if frame is not None else None, scenario=scen,
                       period=f"{p.label} {p.title_zh} {p.title_en}", save=False)
        from fundsvc.stress.runner import stress_report_tables

        extra = stress_report_tables(store.stress_results.list(run_id))
        if backtest_tape is not None:
            from fundsvc.validation.backtest import backtest_run_funds
            from fundsvc.validation.report import backtest_report_tables

            fund_bt = backtest_run_funds(store, run_id, scen, frame) if frame is not None else None
            extra |= backtest_report_tables(loan_bt, fund_bt)
        try:
            path = write_report(a, target, f, scenario_title=getattr(scen, "title", None), actuals=actuals_text(rec),
                                extra=extra)
        except OSError as exc:
            raise InputError.single("command line", "--out", f"cannot write {target}: {exc.strerror or exc}") from None
        stored = keep_actuals()  # the report is written: now store what it is based on
        if frame is not None:
            rec = stored or rec
        store.assessments.add(run_id, a.to_dict())
    console = Console(soft_wrap=False)
    render(console, a, rec)
    console.print(f"[bold green]✓[/] report written to {path.resolve()}", highlight=False, soft_wrap=True)
    console.print(f"actuals used: {actuals_text(rec)}" + (" — given with --actuals" if actuals is not None else
                  " — the latest import for this scenario (--no-latest-actuals to leave them out)")
                  if rec is not None else "actuals used: none — the report covers the simulation only",
                  markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
    app.command("report")(report)
