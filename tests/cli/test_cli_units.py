"""CLI result tables use one money unit per table, named in the title or header (issue 16)."""

from __future__ import annotations

import numpy as np
import polars as pl
from rich.console import Console

from fundsvc.cli.render import render_credit, render_equity
from fundsvc.simulation.registry import TableName


def _text(fn, *args, **kw) -> str:
    console = Console(width=200, record=True, color_system=None)
    fn(console, *args, **kw)
    return console.export_text()


def test_pool_table_has_one_unit():
    """Initial balance 2亿 and mean payouts 500万 in one table: both in 亿元 (2.00 and 0.05), never a
    column mixing 万元 and 亿元."""
    ps = pl.DataFrame({"pool": ["city"], "initial_balance": [2e8], "payouts_mean": [5e6], "payouts_p95": [3e7],
                       "p_depleted": [0.01], "p_depleted_se": [0.001], "fiscal_cost_mean": [4e6],
                       "new_lending_mean": [1.5e9], "lending_multiple_mean": [7.5], "leverage_mean": [3.0]})
    out = _text(render_credit, {TableName.CREDIT_POOL_SUMMARY.short: ps}, wide=True)
    assert "风险补偿资金池 (亿元)" in out
    row = next(line for line in out.splitlines() if "city" in line)
    for cell in ("2.00", "0.05", "0.30", "0.04", "15.00"):
        assert cell in row, (cell, row)
    assert "万" not in row


def test_jcurve_trough_in_one_unit():
    cols = {f"{m}_{q}": [1.0, 1.0] for m in ("tvpi", "dpi", "irr") for q in ("p5", "p25", "p50", "p75", "p95")}
    summary = pl.DataFrame({"entity": ["guidance", "seed-iot"], **cols, "jcurve_trough_cny": [-2.5e8, -3e6],
                            "jcurve_trough_date": [None, None], "p_loss": [0.2, 0.3], "irr_undefined": [0.0, 0.0]})
    out = _text(render_equity, summary)
    assert "谷底 (亿元)" in out and "-2.50" in out and "-0.03" in out


def test_precision_table_shows_money_as_money():
    """The Monte Carlo precision table showed banks' EL as "66364403.15×" (every figure that was not a
    probability was printed as a multiple). Money rows now share one unit named in the row label."""
    from fundsvc.cli.render import render_headlines
    from fundsvc.simulation.uncertainty import headline_figures, headline_row

    heads = {h.figure: h for h in headline_figures(["guidance"], ["banks"], ["city"])}
    rng = np.random.default_rng(1)
    rows = [headline_row(heads["guidance TVPI mean"], np.full(400, 1.5)),
            headline_row(heads["guidance P(TVPI<1)"], (np.arange(400) < 100).astype(float)),
            headline_row(heads["banks EL (horizon)"], np.full(400, 6.6364e7)),
            headline_row(heads["banks VaR 99.9% (horizon)"], rng.uniform(2e8, 3.1e8, 400))]
    assert [r["display"] for r in rows] == ["multiple", "percent", "money", "money"]
    out = _text(render_headlines, pl.DataFrame(rows))
    el = next(line for line in out.splitlines() if "banks EL" in line)
    assert "banks EL (horizon) (亿元)" in el and "0.66 " in el and "[0.66, 0.66]" in el and "×" not in el
    assert "1.50×" in out and "25.0%" in out
    old = pl.DataFrame(rows).drop("display")  # a run stored before the column: kind from the name
    assert "(亿元)" in _text(render_headlines, old)
