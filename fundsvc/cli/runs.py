"""``fundsvc runs``: list stored simulation runs and show one in detail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.store import RunRecord, RunStatus, Store

STATUS_STYLE = {
    RunStatus.QUEUED: "cyan",
    RunStatus.RUNNING: "yellow",
    RunStatus.SUCCEEDED: "green",
    RunStatus.FAILED: "bold red",
    RunStatus.CANCELLED: "magenta",
}
_SEED_WIDTH = 12


def format_time(moment: dt.datetime | None) -> str:
    """``2025-01-31 14:05:09 UTC``, or ``-``."""
    return "-" if moment is None else f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def format_duration(duration: dt.timedelta | None) -> str:
    """``0.42 s``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``, or ``-``."""
    if duration is None:
        return "-"
    seconds = duration.total_seconds()
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_bytes(n_bytes: int) -> str:
    """Human-readable size (``532 B``, ``1.2 MB``)."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def _short_seed(seed: int) -> str:
    text = str(seed)
    return text if len(text) <= _SEED_WIDTH else text[: _SEED_WIDTH - 1] + "…"


def _status(status: RunStatus) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def runs_table(runs: list[RunRecord]) -> Table:
    """Rich table of runs: id, scenario, status, seed, paths, created, duration."""
    table = Table(show_lines=False, header_style="bold")
    for name, justify in (("ID", "right"), ("Scenario", "left"), ("Status", "left"),
                          ("Seed", "right"), ("Paths", "right"), ("Created", "left"),
                          ("Duration", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for run in runs:
        table.add_row(str(run.id), Text(f"{run.scenario_name} (#{run.scenario_id})"),
                      _status(run.status), _short_seed(run.seed), f"{run.n_paths:,}",
                      format_time(run.created_at), format_duration(run.duration))
    return table


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (raw values; schema in fundsvc.cli.schemas).")]


def run_json(run: RunRecord) -> dict:
    """A run as JSON (see :data:`fundsvc.cli.schemas.RUN`)."""
    return {"id": run.id, "scenario": run.scenario_name, "scenario_id": run.scenario_id, "status": run.status.value,
            "seed": int(run.seed), "paths": run.n_paths, "chunk_size": run.chunk_size,
            "created": run.created_at.astimezone(dt.UTC).isoformat(),
            "duration_s": None if run.duration is None else run.duration.total_seconds(), "label": run.label}


def print_json(doc) -> None:
    """JSON on standard output (UTF-8, not escaped), one document."""
    import json

    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False))


def list_runs(
    status: Annotated[RunStatus | None, typer.Option(
        "--status", case_sensitive=False, help="Only runs in this status.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many runs.")] = 20,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List runs, newest first."""
    settings = settings_from_options(data_dir, database_url)
    console = Console(highlight=False)
    with Store.open(settings, recover=True) as store:
        runs = store.runs.list(limit=limit, status=status)
    if as_json:
        print_json({"runs": [run_json(r) for r in runs]})
        return
    if not runs:
        suffix = f" with status {status.value}" if status is not None else ""
        console.print(f"No runs{suffix}.", markup=False)
        return
    console.print(runs_table(runs))


def _details(run: RunRecord) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, str | Text]] = [
        ("Run", str(run.id)),
        ("Scenario", Text(f"{run.scenario_name} (#{run.scenario_id})")),
        ("Status", _status(run.status)),
        ("Label", Text(run.label or "-")),
        ("Seed", str(run.seed)),
        ("Paths", f"{run.n_paths:,}"),
        ("Chunk size", f"{run.chunk_size:,}"),
        ("Executor", Text(run.executor)),
        ("Loan book", "-" if run.loan_book_id is None else f"#{run.loan_book_id}"),
        ("Code version", Text(run.code_version)),
        ("Worker", Text(run.worker or "-")),
        ("Queue", Text(f"priority {run.priority}" + (f", owner {run.owner}" if run.owner else "")
                       if run.queued else "- (run in its own process)")),
        ("Progress", "-" if not run.progress_total else f"{run.progress_done:,} / {run.progress_total:,} chunks"),
        ("Created", format_time(run.created_at)),
        ("Started", format_time(run.started_at)),
        ("Finished", format_time(run.finished_at)),
        ("Duration", format_duration(run.duration)),
        ("Artifacts in", Text(run.artifact_dir)),
    ]
    if run.parameters:
        rows.append(("Parameters", Text(", ".join(f"{k}={v}" for k, v in run.parameters.items()))))
    for key, value in rows:
        grid.add_row(key, value)
    return grid


def _timings_table(timings: dict[str, float]) -> Table:
    total = sum(timings.values())
    table = Table(title="Timings", title_justify="left", header_style="bold")
    table.add_column("Stage")
    table.add_column("Seconds", justify="right")
    table.add_column("Share", justify="right")
    for stage, seconds in timings.items():
        share = f"{seconds / total:.0%}" if total > 0 else "-"
        table.add_row(Text(stage), f"{seconds:.3f}", share)
    return table


def show_run(
    run_id: Annotated[int, typer.Argument(metavar="RUN_ID", help="Run id (see `fundsvc runs list`).")],
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show one run: settings, timings, error, stored tables and artifacts."""
    from fundsvc.cli.render import render_link
    from fundsvc.simulation.registry import TableName

    settings = settings_from_options(data_dir, database_url)
    console = Console(highlight=False)
    with Store.open(settings, recover=True) as store:
        run = store.runs.get(run_id)
        tables = store.runs.tables(run_id)
        artifacts = store.runs.artifacts(run_id)
        link = (store.runs.load_table(run_id, TableName.EQUITY_CREDIT_LINK)
                if any(i.name == TableName.EQUITY_CREDIT_LINK for i in tables) else None)
    if as_json:
        print_json({
            "run": {**run_json(run), "executor": run.executor, "error": run.error, "artifact_dir": run.artifact_dir,
                    "parameters": dict(run.parameters or {})},
            "timings_s": dict(run.timings or {}),
            "tables": [{"name": i.name, "rows": i.n_rows, "columns": list(i.columns)} for i in tables],
            "equity_credit_link": None if link is None else link.to_dicts(),
            "artifacts": [{"name": a.name, "rows": a.n_rows, "bytes": a.n_bytes, "sha256": a.sha256,
                           "path": a.relative_path} for a in artifacts]})
        return
    console.print(_details(run))
    if run.timings:
        console.print(_timings_table(run.timings))
    if run.error:
        console.print(Text("Error: ", style="bold red") + Text(run.error))
    if tables:
        table = Table(title="Tables", title_justify="left", header_style="bold")
        table.add_column("Name")
        table.add_column("Rows", justify="right")
        table.add_column("Columns")
        for info in tables:
            table.add_row(Text(info.name), f"{info.n_rows:,}", Text(", ".join(info.columns)))
        for c in table.columns:
            c.overflow = "fold"
        console.print(table)
    render_link(console, link)
    if artifacts:
        table = Table(title="Artifacts", title_justify="left", header_style="bold")
        table.add_column("Name")
        table.add_column("Rows", justify="right")
        table.add_column("Size", justify="right")
        table.add_column("SHA-256")
        table.add_column("File (in data dir)")
        for art in artifacts:
            table.add_row(Text(art.name), f"{art.n_rows:,}", format_bytes(art.n_bytes),
                          art.sha256[:12], Text(art.relative_path))
        for c in table.columns:
            c.overflow = "fold"
        console.print(table)
    if not tables and not artifacts and run.status is RunStatus.SUCCEEDED:
        console.print("No tables or artifacts stored.", markup=False)


def cancel_run(
    run_id: Annotated[int, typer.Argument(help="Run id (see `fundsvc runs list`).")],
    wait: Annotated[float, typer.Option(
        "--wait", min=0, max=600, help="Seconds to wait until a running run has stopped (0: do not wait)")] = 10.0,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Cancel a queued or running run (a running run stops within seconds and is stored as cancelled)."""
    import time

    from fundsvc.queue import cancel, status

    settings = settings_from_options(data_dir, database_url)
    console = Console(highlight=False)
    with Store.open(settings, recover=True) as store:
        run = cancel(store, run_id)
        deadline = time.monotonic() + wait
        while run.status is RunStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(0.2)
            run = status(store, run_id)
    if run.status is RunStatus.RUNNING:
        console.print(f"Run {run_id}: cancel requested; it is still stopping.", markup=False)
    else:
        console.print(Text(f"Run {run_id}: ") + _status(run.status))


def submit_run(
    file: Annotated[str, typer.Argument(help="Scenario TOML file, or a bundled scenario name")],
    paths: Annotated[int | None, typer.Option("--paths", "-n", help="Monte Carlo paths (default: the scenario's)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Seed (default: the scenario's)")] = None,
    priority: Annotated[int, typer.Option(help="Higher runs first (-1000..1000)")] = 0,
    label: Annotated[str | None, typer.Option(help="Free text stored with the run")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Queue a run for the workers (`fundsvc worker`, or the one in `fundsvc serve`); print its id."""
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.queue import submit
    from fundsvc.simulation.limits import check_run_request

    check_run_request(paths=paths if paths is not None else 1, seed=seed, source="command line",
                      names={"paths": "--paths", "seed": "--seed"})
    loaded = load_scenario(resolve_scenario(file))
    settings = settings_from_options(data_dir, database_url)
    with Store.open(settings, upgrade=True, recover=True) as store:
        run_id = submit(store, loaded, paths=paths, seed=seed, priority=priority, label=label)
    Console(highlight=False).print(f"queued run {run_id}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``runs`` command group to ``app``."""
    runs_app = typer.Typer(name="runs", help="Inspect, queue and cancel simulation runs.", no_args_is_help=True)
    runs_app.command("list")(list_runs)
    runs_app.command("show")(show_run)
    runs_app.command("submit")(submit_run)
    runs_app.command("cancel")(cancel_run)
    app.add_typer(runs_app, name="runs")
