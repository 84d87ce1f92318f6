"""``fundsvc generate-loans``: build an illustrative loan book and write it as CSV or Parquet.

The bundled books are rebuilt with::

    fundsvc generate-loans --preset hangzhou --n 2000 --seed 1 --out scenarios/data/hangzhou_loans.csv
    fundsvc generate-loans --preset quick --n 48 --seed 7 --out scenarios/data/quick_loans.csv
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from fundsvc.errors import InputError
from fundsvc.formatting import fmt_money, money_unit
from fundsvc.inputs.tables import read_loan_book
from fundsvc.loangen import PRESETS, preset, write_loan_book


def build_loan_book(preset_name: str, n_loans: int | None, seed: int | None, out: Path) -> pl.DataFrame:
    """Generate a preset's loan book, check it with the loader, then write it to ``out``.

    The table is written to a temporary file of the same format first and read back with
    :func:`fundsvc.inputs.read_loan_book`; only a book that passes is written to ``out``.

    Raises
    ------
    InputError
        For an unknown preset, a bad ``n_loans`` or output suffix, or a generated book the
        loader rejects.
    """
    if preset_name not in PRESETS:
        raise InputError.single("--preset", "", f"unknown preset '{preset_name}'; use {' or '.join(PRESETS)}")
    if n_loans is not None and not 1 <= n_loans <= 1_000_000:
        raise InputError.single("--n", "", f"must be between 1 and 1,000,000, got {n_loans}")
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InputError.single(str(out), "", f"unsupported format '{suffix}'; use .csv or .parquet")
    df = preset(preset_name).generate(n_loans=n_loans, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        check = write_loan_book(df, Path(tmp) / f"check{suffix}")
        read_loan_book(check, display=f"generated loan book ({out.name})")
    write_loan_book(df, out)
    return df


def render_loan_summary(console: Console, df: pl.DataFrame, out: Path) -> None:
    """Print count, total (亿元) and the split by product and by bank."""
    total = float(df["amount_cny"].sum())
    console.print(f"[bold green]✓ wrote[/] {out}: {df.height:,} loans, {total / 1e8:,.2f}亿元 in total")
    for key, title in (("product", "By product 按产品"), ("bank", "By bank 按银行"), ("pool_id", "By pool 按资金池")):
        g = (
            df.group_by(key).agg(pl.len().alias("n"), pl.col("amount_cny").sum().alias("amt"))
            .sort("amt", descending=True)
        )
        unit = money_unit(g["amt"].to_list())  # one unit per table, named in the header
        t = Table(title=title)
        t.add_column(key)
        t.add_column("loans", justify="right")
        t.add_column(f"amount 金额 ({unit.value[1]})", justify="right")
        t.add_column("share", justify="right")
        for k, n, amt in g.iter_rows():
            t.add_row(str(k) if k is not None else "(none)", f"{n:,}", fmt_money(float(amt), unit), f"{amt / total:.1%}")
        console.print(t)


def register(app: typer.Typer) -> None:
    @app.command("generate-loans")
    def generate_loans(
        out: Annotated[Path, typer.Option("--out", help="Output file, .csv or .parquet")],
        n: Annotated[int | None, typer.Option("--n", help="Number of loans (default: the preset's)")] = None,
        seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the preset's)")] = None,
        preset_name: Annotated[str, typer.Option("--preset", help="hangzhou | quick")] = "hangzhou",
    ) -> None:
        """Generate an illustrative tech-loan book (成果贷/科创贷/人才贷), validate it and write it."""
        df = build_loan_book(preset_name, n, seed, out)
        render_loan_summary(Console(soft_wrap=True), df, out)
