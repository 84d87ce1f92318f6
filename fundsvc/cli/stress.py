"""``fundsvc stress SCENARIO``: bundled stresses (or a reverse stress) on common random numbers."""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.errors import InputError, Problem
from fundsvc.formatting import DASH, MoneyUnit, fmt_money, fmt_multiple, fmt_pct, fmt_pp, money_unit


def _cell(x: float, unit: str, money: MoneyUnit, *, change: bool = False, signed: bool = False) -> str:
    """One cell of a stress table: money in the table's unit, shares as % (changes and their errors in
    percentage points), multiples with two decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    if unit == "CNY":
        return ("+" if signed and x > 0 else "") + fmt_money(x, money)
    if unit == "share":
        return fmt_pp(x, signed=signed) if change else fmt_pct(x)
    return ("+" if signed and x > 0 else "") + fmt_multiple(x)


def stress(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file, or a bundled scenario name")],
    names: Annotated[list[str] | None, typer.Option("--stress", help="A bundled stress (repeatable)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every bundled stress")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the bundled stresses and exit")] = False,
    reverse: Annotated[str | None, typer.Option(
        "--reverse", help="Reverse stress target: fund-loss | pool:ID | bank:NAME")] = None,
    level: Annotated[float | None, typer.Option(
        help="Reverse stress level: fund loss ratio (default the scenario's tolerance), pool depletion "
             "probability (default 0.5) or bank loss in CNY (required for bank:NAME)")] = None,
    paths: Annotated[int, typer.Option("--paths", "-n", help="Monte Carlo paths per run")] = 2_000,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Seed (default: the scenario's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
    store_: Annotated[bool, typer.Option("--store/--no-store",
                                         help="Store the base run and the stress results with it")] = True,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Run stresses on common random numbers and print each headline figure's change against the base
    (with its Monte Carlo standard error), or find the most likely factor path that breaches a target."""
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.stress.library import bundled_stresses, get_stresses

    console = Console(soft_wrap=True)
    if list_:
        for name, s in bundled_stresses().items():
            console.print(f"[bold]{name}[/]  {s.title} / {s.title_zh}")
        return
    from fundsvc.simulation.limits import run_request_problems

    # main's run-request bounds (paths, seed), plus: standard errors need at least 2 paths
    problems = run_request_problems(paths=paths, seed=seed, source="command line",
                                    names={"paths": "--paths", "seed": "--seed"})
    if not problems and paths < 2:
        problems.append(Problem("command line", "--paths", f"must be at least 2, got {paths}"))
    if reverse is None and not names and not all_:
        problems.append(Problem("command line", "--stress", "name at least one stress, --all, --list or --reverse"))
    if reverse is not None and (names or all_):
        problems.append(Problem("command line", "--reverse", "a reverse stress runs on its own (drop --stress/--all)"))
    if problems:
        raise InputError(problems)
    loaded = load_scenario(resolve_scenario(scenario))
    sc = loaded.scenario
    run_seed = seed if seed is not None else (sc.simulation.seed or 0)
    if reverse is not None:
        from fundsvc.stress.reverse import parse_target, reverse_stress

        target = parse_target(sc, reverse, level)
        result = reverse_stress(sc, target, paths=paths, seed=run_seed)
        doc = _json_safe(result.to_dict())
        run_id = _store_reverse(loaded, paths, run_seed, reverse, doc, data_dir, database_url) if store_ else None
        if as_json:
            typer.echo(json.dumps({**doc, "run_id": run_id}, ensure_ascii=False, indent=1))
        else:
            _print_reverse(console, result)
            if run_id is not None:
                console.print(f"stored with run {run_id}")
        return
    lib = bundled_stresses() if all_ else get_stresses(list(names or []))
    from fundsvc.stress.headline import path_values
    from fundsvc.stress.runner import json_rows, run_stresses

    start = sc.simulation.start_date
    imps = {n: s.impositions(start) for n, s in lib.items()}
    run_id = None
    if store_:
        from fundsvc.simulation.service import simulate_and_store
        from fundsvc.store import Store

        with Store.open(settings_from_options(data_dir, database_url), upgrade=True) as store:
            stored = simulate_and_store(store, loaded, paths=paths, seed=run_seed, label="stress base")
            run_id = stored.run_id
            table = run_stresses(sc, imps, paths=paths, seed=run_seed, base=path_values(stored.result))
            for n, s in lib.items():
                store.stress_results.add(run_id, "stress", n, {
                    "stress": n, "title": s.title, "title_zh": s.title_zh, "paths": paths, "seed": run_seed,
                    "narrative": s.narrative, "narrative_zh": s.narrative_zh, "sources": s.sources,
                    "rows": json_rows(table.filter(table["stress"] == n))})
    else:
        table = run_stresses(sc, imps, paths=paths, seed=run_seed)
    if as_json:
        typer.echo(json.dumps({"scenario": sc.name, "paths": paths, "seed": run_seed, "run_id": run_id,
                               "rows": json_rows(table)}, ensure_ascii=False, indent=1))
        return
    if run_id is not None:
        console.print(f"base run and stress results stored as run {run_id}")
    money = money_unit([v for r in table.iter_rows(named=True) if r["unit"] == "CNY"
                        for v in (r["base"], r["stressed"])])  # one unit for every stress table
    for name in lib:
        t = Table(title=f"{name}: {lib[name].title} / {lib[name].title_zh} — change vs base "
                        f"({paths:,} paths, seed {run_seed}, common random numbers; money in "
                        f"{money.value[1]}, changes of probabilities in percentage points pp 百分点)")
        for col in ("figure 指标", "base 基准", "stressed 压力", "change 变化", "± s.e. 标准误"):
            t.add_column(col, justify="left" if col.startswith("figure") else "right",
                         overflow="fold", no_wrap=not col.startswith("figure"))
        for r in table.filter(table["stress"] == name).iter_rows(named=True):
            u = r["unit"]
            t.add_row(f"{r['figure']}\n{r['figure_zh']}", _cell(r["base"], u, money), _cell(r["stressed"], u, money),
                      _cell(r["change"], u, money, change=True, signed=True),
                      _cell(r["change_se"], u, money, change=True))
        console.print(t)


def _json_safe(x):
    if isinstance(x, float):
        return None if math.isnan(x) else x
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_safe(v) for v in x]
    return x


def _store_reverse(loaded, paths: int, seed: int, name: str, doc: dict, data_dir, database_url) -> int:
    """Simulate and store the base run (same paths and seed), attach the reverse stress; the run id."""
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    with Store.open(settings_from_options(data_dir, database_url), upgrade=True) as store:
        stored = simulate_and_store(store, loaded, paths=paths, seed=seed, label="reverse stress base")
        store.stress_results.add(stored.run_id, "reverse", name, doc)
        return stored.run_id


def _print_reverse(console: Console, result) -> None:
    from fundsvc.stress.reverse import TargetKind

    d = result.to_dict()
    if result.target.kind is TargetKind.BANK:  # the bank's median loss over the horizon, CNY
        money = money_unit([d["level"], d["base_value"], *(row["value"] for row in d["checks"])])
        show = lambda x: f"{fmt_money(x, money)} {money.value[1]}"  # noqa: E731
    else:  # the guidance fund's loss ratio, or a pool's depletion probability
        show = fmt_pct
    console.print(f"[bold]Reverse stress 反向压力测试[/]: {d['target']}  (level 水平 {show(d['level'])}; "
                  f"base 基准 {show(d['base_value'])})")
    if result.shift_sigma is None:
        console.print("no tech-cycle shift down to −4σ over 4, 8 or 12 quarters from year 2 breaches the target "
                      "(median over paths); 在−4σ以内未找到突破目标的路径")
        return
    console.print(f"most likely breaching path: tech cycle shift {d['shift_sigma']:+.2f}σ over "
                  f"{d['window']} — Mahalanobis norm {d['mahalanobis_norm']:.2f}")
    t = Table(title="checked by simulation 模拟验证")
    for col in ("path 路径", "shift σ", "target value 目标值", "± s.e.", "breached 突破"):
        t.add_column(col, justify="right")
    for row in d["checks"]:
        t.add_row(row["label"], f"{row['shift_sigma']:+.2f}", show(row["value"]), show(row["se"]),
                  "yes 是" if row["breached"] else "no 否")
    console.print(t)


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
