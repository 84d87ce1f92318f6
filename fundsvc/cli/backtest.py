"""``fundsvc backtest TAPE``: PD calibration, discriminatory power and LGD against outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.inputs.bundled import resolve_data_file


def backtest(
    tape: Annotated[str, typer.Argument(help="Loan tape with outcomes (CSV/Parquet), or a bundled sample name "
                                             "(backtest_loans_pass, backtest_loans_fail)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write a report workbook here")] = None,
) -> None:
    """Backtest PDs per grade (binomial and Jeffreys tests), AUC/Gini and LGD on a loan tape with outcomes."""
    from fundsvc.validation.backtest import backtest_loans
    from fundsvc.validation.tape import read_tape

    path = resolve_data_file(tape)
    df = read_tape(path, display=tape)
    res = backtest_loans(df)
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
    if not res.passed:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
