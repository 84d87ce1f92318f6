"""``fundsvc stress SCENARIO``: bundled stresses (or a reverse stress) on common random numbers."""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.errors import InputError, Problem
from fundsvc.units import fmt_cny, fmt_pct


def _fmt(x: float, unit: str, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    sign = "+" if signed and x > 0 else ""
    if unit == "CNY":
        return sign + fmt_cny(x)
    if unit == "share":
        return sign + fmt_pct(x)
    return f"{sign}{x:.3f}×"


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
    problems = []
    if paths < 2:
        problems.append(Problem("command line", "--paths", f"must be at least 2, got {paths}"))
    if seed is not None and not 0 <= seed < 2**63:
        problems.append(Problem("command line", "--seed", f"must be in [0, 2**63), got {seed}"))
    if reverse is None and not names and not all_:
        problems.append(Problem("command line", "--stress", "name at least one stress, --all, --list or --reverse"))
    if reverse is not None and (names or all_):
        problems.append(Problem("command line", "--reverse", "a reverse stress runs on its own (drop --stress/--all)"))
    if problems:
        raise InputError(problems)
    sc = load_scenario(resolve_scenario(scenario)).scenario
    run_seed = seed if seed is not None else (sc.simulation.seed or 0)
    if reverse is not None:
        from fundsvc.stress.reverse import parse_target, reverse_stress

        result = reverse_stress(sc, parse_target(sc, reverse, level), paths=paths, seed=run_seed)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        else:
            _print_reverse(console, result)
        return
    lib = bundled_stresses() if all_ else get_stresses(list(names or []))
    from fundsvc.stress.runner import run_stresses

    start = sc.simulation.start_date
    table = run_stresses(sc, {n: s.impositions(start) for n, s in lib.items()}, paths=paths, seed=run_seed)
    if as_json:
        typer.echo(json.dumps({"scenario": sc.name, "paths": paths, "seed": run_seed,
                               "rows": table.to_dicts()}, ensure_ascii=False, indent=1))
        return
    for name in lib:
        t = Table(title=f"{name}: {lib[name].title} / {lib[name].title_zh} — change vs base "
                        f"({paths:,} paths, seed {run_seed}, common random numbers)")
        for col in ("figure 指标", "base 基准", "stressed 压力", "change 变化", "± s.e. 标准误"):
            t.add_column(col, justify="left" if col.startswith("figure") else "right")
        for r in table.filter(table["stress"] == name).iter_rows(named=True):
            t.add_row(f"{r['figure']} {r['figure_zh']}", _fmt(r["base"], r["unit"]), _fmt(r["stressed"], r["unit"]),
                      _fmt(r["change"], r["unit"], signed=True), _fmt(r["change_se"], r["unit"]))
        console.print(t)


def _print_reverse(console: Console, result) -> None:
    d = result.to_dict()
    console.print(f"[bold]Reverse stress 反向压力测试[/]: {d['target']}  (level {d['level']:g}; base {d['base_value']:.4g})")
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
        t.add_row(row["label"], f"{row['shift_sigma']:+.2f}", f"{row['value']:.4g}", f"{row['se']:.2g}",
                  "yes 是" if row["breached"] else "no 否")
    console.print(t)


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
