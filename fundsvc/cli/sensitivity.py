"""``fundsvc sensitivity SCENARIO``: one-at-a-time ± changes on common random numbers (tornado)."""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.errors import InputError, Problem

#: batches wanted for the swings' standard errors (batch means over chunks)
MIN_CHUNKS = 8


def sensitivity(
    file: Annotated[str | None, typer.Argument(
        help="Scenario TOML file, or a bundled scenario name (or --run)", show_default=False)] = None,
    run: Annotated[int | None, typer.Option(
        "--run", help="A stored run: its scenario, paths and seed are the base, and the results are stored "
                      "with it", show_default=False)] = None,
    inputs: Annotated[str | None, typer.Option(
        "--inputs", help="Comma-separated inputs (default all): loan_pd, tech_cycle_loading, persistence, pool_funding")] = None,
    step: Annotated[float, typer.Option(help="Relative change of each input, down and up (0.2 = ±20 %)")] = 0.2,
    paths: Annotated[int | None, typer.Option(
        "--paths", "-n", help="Paths per run (same for every run; default 2000, or the --run's)")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", "-s", help="Seed shared by every run (common random numbers; default 1, or the --run's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON")] = False,
    store_: Annotated[bool, typer.Option(
        "--store/--no-store", help="Store the base run and the results with it (shown on the dashboards' "
                                   "Sensitivity page and by the API)")] = True,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Which inputs drive guidance TVPI and P(loss), bank EL and VaR 99.9 %, and pool depletion."""
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.validation.sensitivity import SensitivityInput

    known = [i.value for i in SensitivityInput]
    chosen = [x.strip() for x in inputs.split(",") if x.strip()] if inputs else known
    problems = [Problem("command line", "--inputs", f"unknown input '{x}' (known: {', '.join(known)})")
                for x in chosen if x not in known]
    if not 0 < step < 1:
        problems.append(Problem("command line", "--step", f"must lie strictly between 0 and 1, got {step}"))
    if (file is None) == (run is None):
        problems.append(Problem("command line", "SCENARIO", "give a scenario file or name, or --run RUN (not both)"))
    if run is not None and (paths is not None or seed is not None or not store_):
        problems.append(Problem("command line", "--run", "the run fixes paths and seed, and the results are "
                                                         "stored with it (drop --paths, --seed, --no-store)"))
    if paths is not None and paths < 100:
        problems.append(Problem("command line", "--paths", f"must be at least 100, got {paths}"))
    if problems:
        raise InputError(problems)
    console = Console(soft_wrap=True, stderr=as_json)

    def progress(name):
        console.print(f"  {name} ±{100 * step:g} %")

    if run is not None:
        res, run_id = _on_stored_run(run, chosen, step, progress, data_dir, database_url)
        paths, seed = res.paths, res.seed
    else:
        paths, seed = paths or 2000, 1 if seed is None else seed
        loaded = load_scenario(resolve_scenario(file))
        res, run_id = _on_new_run(loaded, chosen, step, paths, seed, progress,
                                  settings_from_options(data_dir, database_url) if store_ else None)
    table = res.table()
    if as_json:
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in table.to_dicts()]  # NaN (elasticity of a zero base) is not JSON: null
        typer.echo(json.dumps({"step": step, "paths": paths, "seed": seed, "run_id": run_id, "rows": rows},
                              default=float))
        return
    if run_id is not None:
        console.print(f"base run and sensitivity results stored as run {run_id} 已存储为运行 {run_id}")
    for out in table["output"].unique(maintain_order=True).to_list():
        t = Table(title=f"{out} — ±{100 * step:g} % one at a time, common random numbers 共同随机数敏感性")
        for c in ("rank", "input 输入", "low 下调", "high 上调", "swing 摆幅 ± s.e.", "elasticity 弹性 ± s.e."):
            t.add_column(c, justify="left" if c.startswith("input") else "right")
        rows = table.filter(table["output"] == out).sort("rank")
        for r in rows.iter_rows(named=True):
            elasticity = ("– (base 0 基数为零)" if math.isnan(r["elasticity"])
                          else f"{r['elasticity']:+.3f} ± {r['elasticity_se']:.3f}")
            t.add_row(str(r["rank"]), r["input"], f"{r['low']:.4g}", f"{r['high']:.4g}",
                      f"{r['swing']:+.4g} ± {r['swing_se']:.2g}", elasticity)
        if (rows["se_method"] == "unpaired (conservative)").any():
            t.caption = ("s.e. unpaired, conservative (summed inside the run) "
                         "标准误按非配对计算,偏保守")
        console.print(t)


def _on_new_run(loaded, chosen, step, paths, seed, progress, settings):
    """Simulate (and, with ``settings``, store) the base run and the analysis: (result, run id or None)."""
    from fundsvc.validation.sensitivity import run_sensitivity

    scen = loaded.scenario
    chunk_size = max(100, paths // MIN_CHUNKS)
    if settings is None:
        return run_sensitivity(scen, inputs=chosen, step=step, paths=paths, seed=seed, chunk_size=chunk_size,
                               progress=progress), None
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store
    from fundsvc.store.stress_results import StressKind

    with Store.open(settings, upgrade=True) as store:
        # the base run is stored like any run; the perturbed runs share its seed and chunks
        stored = simulate_and_store(store, loaded, paths=paths, seed=seed, chunk_size=chunk_size,
                                    label="sensitivity base")
        res = run_sensitivity(scen, inputs=chosen, step=step, paths=paths, seed=seed, chunk_size=chunk_size,
                              progress=progress, base=stored.result)
        store.stress_results.add(stored.run_id, StressKind.SENSITIVITY, ",".join(chosen),
                                 res.to_document(scenario=scen.name, chunk_size=chunk_size, inputs=chosen,
                                                 base_is_run=True))
        return res, stored.run_id


def _on_stored_run(run_id, chosen, step, progress, data_dir, database_url):
    """The analysis around a stored run (its scenario, paths and seed), stored with it: (result, run id).

    Common random numbers need the base and the changed runs on the same chunks; the run's own chunk
    size is kept when it gives at least :data:`MIN_CHUNKS` batches for the standard errors, else
    the base is simulated again with smaller chunks (its figures then differ from the run's by Monte
    Carlo noise; the stored document says so: ``base_is_run``).
    """
    from fundsvc.assessment.facts import scenario_for_run
    from fundsvc.store import RunStatus, Store
    from fundsvc.store.stress_results import StressKind
    from fundsvc.validation.sensitivity import run_sensitivity

    with Store.open(settings_from_options(data_dir, database_url), upgrade=True) as store:
        rec = store.runs.get(run_id)
        if rec.status != RunStatus.SUCCEEDED:
            raise InputError([Problem("command line", "--run", f"run {run_id} has not succeeded ({rec.status})")])
        scen = scenario_for_run(store, rec.id)
        chunk = rec.chunk_size if rec.n_paths // rec.chunk_size >= MIN_CHUNKS else max(100, rec.n_paths // MIN_CHUNKS)
        res = run_sensitivity(scen, inputs=chosen, step=step, paths=rec.n_paths, seed=rec.seed, chunk_size=chunk,
                              progress=progress)
        store.stress_results.add(rec.id, StressKind.SENSITIVITY, ",".join(chosen),
                                 res.to_document(scenario=scen.name, chunk_size=chunk, inputs=chosen,
                                                 base_is_run=chunk == rec.chunk_size))
        return res, rec.id


def register(app: typer.Typer) -> None:
    app.command("sensitivity")(sensitivity)
