"""``fundsvc book-report RUN [--json]``: the run's loan book priced at its contract rates.

Per grade and product, amount-weighted: PD, LGD after every recovery (before sharing), the bank's
expected loss rate, contract rate, break-even rate and RAROC at the contract rate — with the
pool's cover and without it — and the amount share priced below its own break-even rate. Rates
per year. Analytic (the same recovery model as the engine, :mod:`fundsvc.credit.pricing.book`),
so no Monte Carlo error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options

ScenarioOption = Annotated[Path | None, typer.Option(
    "--scenario", help="Scenario file, if the run's stored scenario cannot be re-loaded")]

_COLUMNS = (
    ("pd", "PD 违约率"), ("lgd", "LGD 违约损失率"), ("el_rate", "EL 预期损失"), ("rate", "rate 合同利率"),
    ("break_even", "break-even 保本利率"), ("raroc", "RAROC"), ("el_rate_no_pool", "EL no pool 无资金池"),
    ("break_even_no_pool", "break-even no pool"), ("raroc_no_pool", "RAROC no pool"),
    ("below_break_even", "below b/e 低于保本"),
)


def book_report_data(scenario) -> dict:
    """``{"by_grade_product": [...], "by_grade": [...], "by_product": [...], "summary": {...}}``."""
    from fundsvc.credit.pricing.book import book_report, book_summary, price_book

    priced = price_book(scenario)
    return {
        "scenario": scenario.name,
        "by_grade_product": book_report(priced).to_dicts(),
        "by_grade": book_report(priced, ("grade",)).to_dicts(),
        "by_product": book_report(priced, ("product",)).to_dicts(),
        "summary": book_summary(priced),
    }


def _table(title: str, rows: list[dict], keys: tuple[str, ...]) -> Table:
    t = Table(title=title)
    for k in keys:
        t.add_column(k)
    t.add_column("n")
    t.add_column("万元", justify="right")
    for label in (lab for _, lab in _COLUMNS):
        t.add_column(label, justify="right")
    for r in rows:
        t.add_row(*[str(r[k]) for k in keys], str(r["n_loans"]), f"{r['amount_cny'] / 1e4:,.0f}",
                  *[f"{100 * r[c]:.2f}%" for c, _ in _COLUMNS])
    return t


def book_report_command(
    run_id: Annotated[int, typer.Argument(help="Stored run id (see `fundsvc runs list`)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
    scenario: ScenarioOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Price the run's loan book at its contract rates: EL, LGD, break-even and RAROC per grade and product."""
    from fundsvc.assessment.facts import scenario_for_run
    from fundsvc.store import Store

    with Store.open(settings_from_options(data_dir, database_url), upgrade=True) as store:
        scen = scenario_for_run(store, run_id, scenario)
    data = book_report_data(scen)
    if as_json:
        typer.echo(json.dumps({"run_id": run_id, **data}, ensure_ascii=False, indent=2))
        return
    console = Console(soft_wrap=True)
    console.print(_table(f"贷款组合定价 Book priced at contract rates — run {run_id} ({scen.name})",
                         data["by_grade"], ("grade",)))
    console.print(_table("按产品 By product", data["by_product"], ("product",)))
    console.print(_table("按等级与产品 By grade and product", data["by_grade_product"], ("grade", "product")))
    s = data["summary"]
    console.print(f"LGD {100 * s['lgd']:.1f}% · loss rate before sharing (PD×LGD) {100 * s['loss_rate_before_sharing']:.2f}%/yr"
                  f" · RAROC mean {100 * s['raroc_mean']:.1f}% (P10 {100 * s['raroc_p10']:.1f}%, "
                  f"P50 {100 * s['raroc_p50']:.1f}%, P90 {100 * s['raroc_p90']:.1f}%)", markup=False)


def register(app: typer.Typer) -> None:
    app.command("book-report")(book_report_command)
