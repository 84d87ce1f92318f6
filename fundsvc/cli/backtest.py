"""``fundsvc backtest TAPE``: PD calibration, discriminatory power and LGD against outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options


def backtest(
    tape: Annotated[str | None, typer.Argument(help="Loan tape with outcomes (CSV/Parquet), or a bundled sample "
                                                    "name (backtest_loans_pass, backtest_loans_fail)")] = None,
    run_id: Annotated[int | None, typer.Option("--run", help="Stored run whose simulated fund distributions "
                                                              "the actuals are tested against")] = None,
    actuals: Annotated[Path | None, typer.Option("--actuals", help="Sub-fund actuals over time (with --run)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write a report workbook here")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Backtest PDs per grade (binomial and Jeffreys tests), AUC/Gini and LGD on a loan tape with outcomes;
    with --run and --actuals, the PIT of sub-fund results over time and the coverage of the simulated 90 % band."""
    from fundsvc.errors import InputError

    if tape is None and (run_id is None or actuals is None):
        raise InputError.single("command line", "TAPE", "give a loan tape, or --run RUN with --actuals FILE")
    if (run_id is None) != (actuals is None):
        raise InputError.single("command line", "--run/--actuals", "--run and --actuals go together")
    passed = True
    if run_id is not None:
        passed &= _fund_backtest(run_id, actuals, as_json, data_dir, database_url)
    if tape is not None:
        passed &= _loan_backtest(tape, as_json, xlsx)
    if not passed:
        raise typer.Exit(code=1)


def _fund_backtest(run_id: int, actuals: Path, as_json: bool, data_dir, database_url) -> bool:
    from fundsvc.assessment.facts import scenario_facts, scenario_for_run
    from fundsvc.inputs.actuals import read_actuals
    from fundsvc.store import Store
    from fundsvc.validation.backtest import backtest_run_funds

    with Store.open(settings_from_options(data_dir, database_url)) as store:
        scen = scenario_for_run(store, run_id, None)
        frame = read_actuals(actuals, scenario_facts(scen).sub_fund_ids)
        res = backtest_run_funds(store, run_id, scen, frame)
    if as_json:
        typer.echo(json.dumps({"fund_backtest": {"passed": res.passed, "histogram": res.histogram.tolist(),
                                                 "p_uniform": res.p_uniform, "coverage_90": res.coverage_90,
                                                 "p_coverage": res.p_coverage, "observations": int(res.pit.size)}}))
    else:
        console = Console(soft_wrap=True)
        console.print(f"PIT of {res.pit.size} sub-fund quarters 子基金季度观测: histogram (10 bins) "
                      f"{res.histogram.tolist()}, chi-square p = {res.p_uniform:.3g}; inside the simulated 90 % band "
                      f"{100 * res.coverage_90:.1f}% (p = {res.p_coverage:.3g}) — "
                      + ("pass 通过" if res.passed else "[red]FAIL 未通过[/]"))
    return res.passed


def _loan_backtest(tape: str, as_json: bool, xlsx: Path | None) -> bool:
    from fundsvc.validation.backtest import backtest_tape

    res = backtest_tape(tape)
    if xlsx is not None:
        from fundsvc.validation.report import write_backtest_workbook

        write_backtest_workbook(xlsx, res)
    if as_json:
        typer.echo(json.dumps({"passed": res.passed, "auc": res.auc, "gini": res.gini, "auc_se": res.auc_se,
                               "lgd": res.lgd, "calibration": res.calibration.to_dicts()}, default=float))
    else:
        console = Console(soft_wrap=True)
        t = Table(title="PD calibration per grade 分级违约率校准 (one-sided, 5 %)")
        for c in ("grade 等级", "loans 笔数", "defaults 违约", "PD", "default rate 违约率", "binomial p", "Jeffreys p", "result 结论"):
            t.add_column(c, justify="left" if c.startswith(("grade", "result")) else "right")
        for r in res.calibration.iter_rows(named=True):
            t.add_row(r["grade"], f"{r['loans']:,}", f"{r['defaults']:,}", f"{100 * r['pd']:.2f}%",
                      f"{100 * r['default_rate']:.2f}%", f"{r['p_binomial']:.3f}", f"{r['p_jeffreys']:.3f}",
                      "pass 通过" if r["passed"] else "[red]FAIL 未通过[/]")
        console.print(t)
        console.print(f"AUC {res.auc:.3f} ± {res.auc_se:.3f} (s.e.), Gini {res.gini:.3f}")
        if "lgd_realised" in res.lgd:
            lg = res.lgd
            console.print(f"LGD realised {100 * lg['lgd_realised']:.1f}% vs predicted {100 * lg['lgd_predicted']:.1f}% "
                          f"({lg['defaults_with_lgd']} defaults; one-sided p = {lg['p_value']:.3g}) — "
                          + ("pass 通过" if lg["passed"] else "[red]FAIL 未通过[/]"))
        console.print("[bold green]backtest passed 回测通过[/]" if res.passed else "[bold red]backtest FAILED 回测未通过[/]")
    return res.passed


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
