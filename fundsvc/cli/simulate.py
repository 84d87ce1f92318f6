"""``fundsvc simulate FILE``: run the joint Monte Carlo, store the run, print the summary."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.cli.render import render_credit, render_equity, render_headlines, render_link
from fundsvc.cli.tail import TailMethod, run_tail
from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE
from fundsvc.errors import InputError
from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.simulation.service import simulate_and_store
from fundsvc.simulation.spec import RunSpec


def simulate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Scenario TOML file, or a bundled scenario name")],
    paths: Annotated[int | None, typer.Option("--paths", "-n", help="Monte Carlo paths (default: the scenario's)")] = None,
    precision: Annotated[float | None, typer.Option(
        "--precision", help="Add chunks until every headline figure's 95% interval has a relative "
                            "half-width at or below REL (e.g. 0.02); reports the paths used",
        metavar="REL")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Seed (default: the scenario's)")] = None,
    chunk_size: Annotated[int | None, typer.Option(
        help=f"Paths per chunk (part of the result's identity; default {DEFAULT_CHUNK_SIZE:,})")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (1 = run in this process; default: one per core when the run is big "
             "enough to gain, else 1; the results are the same either way)")] = None,
    depletion_target: Annotated[float, typer.Option(
        help="Size each pool so P(depletion within the horizon) stays at or below this")] = 0.05,
    label: Annotated[str | None, typer.Option(help="Free text stored with the run")] = None,
    dask: Annotated[str | None, typer.Option(
        "--dask", help="Run the chunks on a Dask cluster: scheduler address tcp://HOST:PORT "
                       "(default: FUNDSVC_DASK_ADDRESS; unset = local)")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="All table columns, however wide the terminal")] = False,
    tail: Annotated[TailMethod | None, typer.Option(
        "--tail", case_sensitive=False,
        help="Only the credit tail: is (importance sampling) or mc (plain), with standard errors; not stored")] = None,
    tail_lambda: Annotated[float, typer.Option(
        help="Importance-sampling shift λ (with --tail is; 2.5: as efficient as 3 on average and steadier, bench/bench_tail_is.py)")] = 2.5,
    as_json: Annotated[bool, typer.Option("--json", help="With --tail: print JSON")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Simulate a scenario (guidance fund, sub-funds, loans, pools), store the run and print the results.

    With --tail is|mc only the credit side's tail is estimated (pool depletion, banks' VaR/ES 99.9 %
    with standard errors) and printed, not stored."""
    from fundsvc.errors import Problem
    from fundsvc.simulation.limits import run_request_problems
    from fundsvc.store import Store

    problems = run_request_problems(
        paths=paths if paths is not None else 1, seed=seed, chunk_size=chunk_size, depletion_target=depletion_target,
        source="command line", names={"paths": "--paths", "seed": "--seed", "chunk_size": "--chunk-size",
                                      "depletion_target": "--depletion-target"})
    if workers is not None and not 1 <= workers <= 256:
        problems.append(Problem("command line", "--workers", f"must be from 1 to 256, got {workers}"))
    if tail is not None and not 0 <= tail_lambda <= 6:
        problems.append(Problem("command line", "--tail-lambda", f"must lie in [0, 6], got {tail_lambda:g}"))
    if precision is not None and not 0 < precision < 1:
        problems.append(Problem("command line", "--precision",
                                f"must lie strictly between 0 and 1 (0.02 = 2 %), got {precision}"))
    if problems:
        raise InputError(problems)

    console = Console(soft_wrap=False)
    loaded = load_scenario(resolve_scenario(file))
    s = loaded.scenario
    if tail is not None:
        run_tail(console, s, tail, paths if paths is not None else s.simulation.paths,
                 seed if seed is not None else (s.simulation.seed or 0), tail_lambda, as_json)
        return
    settings = settings_from_options(data_dir, database_url)
    if workers is None and precision is None:  # a precision run adds batches: it stays in-process
        from fundsvc.simulation.runner import default_workers

        planned = RunSpec.resolve(s, paths=paths, seed=seed, chunk_size=chunk_size)
        workers = default_workers(planned.paths, planned.chunk_size)
    spec = RunSpec.resolve(s, paths=paths, seed=seed, chunk_size=chunk_size, workers=workers,
                           dask_address=dask or settings.dask_address, depletion_target=depletion_target,
                           precision=precision)
    with Store.open(settings, upgrade=True, recover=True) as store, progress_bar(console) as bar:
        what = (f"up to {spec.paths:,} paths to ±{100 * precision:g} %" if precision is not None
                else f"{spec.paths:,} paths")
        task = bar.add_task(f"{s.name}: {what}", total=100, stage="preparing")
        stored = simulate_and_store(
            store, loaded, paths=spec.paths, seed=spec.seed, chunk_size=spec.chunk_size,
            executor=spec.executor, workers=workers, label=label, dask_address=spec.dask_address,
            steps=lambda stage, f: bar.update(task, completed=100 * f, stage=stage),
            depletion_target=depletion_target, precision=precision,
        )
    r = stored.result
    console.print(
        f"[bold green]✓ run {stored.run_id}[/] stored in {settings.redacted_url()} — {s.title}: "
        f"{r.n_paths:,} paths, seed {r.seed}, chunk size {r.chunk_size}, "
        f"{r.timings.get('simulate_wall', 0):.1f} s"
    )
    render_equity(console, r.equity_summary())
    render_credit(console, r.credit_tables, wide=wide)
    render_link(console, r.equity_credit_link)
    render_headlines(console, r.headlines, precision)
    if r.precision is not None:
        last = r.precision.row(-1, named=True)
        if last["reached"]:
            console.print(f"[bold]precision 精度[/]: target ±{100 * precision:g} % reached with {r.n_paths:,} paths "
                          f"(worst: {last['worst_figure']}, ±{100 * last['worst_rel_half_width']:.2f} %)")
        else:
            console.print(f"[bold yellow]precision 精度[/]: target ±{100 * precision:g} % NOT reached within "
                          f"{r.n_paths:,} paths (worst: {last['worst_figure']}, "
                          f"±{100 * last['worst_rel_half_width']:.2f} %); raise --paths")


def progress_bar(console: Console) -> Progress:
    """The run's progress bar: percentage of the run's work and its current stage (``chunk 1/1 ·
    venture``, ``pool sizing``, ``storing`` …), so a one-chunk run moves too."""
    return Progress(TextColumn("[bold]simulating[/] {task.description}"), BarColumn(bar_width=24),
                    TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[stage]}"), TimeElapsedColumn(),
                    console=console, transient=False)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
