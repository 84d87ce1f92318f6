"""Array form of one deal-level sub-fund: deal slots, checks, reserves and stage tables.

:func:`compile_deals` turns a :class:`models.venture.SubFund` and its
:class:`models.venture.StageProfile` into a :class:`DealProgramme` — plain numpy arrays the
deal kernel (:mod:`fundsvc.engine.venture.deals`) reads. Nothing random happens here.

Conventions
-----------
* Stages are coded 0..4 in :data:`models.venture.STAGE_ORDER` (seed .. later); code 5
  (:data:`INACTIVE`) marks a slot that is not (or no longer) held.
* A company "at stage s" last raised a round of stage s. The :class:`StageTransition` of
  stage s describes the next event from s: per year the company raises the next round at
  rate ``p_next_round / years_in_stage``, exits at ``p_exit / years_in_stage`` (times the
  regime's exit-rate multiplier) and fails at the rest; the round raised from s uses the
  step-up and ``round_dilution`` of s.
* Time: quarterly steps (``steps_per_year = 4``) on the simulation's axis; the fund starts at
  ``start_step``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from fundsvc.errors import InputError, Problem
from models.common import Sector
from models.market import REGIME_ORDER, ExitRegimeModel, MarkingPolicy, Regime
from models.venture import STAGE_ORDER, Stage, StageProfile, SubFund

N_STAGES = len(STAGE_ORDER)
INACTIVE = N_STAGES
"""Stage code of a slot that is not held (not yet entered, exited, failed or liquidated)."""
NO_REGIME_ROW = len(REGIME_ORDER)
COLD_ROW = REGIME_ORDER.index(Regime.COLD)
"""Regime code of a cold exit market (cold-market extensions)."""
"""Row of the event-probability table used when the market has no regime (multiplier 1)."""
EARLY_STAGES = (Stage.SEED, Stage.SERIES_A)
_P_CLIP = 1e-12


@dataclass(frozen=True)
class DealProgramme:
    """Deterministic description of one deal-level sub-fund for the deal kernel.

    Amounts in CNY, times in steps of ``1 / steps_per_year`` years. Arrays indexed by stage
    have shape (5,) in :data:`models.venture.STAGE_ORDER`.

    Attributes
    ----------
    sub_fund_id : str
    n_steps, start_step, steps_per_year : int
        Simulation horizon (steps), the fund's first step, steps per year.
    ip_end_step : int
        First step after the investment period (recycling stops there).
    end_step : int
        Step in which holdings still alive are sold at NAV (end of life + extension); may be
        ``>= n_steps`` (then holdings stay at NAV at the horizon).
    entry_step : ndarray of int, shape (n_deals,)
        Step of each initial investment (spread evenly over the investment period).
    check_cny : float
        Initial check per deal: ``(1 - reserve_ratio) * investable / n_deals``.
    reserve_cny : float
        Follow-on reserve per path: ``reserve_ratio * investable``.
    recycling_cap_cny : float
        Largest amount of proceeds that may fund follow-ons (``recycling_cap * commitment``).
    entry_cum : ndarray, shape (5,)
        Cumulative entry-stage mix (last value 1).
    sector_cum : ndarray, shape (n_fund_sectors,)
        Cumulative sector weights of the fund.
    sector_pos : ndarray of int, shape (n_fund_sectors,)
        Position of each fund sector on the market's sector axis.
    n_market_sectors : int
    local_share : float
        Probability that a deal is a local firm.
    follow_on_through : int
        Last stage code in which the fund follows on pro rata.
    entry_post, step_mu, step_sigma, dilution, exit_mu, exit_sigma, tail_p, tail_alpha,
    tail_scale, recovery, z_next, z_exit : ndarray, shape (5,)
        Stage tables: entry post-money (CNY), log step-up median and sd, dilution of the round
        raised from the stage, log exit-multiple median and sd, Pareto tail probability,
        index and scale, failure recovery (share of cost), probits of ``p_next_round`` and
        ``p_exit``.
    p_event : ndarray, shape (4, 6)
        Probability that a company at stage s (column; column 5 = inactive, 0) has an event in
        a step, by regime (rows hot, normal, cold, no regime).
    exit_rate_mult, exit_value_mult : ndarray, shape (4,)
        Regime multipliers (hot, normal, cold, no regime = 1).
    max_entry_ownership, exit_multiple_cap : float
    factor_sensitivity, exit_value_loading : float
        Probit shift of graduation/exit per unit sector factor; log exit value per unit factor.
    early : ndarray of bool, shape (5,)
        Stages counted as early (seed, Series A).
    stack_frac : ndarray, shape (5,)
        Capital the company has raised in all rounds up to and including the entry round, as a
        share of the entry post-money (its liquidation-preference stack), see
        :func:`preference_stack_fraction`.
    nav_market_adjusted : bool
        Mark held stakes to the market (factor and regime), see :class:`models.market.MarkingPolicy`.
    stale_writedown : float
        Write-down of a mark per step since the last round (log rate per step).
    secondary_price : ndarray, shape (4,)
        End-of-term sale price as a share of the marked value (hot, normal, cold, no regime).
    n_extensions, extension_steps : int
        Cold-market extensions: a path whose regime is cold in the sale step waits
        ``extension_steps`` more, at most ``n_extensions`` times (only with a regime).
    """

    sub_fund_id: str
    n_steps: int
    start_step: int
    steps_per_year: int
    ip_end_step: int
    end_step: int
    entry_step: np.ndarray
    check_cny: float
    reserve_cny: float
    recycling_cap_cny: float
    entry_cum: np.ndarray
    sector_cum: np.ndarray
    sector_pos: np.ndarray
    n_market_sectors: int
    local_share: float
    follow_on_through: int
    entry_post: np.ndarray
    step_mu: np.ndarray
    step_sigma: np.ndarray
    dilution: np.ndarray
    exit_mu: np.ndarray
    exit_sigma: np.ndarray
    tail_p: np.ndarray
    tail_alpha: np.ndarray
    tail_scale: np.ndarray
    recovery: np.ndarray
    z_next: np.ndarray
    z_exit: np.ndarray
    p_event: np.ndarray
    exit_rate_mult: np.ndarray
    exit_value_mult: np.ndarray
    max_entry_ownership: float
    exit_multiple_cap: float
    factor_sensitivity: float
    exit_value_loading: float
    early: np.ndarray
    stack_frac: np.ndarray
    nav_market_adjusted: bool = False
    stale_writedown: float = 0.0
    secondary_price: np.ndarray = field(default_factory=lambda: np.ones(len(REGIME_ORDER) + 1))
    n_extensions: int = 0
    extension_steps: int = 4

    @property
    def n_deals(self) -> int:
        return int(self.entry_step.shape[0])

    @property
    def last_step(self) -> int:
        """Last step (exclusive) in which anything can happen: ``min(latest sale step + 1, n_steps)``
        (the latest sale step is ``end_step`` plus all cold-market extensions)."""
        return min(self.end_step + self.n_extensions * self.extension_steps + 1, self.n_steps)

    def sale_round(self, t: int) -> int:
        """Which sale opportunity step ``t`` is (0 at ``end_step``, k after k extensions), or -1."""
        k, r = divmod(t - self.end_step, self.extension_steps)
        return k if t >= self.end_step and r == 0 and k <= self.n_extensions else -1


def _stage_array(profile: StageProfile, attr: str) -> np.ndarray:
    return np.array([getattr(profile.transition(s), attr) for s in STAGE_ORDER], dtype=float)


def _probit(p: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(p, _P_CLIP, 1.0 - _P_CLIP))


def event_probability_table(
    profile: StageProfile, exit_rate_mult: np.ndarray, steps_per_year: int
) -> np.ndarray:
    """Per-step event probability by regime row and stage code, shape (4, 6).

    ``1 - exp(-dt * (p_next + m * p_exit + p_fail) / years_in_stage)`` with ``m`` the row's
    exit-rate multiplier; column 5 (inactive) is 0.
    """
    years = _stage_array(profile, "years_in_stage")
    p_exit = _stage_array(profile, "p_exit")
    dt = 1.0 / steps_per_year
    rate = (1.0 - p_exit[None, :] + exit_rate_mult[:, None] * p_exit[None, :]) / years[None, :]
    table = np.zeros((exit_rate_mult.shape[0], N_STAGES + 1))
    table[:, :N_STAGES] = 1.0 - np.exp(-dt * rate)
    return table


def preference_stack_fraction(profile: StageProfile) -> np.ndarray:
    """Capital raised up to a stage's round ÷ that round's post-money, shape (5,).

    The round into stage s sells ``d_in[s]`` of the company (``round_dilution`` of the stage
    before; seed uses its own), so it raises ``d_in[s]`` × post-money. Rounds before it were
    raised at a post-money smaller by the median step-up and the dilution:
    ``c[s] = d_in[s] + c[s-1] * (1 - d_in[s]) / step_up_median[s-1]``, ``c[seed] = d_in[seed]``.
    """
    dil = _stage_array(profile, "round_dilution")
    step = _stage_array(profile, "step_up_median")
    c = np.empty(N_STAGES)
    c[0] = dil[0]
    for s in range(1, N_STAGES):
        d_in = dil[s - 1]
        c[s] = d_in + c[s - 1] * (1.0 - d_in) / step[s - 1]
    return c


def _regime_multipliers(exit_regime: ExitRegimeModel | None) -> tuple[np.ndarray, np.ndarray]:
    cfg = exit_regime if exit_regime is not None else ExitRegimeModel()
    rate = np.array([cfg.exit_rate_multiplier[r] for r in REGIME_ORDER] + [1.0])
    value = np.array([cfg.exit_value_multiplier[r] for r in REGIME_ORDER] + [1.0])
    return rate, value


def compile_deals(
    sub_fund: SubFund,
    profile: StageProfile,
    sectors: tuple[Sector, ...] | list[Sector],
    n_steps: int,
    start_step: int,
    investable_cny: float,
    steps_per_year: int,
    *,
    exit_regime: ExitRegimeModel | None = None,
    marking: MarkingPolicy | None = None,
) -> DealProgramme:
    """Compile a deal-level sub-fund into arrays for :func:`~fundsvc.engine.venture.deals.simulate_deals`.

    Parameters
    ----------
    sub_fund : SubFund
    profile : StageProfile
        The sub-fund's stage profile.
    sectors : sequence of Sector
        The market's sector order (``MarketPaths.sectors``).
    n_steps : int
        Steps in the simulation horizon.
    start_step : int
        Step of the sub-fund's vintage on the simulation axis.
    investable_cny : float
        Capital the fund can invest in companies (CNY), from
        ``fundsvc.engine.venture.fund.investable_capital``.
    steps_per_year : int
        4 (quarterly) by default.
    exit_regime : ExitRegimeModel, optional
        Regime multipliers (the market's ``regime`` config); defaults of
        :class:`ExitRegimeModel` when omitted. Only used when the market paths carry a regime.
    marking : MarkingPolicy, optional
        NAV marking and end-of-term sale (the market's ``marking``); its defaults when omitted.

    Returns
    -------
    DealProgramme

    Raises
    ------
    InputError
        If a sector of the fund has no market factor, or the numbers cannot be compiled.
    """
    where = f"sub_funds[{sub_fund.id}]"
    problems: list[Problem] = []
    sectors = tuple(sectors)
    missing = [s.value for s in sub_fund.sector_weights if s not in sectors]
    if missing:
        problems.append(Problem("<input>", f"{where}.sector_weights", f"sector(s) {missing} have no market factor; add them to market.sectors"))
    if not investable_cny > 0:
        problems.append(Problem("<input>", where, f"investable capital must be > 0 CNY, got {investable_cny}"))
    if n_steps < 1 or not 0 <= start_step:
        problems.append(Problem("<input>", where, f"bad time axis: n_steps={n_steps}, start_step={start_step}"))
    if problems:
        raise InputError(problems)

    n_deals = int(sub_fund.n_initial_deals)
    ip_steps = max(1, round(sub_fund.investment_period_years * steps_per_year))
    life_steps = round((sub_fund.life_years + sub_fund.extension_years) * steps_per_year)
    entry_step = start_step + (np.arange(n_deals) * ip_steps) // n_deals

    mix = sub_fund.entry_mix()
    entry_w = np.array([mix.get(s, 0.0) for s in STAGE_ORDER])
    entry_cum = np.cumsum(entry_w / entry_w.sum())
    entry_cum[-1] = 1.0
    fund_sectors = [s for s in sub_fund.sector_weights if sub_fund.sector_weights[s] > 0]
    sec_w = np.array([sub_fund.sector_weights[s] for s in fund_sectors])
    sector_cum = np.cumsum(sec_w / sec_w.sum())
    sector_cum[-1] = 1.0
    sector_pos = np.array([sectors.index(s) for s in fund_sectors], dtype=np.intp)

    rate_mult, value_mult = _regime_multipliers(exit_regime)
    p_next = _stage_array(profile, "p_next_round")
    p_exit = _stage_array(profile, "p_exit")
    z_next = _probit(p_next)
    z_next[STAGE_ORDER.index(Stage.LATER)] = -np.inf  # never graduates from the last stage

    return DealProgramme(
        sub_fund_id=sub_fund.id,
        n_steps=int(n_steps),
        start_step=int(start_step),
        steps_per_year=int(steps_per_year),
        ip_end_step=int(start_step + ip_steps),
        end_step=int(start_step + life_steps - 1),
        entry_step=entry_step.astype(np.intp),
        check_cny=float((1.0 - sub_fund.reserve_ratio) * investable_cny / n_deals),
        reserve_cny=float(sub_fund.reserve_ratio * investable_cny),
        recycling_cap_cny=float(sub_fund.recycling_cap * sub_fund.commitment_cny),
        entry_cum=entry_cum,
        sector_cum=sector_cum,
        sector_pos=sector_pos,
        n_market_sectors=len(sectors),
        local_share=float(sub_fund.local_deal_share),
        follow_on_through=STAGE_ORDER.index(sub_fund.follow_on_through),
        entry_post=_stage_array(profile, "entry_post_money_cny"),
        step_mu=np.log(_stage_array(profile, "step_up_median")),
        step_sigma=_stage_array(profile, "step_up_sigma"),
        dilution=_stage_array(profile, "round_dilution"),
        exit_mu=np.log(_stage_array(profile, "exit_multiple_median")),
        exit_sigma=_stage_array(profile, "exit_multiple_sigma"),
        tail_p=_stage_array(profile, "exit_tail_probability"),
        tail_alpha=_stage_array(profile, "exit_tail_alpha"),
        tail_scale=_stage_array(profile, "exit_tail_scale"),
        recovery=_stage_array(profile, "failure_recovery"),
        z_next=z_next,
        z_exit=_probit(p_exit),
        p_event=event_probability_table(profile, rate_mult, steps_per_year),
        exit_rate_mult=rate_mult,
        exit_value_mult=value_mult,
        max_entry_ownership=float(profile.max_entry_ownership),
        exit_multiple_cap=float(profile.exit_multiple_cap),
        factor_sensitivity=float(profile.factor_sensitivity),
        exit_value_loading=float(profile.exit_value_factor_loading),
        early=np.array([s in EARLY_STAGES for s in STAGE_ORDER]),
        stack_frac=preference_stack_fraction(profile),
        **_marking_arrays(marking if marking is not None else MarkingPolicy(), steps_per_year),
    )


def _marking_arrays(m: MarkingPolicy, steps_per_year: int) -> dict:
    return {
        "nav_market_adjusted": bool(m.market_adjusted),
        "stale_writedown": float(m.stale_writedown_per_year) / steps_per_year,
        "secondary_price": np.array([m.secondary_price[r] for r in REGIME_ORDER] + [m.secondary_price_no_regime]),
        "n_extensions": int(m.cold_extensions),
        "extension_steps": max(1, round(m.cold_extension_years * steps_per_year)),
    }
