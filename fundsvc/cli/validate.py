"""``fundsvc validate FILE``: check a scenario and print what it holds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.inputs.summary import ScenarioSummary, summarise
from fundsvc.units import fmt_cny, fmt_pct


def render_summary(console: Console, summary: ScenarioSummary, path: Path) -> None:
    """Print a scenario summary as rich tables (bilingual headings)."""
    s = summary
    console.print(f"[bold green]✓ valid[/] {path}  —  [bold]{s.title}[/] ({s.name})")
    console.print(
        f"  simulation: {s.paths:,} paths × {s.horizon_years} years, seed {s.seed if s.seed is not None else 'random'}"
    )
    if s.n_sub_funds:
        console.print(
            f"  引导基金 guidance fund: size {fmt_cny(s.guidance_size_cny)}, committed {fmt_cny(s.guidance_committed_cny)} "
            f"to {s.n_sub_funds} sub-funds of {fmt_cny(s.sub_fund_capital_cny)} in total "
            f"(放大倍数 leverage = sub-fund capital ÷ guidance commitments = {s.leverage:.2f}×)"
        )
        t = Table(title="子基金 Sub-funds", show_lines=False)
        for col in ("id", "name 名称", "strategy 阶段", "mode 模式", "vintage", "size 规模", "guidance 引导占比", "sectors 领域"):
            t.add_column(col, overflow="fold")
        for f in s.sub_funds:
            t.add_row(f["id"], f["name"], f["strategy"], f["mode"], f["vintage"], fmt_cny(f["commitment_cny"]),
                      fmt_pct(f["guidance_share"]), f["sectors"])
        console.print(t)
    if s.n_pools:
        t = Table(title="风险补偿资金池 Risk-sharing pools")
        for col in ("id", "name 名称", "balance 余额", "split 分担", "rule 规则", "leverage 放大", "loans 贷款", "programme"):
            t.add_column(col, overflow="fold")
        for p in s.pools:
            t.add_row(p["id"], p["name"], fmt_cny(p["balance_cny"]), f"{p['shares']} ({p['share_parties']})", p["rule"],
                      f"{p['leverage']:g}×", f"{p['loans']:,}", "yes" if p["programme"] else "no")
        console.print(t)
    if s.n_loans:
        console.print(
            f"  贷款 loan book: {s.n_loans:,} loans, {fmt_cny(s.loan_total_cny)}; {s.pooled_loans:,} covered by a pool"
        )
        t = Table(title="Loans by product and bank 按产品与银行")
        t.add_column("group")
        t.add_column("loans", justify="right")
        t.add_column("amount 金额", justify="right")
        for k, (n, amt) in s.loans_by_product.items():
            t.add_row(f"product: {k}", f"{n:,}", fmt_cny(amt))
        for k, (n, amt) in s.loans_by_bank.items():
            t.add_row(f"bank: {k}", f"{n:,}", fmt_cny(amt))
        console.print(t)


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        file: str = typer.Argument(..., metavar="FILE", help="Scenario TOML file, or the name of a bundled scenario"),
    ) -> None:
        """Validate a scenario file and the files it references; print a summary."""
        path = resolve_scenario(file)
        loaded = load_scenario(path)
        render_summary(Console(soft_wrap=True), summarise(loaded.scenario), path)
