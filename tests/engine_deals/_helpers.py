"""Shared builders for the deal-kernel tests (loaded by path: tests run with importlib mode)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.venture.deal_programme import compile_deals
from models.common import Sector
from models.market import MarketModel
from models.venture import StageProfile, SubFund

FAST_STAGES = {
    # a profile where much happens in few quarters (for small exact-agreement cases)
    "seed": {"p_next_round": 0.5, "p_exit": 0.2, "years_in_stage": 0.75, "step_up_median": 2.0, "step_up_sigma": 0.5, "round_dilution": 0.2},
    "series_a": {"p_next_round": 0.5, "p_exit": 0.25, "years_in_stage": 0.75, "step_up_median": 1.8, "step_up_sigma": 0.4, "round_dilution": 0.2},
    "series_b": {"p_next_round": 0.5, "p_exit": 0.3, "years_in_stage": 0.75, "step_up_median": 1.6, "step_up_sigma": 0.4, "round_dilution": 0.15},
    "series_c": {"p_next_round": 0.4, "p_exit": 0.4, "years_in_stage": 0.75, "step_up_median": 1.5, "step_up_sigma": 0.3, "round_dilution": 0.1},
    "later": {"p_next_round": 0.0, "p_exit": 0.8, "years_in_stage": 0.75, "step_up_median": 1.2, "step_up_sigma": 0.3, "round_dilution": 0.1},
}


def fast_profile(**overrides) -> StageProfile:
    posts = {"seed": 30e6, "series_a": 100e6, "series_b": 300e6, "series_c": 800e6, "later": 2e9}
    stages = []
    for name, v in FAST_STAGES.items():
        stages.append(dict(
            stage=name, **v, exit_multiple_median=0.8, exit_multiple_sigma=1.2,
            exit_tail_probability=0.1, exit_tail_alpha=1.5, exit_tail_scale=3.0,
            entry_post_money_cny=posts[name], failure_recovery=0.05,
        ))
    return StageProfile(name="fast", stages=stages, **overrides)


def small_fund(**overrides) -> SubFund:
    kw = {
        "id": "small", "name": "Small fund", "strategy": "angel", "vintage": dt.date(2026, 1, 1),
        "commitment_cny": 2e8, "guidance_share": 0.3, "investment_period_years": 2, "life_years": 5,
        "extension_years": 1, "sector_weights": {Sector.SMART_IOT: 0.5, Sector.BIOMEDICINE: 0.3, Sector.OTHER: 0.2},
        "n_initial_deals": 6, "reserve_ratio": 0.15, "recycling_cap": 0.05, "follow_on_through": "series_c",
        "entry_stage_mix": {"seed": 0.4, "series_a": 0.3, "series_b": 0.2, "series_c": 0.1},
    }
    kw.update(overrides)
    return SubFund(**kw)


def setup(n_paths=40, n_steps=32, start_step=2, seed=3, market=None, fund=None, profile=None):
    market = market if market is not None else MarketModel()
    fund = fund if fund is not None else small_fund()
    profile = profile if profile is not None else fast_profile()
    paths = simulate_market(market, n_paths, n_steps, 4, np.random.default_rng(seed))
    prog = compile_deals(fund, profile, paths.sectors, n_steps, start_step, 0.85 * fund.commitment_cny,
                         exit_regime=market.regime, steps_per_year=4)
    return prog, paths
