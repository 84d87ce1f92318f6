"""Calibration of stage profiles: simulated per-deal statistics versus published targets.

Targets
-------
* Correlation Ventures, distribution of exit multiples of 21,640 US venture financings
  2004–2013 (published 2014, widely re-quoted, e.g. in Correlation Ventures' "Venture capital
  returns" charts): <1× 65 %, 1–5× 25 %, 5–10× 6 %, 10–20× 2.5 %, 20–50× 1 %, ≥50× 0.5 %.
  **Mapping.** One simulated *position* — a fund's initial check in a company plus its pro-rata
  follow-ons — counts as one financing; its multiple is the position's total proceeds ÷ total
  invested. Correlation Ventures counts each financing a fund took part in; a position with
  follow-ons would appear there as several financings whose multiples bracket the position's
  multiple, so per position the tails are a little thinner. Positions are counted once they
  have ended by exit or failure (Correlation Ventures counts realised financings).
* CB Insights, "The Venture Capital Funnel" (2017 edition, 1,098 US tech companies with a seed
  round in 2008–2010 followed to Feb 2017): 46 % raised a second round; 14 % a fourth round
  (about Series C). We read this as seed → A 46 % and seed → C 14 %, i.e. about 55 % at each of
  A → B and B → C.

The calibration fund (:func:`calibration_fund`) is a venture-strategy sub-fund (entry mix
20 % seed, 60 % Series A, 20 % Series B, the default of :class:`models.venture.FundStage`)
with a life long enough (investment period 5 years, life 40 years) that almost every company
reaches an exit or a failure; the market is the default :class:`models.market.MarketModel`
(with the exit regime), so factor and regime effects are part of the calibrated result.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.grid import FACTOR_STEPS_PER_YEAR, TimeGrid
from fundsvc.engine.venture.deal_programme import N_STAGES, compile_deals
from fundsvc.engine.venture.deals import DealOutcomes, DealStatus, deal_multiples, simulate_deals
from models.common import Sector
from models.market import MarketModel
from models.venture import STAGE_ORDER, FundStage, StageProfile, SubFund

MULTIPLE_EDGES = (0.0, 1.0, 5.0, 10.0, 20.0, 50.0, np.inf)
MULTIPLE_LABELS = ("<1x", "1-5x", "5-10x", "10-20x", "20-50x", ">=50x")
CORRELATION_VENTURES_TARGET = (0.65, 0.25, 0.06, 0.025, 0.01, 0.005)
"""Correlation Ventures, share of financings by exit multiple (2004–2013, 21,640 financings)."""
CB_INSIGHTS_FUNNEL = {"seed->series_a": 0.46, "seed->series_c": 0.14}
"""CB Insights Venture Capital Funnel (2017): share of seed-funded companies reaching the
second round and the fourth round."""


def calibration_fund(n_deals: int = 40, strategy: FundStage = FundStage.VENTURE, life_years: float = 40) -> SubFund:
    """The synthetic sub-fund used for calibration (commitment 1 亿元, all sectors equally)."""
    sectors = list(Sector)
    return SubFund(
        id="calibration",
        name="Calibration fund",
        strategy=strategy,
        vintage=dt.date(2026, 1, 1),
        commitment_cny=1e8,
        guidance_share=0.2,
        investment_period_years=5,
        life_years=life_years,
        extension_years=0,
        sector_weights={s: 1.0 / len(sectors) for s in sectors},
        n_initial_deals=n_deals,
    )


def multiple_buckets(multiples: np.ndarray) -> np.ndarray:
    """Share of multiples in the Correlation Ventures buckets, shape (6,)."""
    counts, _ = np.histogram(multiples, bins=np.asarray(MULTIPLE_EDGES))
    return counts / max(multiples.size, 1)


def graduation_rates(outcomes: DealOutcomes) -> np.ndarray:
    """Share of companies at each stage that raised the next round, shape (5,).

    Among the deals that were ever at stage s (entered at or before s and reached s), those
    whose last round is beyond s, divided by those that left s by any event (companies still
    held at s, or sold at NAV from s, are censored and left out).
    """
    entered = outcomes.status != DealStatus.PENDING
    censored_status = (outcomes.status == DealStatus.ACTIVE) | (outcomes.status == DealStatus.SOLD_AT_NAV)
    rates = np.full(N_STAGES, np.nan)
    for s in range(N_STAGES):
        reached = entered & (outcomes.entry_stage <= s) & (outcomes.stage >= s)
        left = reached & ~((outcomes.stage == s) & censored_status)
        n = int(left.sum())
        if n:
            rates[s] = float((left & (outcomes.stage > s)).sum()) / n
    return rates


def funnel(outcomes: DealOutcomes) -> dict[str, float]:
    """CB Insights-style funnel of seed entries: share reaching Series A and Series C."""
    seed = (outcomes.entry_stage == 0) & (outcomes.status != DealStatus.PENDING)
    done = seed & (outcomes.status != DealStatus.ACTIVE)
    n = max(int(done.sum()), 1)
    return {
        "seed->series_a": float((done & (outcomes.stage >= 1)).sum()) / n,
        "seed->series_c": float((done & (outcomes.stage >= 3)).sum()) / n,
        "seed exited": float((done & (outcomes.status == DealStatus.EXITED)).sum()) / n,
    }


def median_years_between_rounds(profile: StageProfile, steps_per_year: int) -> np.ndarray:
    """Median time from a round to the next event at each stage (normal regime), years, shape (5,).

    The time to the next event is geometric in steps (exponential in continuous time, mean
    ``years_in_stage``) whatever the event, so this is also the median time between rounds
    of companies that raise the next round (compare Carta's median time between rounds).
    """
    years = np.array([profile.transition(s).years_in_stage for s in STAGE_ORDER])
    p = 1.0 - np.exp(-1.0 / (steps_per_year * years))
    return np.ceil(np.log(0.5) / np.log1p(-p)) / steps_per_year


def calibration_grid(fund) -> TimeGrid:
    """The calibration fund's grid: quarterly (the factor grid) over its life."""
    return TimeGrid(fund.vintage, FACTOR_STEPS_PER_YEAR, round(fund.life_years * FACTOR_STEPS_PER_YEAR))


def simulate_calibration(
    profile: StageProfile,
    n_paths: int = 4000,
    seed: int = 20240601,
    n_deals: int = 40,
    market: MarketModel | None = None,
) -> DealOutcomes:
    """Simulate the calibration fund under ``profile``; per-deal outcomes (n_paths, n_deals)."""
    market = market if market is not None else MarketModel()
    fund = calibration_fund(n_deals)
    grid = calibration_grid(fund)
    ss = np.random.SeedSequence(seed)
    rng_m, rng_d = (np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(2))
    paths = simulate_market(market, n_paths, grid.n_steps, grid.steps_per_year, rng_m)
    prog = compile_deals(fund, profile, paths.sectors, grid.n_steps, 0, 0.85 * fund.commitment_cny,
                         grid.steps_per_year, exit_regime=market.regime)
    return simulate_deals(prog, paths, rng_d).deals


def calibration_report(profile: StageProfile, n_paths: int = 4000, seed: int = 20240601) -> dict:
    """Simulated versus target statistics of ``profile`` (see the module docstring).

    Returns
    -------
    dict
        ``buckets`` (label -> (simulated, target)), ``max_bucket_error`` (share),
        ``graduation`` (stage -> simulated rate), ``funnel`` (name -> (simulated, target or
        None)), ``median_years_between_rounds`` (stage -> years), ``n_multiples``.
    """
    out = simulate_calibration(profile, n_paths, seed)
    mult = deal_multiples(out)
    sim = multiple_buckets(mult)
    fun = funnel(out)
    return {
        "buckets": {k: (float(a), b) for k, a, b in zip(MULTIPLE_LABELS, sim, CORRELATION_VENTURES_TARGET)},
        "max_bucket_error": float(np.max(np.abs(sim - np.asarray(CORRELATION_VENTURES_TARGET)))),
        "graduation": {s.value: float(r) for s, r in zip(STAGE_ORDER, graduation_rates(out))},
        "funnel": {k: (v, CB_INSIGHTS_FUNNEL.get(k)) for k, v in fun.items()},
        "median_years_between_rounds": {
            s.value: float(y) for s, y in zip(STAGE_ORDER, median_years_between_rounds(
                profile, calibration_grid(calibration_fund(1)).steps_per_year))
        },
        "n_multiples": int(mult.size),
        "mean_multiple": float(mult.mean()),
    }
