"""Per-path equity summaries and fans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, stream
from fundsvc.engine.venture.equity import compile_equity, simulate_equity_chunk
from fundsvc.engine.venture.summary import SubFundView, equity_fans, summarise_equity
from fundsvc.inputs import load_scenario
from models.venture import FundStage, SubFund, TakahashiAlexanderParams

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "quick.toml"


@pytest.fixture(scope="module")
def quick_run():
    sc = load_scenario(QUICK).scenario
    model = compile_equity(sc)
    market = simulate_market(sc.market, 300, model.n_steps, 4, stream(5, 1, Component.FACTORS))
    return model, market, simulate_equity_chunk(model, market, 5, 1)


def test_summary_rows_and_columns(quick_run):
    model, market, ch = quick_run
    df = summarise_equity(ch, market.index_level, model.dates(), path_offset=600, periods_per_year=4)
    assert df.height == 300 * 4
    assert df["entity"].unique().sort().to_list() == sorted(["guidance", *model.fund_ids])
    assert df["path"].min() == 600 and df["path"].max() == 899
    for col in ("tvpi", "dpi", "rvpi", "irr", "ks_pme", "direct_alpha", "trough_cny", "trough_step", "loss"):
        assert col in df.columns
    g = df.filter(df["entity"] == "guidance")
    np.testing.assert_allclose(g["tvpi"].to_numpy(), g["dpi"].to_numpy() + g["rvpi"].to_numpy())
    assert (g["trough_cny"].to_numpy() <= 0).all()
    assert (g["loss"].to_numpy() == (g["tvpi"].to_numpy() < 1)).all()
    # trough equals the minimum of the cumulative net cash flow
    cum = np.cumsum(ch.guidance_distributions - ch.guidance_calls, axis=1)
    np.testing.assert_allclose(g["trough_cny"].to_numpy(), np.minimum(cum.min(axis=1), 0))
    gs = summarise_equity(ch, market.index_level, view=SubFundView.GUIDANCE_SHARE, periods_per_year=4)
    assert gs.height == df.height


def test_ta_fund_irr_and_pme_against_index_growing_at_g():
    """A deterministic TA sub-fund (G = 12 %) against an index growing 12 % a year: IRR = 12 %,
    KS-PME = 1 and direct alpha = 0 (up to solver precision)."""
    sc = load_scenario(QUICK).scenario
    fund = SubFund(id="ta", name="ta", strategy=FundStage.GROWTH, vintage=dt.date(2027, 1, 1),
                   commitment_cny=1e8, guidance_share=0.2, sector_weights={"green_energy": 1.0},
                   mode="takahashi_alexander",
                   takahashi_alexander=TakahashiAlexanderParams(growth=0.12, growth_volatility=0.0))
    sc = sc.model_copy(update={"sub_funds": [fund]})
    model = compile_equity(sc)
    market = simulate_market(sc.market, 4, model.n_steps, 4, stream(1, 0, Component.FACTORS))
    ch = simulate_equity_chunk(model, market, 1, 0)
    index = np.broadcast_to(1.12 ** (np.arange(model.n_steps + 1) / 4), (4, model.n_steps + 1))
    df = summarise_equity(ch, index, model.dates(), periods_per_year=4)
    row = df.filter(df["entity"] == "ta")
    np.testing.assert_allclose(row["irr"].to_numpy(), 0.12, atol=1e-8)
    np.testing.assert_allclose(row["ks_pme"].to_numpy(), 1.0, atol=1e-9)
    np.testing.assert_allclose(row["direct_alpha"].to_numpy(), 0.0, atol=1e-8)


def test_fans(quick_run):
    model, _, ch = quick_run
    fans = equity_fans(ch)
    assert fans.columns == ["entity", "step", "measure", "p5", "p25", "p50", "p75", "p95"]
    assert fans.height == (1 + len(model.fund_ids)) * 2 * model.n_steps
    q = fans.select(["p5", "p25", "p50", "p75", "p95"]).to_numpy()
    assert (np.diff(q, axis=1) >= -1e-6).all()
    nav = fans.filter((fans["entity"] == "guidance") & (fans["measure"] == "nav"))
    np.testing.assert_allclose(nav["p50"].to_numpy(), np.median(ch.guidance_nav, axis=0))
