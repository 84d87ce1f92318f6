"""Equity chunk API: compile a scenario's sub-funds once, simulate one chunk of paths.

:func:`compile_equity` turns a :class:`models.Scenario` into a frozen :class:`EquityModel`
(deal programmes, start steps, factor weights, the guidance fund's cost schedule).
:func:`simulate_equity_chunk` runs every sub-fund on the chunk's shared market paths and
returns an :class:`EquityChunk`: per sub-fund the whole LP base's flows and the guidance
fund's share of them (after 让利 and buy-out), and the guidance fund's aggregate.

Per sub-fund the randomness comes from ``stream(seed, chunk_index, Component.VENTURE,
sub_key(sub_fund.id))``, so adding or removing a sub-fund leaves the others' draws unchanged.

Modes:

* deal-level: :func:`~fundsvc.engine.venture.deals.simulate_deals` then
  :func:`~fundsvc.engine.venture.fund.fund_cash_flows` (fees, calls, waterfall, GP commitment);
* Takahashi–Alexander: :func:`~fundsvc.engine.venture.ta.ta_fund_paths` on the LP base
  (``commitment × (1 − gp_commitment_share)``), flows already net to LPs, no carry. Its
  indicators are proxies: paid-in of the whole fund (LP base grossed up by the GP share)
  stands in for invested capital, split by sector weights, ``local_deal_share`` of it counted
  as local, all of it as early-stage if the strategy is early-stage; ``n_companies`` is the
  nominal ``n_initial_deals``.

Guidance aggregate: ``guidance_calls`` = Σ guidance stake calls + the guidance fund's own
management cost; ``guidance_distributions`` = Σ stake distributions (+ interest on idle cash if
``include_cash_yield``); ``guidance_nav`` = Σ stake NAV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from fundsvc.engine.factors import MarketPaths
from fundsvc.engine.grid import TimeGrid
from fundsvc.engine.sampling import Component, stream, sub_key
from fundsvc.engine.venture.deal_programme import DealProgramme, compile_deals
from fundsvc.engine.venture.deals import simulate_deals
from fundsvc.engine.venture.fund import fund_cash_flows, investable_capital
from fundsvc.engine.venture.guidance import (
    cash_yield,
    guidance_stake,
    local_reinvestment_ratio,
    management_cost,
)
from fundsvc.engine.venture.ta import ta_fund_paths
from fundsvc.errors import InputError, Problem
from models.common import Sector
from models.scenario import Scenario
from models.venture import GuidanceFund, SubFund, SubFundMode


@dataclass(frozen=True)
class CompiledFund:
    """One sub-fund ready to simulate.

    Attributes
    ----------
    sub_fund : SubFund
    start_step : int
        Step of the vintage on the scenario axis.
    programme : DealProgramme or None
        Deal-level programme (None for Takahashi–Alexander funds).
    factor_weights : ndarray, shape (n_sectors,)
        Weights turning the market's sector factors into the fund's unit-variance factor.
    """

    sub_fund: SubFund
    start_step: int
    programme: DealProgramme | None
    factor_weights: np.ndarray

    @property
    def mode(self) -> SubFundMode:
        return self.sub_fund.mode


@dataclass(frozen=True)
class EquityModel:
    """A scenario's equity side compiled for simulation.

    Attributes
    ----------
    funds : tuple of CompiledFund
    guidance : GuidanceFund or None
    sectors : tuple of Sector
        Market sector order.
    grid : TimeGrid
        The venture side's time grid (``simulation.time_step``).
    management_cost : ndarray, shape (n_steps,)
        The guidance fund's own cost per step (CNY).
    include_cash_yield : bool
        Add interest on the guidance fund's idle cash to its distributions.
    """

    funds: tuple[CompiledFund, ...]
    guidance: GuidanceFund | None
    sectors: tuple[Sector, ...]
    grid: TimeGrid
    management_cost: np.ndarray
    include_cash_yield: bool = False

    @property
    def n_steps(self) -> int:
        return self.grid.n_steps

    @property
    def steps_per_year(self) -> int:
        return self.grid.steps_per_year

    @property
    def start_date(self) -> dt.date:
        return self.grid.start_date

    @property
    def fund_ids(self) -> tuple[str, ...]:
        return tuple(f.sub_fund.id for f in self.funds)

    @property
    def guidance_commitments(self) -> np.ndarray:
        """Guidance commitment to each sub-fund, CNY, shape (n_funds,)."""
        return np.array([f.sub_fund.guidance_commitment_cny for f in self.funds])

    def dates(self) -> np.ndarray:
        """Step end dates, ``datetime64[D]`` shape (n_steps,)."""
        return self.grid.dates()


@dataclass(frozen=True)
class EquityChunk:
    """Simulated equity flows for one chunk of paths (CNY per step).

    Attributes
    ----------
    fund_ids : tuple of str
        Order of the ``n_funds`` axis.
    guidance_calls, guidance_distributions, guidance_nav : ndarray, shape (n_paths, n_steps)
        The guidance fund as a whole (calls include its own management cost).
    fund_calls, fund_distributions, fund_nav : ndarray, shape (n_paths, n_funds, n_steps)
        Whole LP base of each sub-fund (NAV net of accrued carry).
    guidance_fund_calls, guidance_fund_distributions, guidance_fund_nav : ndarray, shape (n_paths, n_funds, n_steps)
        The guidance fund's share, after 让利 and buy-out.
    gp_carry : ndarray, shape (n_paths, n_funds)
        Carry paid to each GP over the horizon.
    invested_local, invested_early, n_companies : ndarray, shape (n_paths, n_funds)
        Policy indicators (CNY; CNY; count).
    invested_by_sector : ndarray, shape (n_paths, n_sectors)
        Invested by all sub-funds, by market sector (CNY).
    guidance_conceded : ndarray, shape (n_paths, n_funds)
        Profit given up to private LPs (让利), CNY.
    buyout_step : ndarray of int, shape (n_paths, n_funds)
        Step of the buy-out of the guidance stake, −1 if none.
    local_reinvestment_ratio : ndarray, shape (n_paths, n_funds)
        返投 achieved: invested_local / guidance commitment.
    local_reinvestment_required : ndarray, shape (n_funds,)
        The required multiple.
    guidance_management_cost : ndarray, shape (n_steps,)
        The guidance fund's own cost per step (included in ``guidance_calls``).
    guidance_cash_yield : ndarray, shape (n_paths, n_steps)
        Interest on idle cash (included in distributions only if the model says so).
    """

    fund_ids: tuple[str, ...]
    guidance_calls: np.ndarray
    guidance_distributions: np.ndarray
    guidance_nav: np.ndarray
    fund_calls: np.ndarray
    fund_distributions: np.ndarray
    fund_nav: np.ndarray
    guidance_fund_calls: np.ndarray
    guidance_fund_distributions: np.ndarray
    guidance_fund_nav: np.ndarray
    gp_carry: np.ndarray
    invested_local: np.ndarray
    invested_early: np.ndarray
    n_companies: np.ndarray
    invested_by_sector: np.ndarray
    guidance_conceded: np.ndarray
    buyout_step: np.ndarray
    local_reinvestment_ratio: np.ndarray
    local_reinvestment_required: np.ndarray
    guidance_management_cost: np.ndarray
    guidance_cash_yield: np.ndarray

    @property
    def n_paths(self) -> int:
        return self.guidance_calls.shape[0]

    @property
    def n_steps(self) -> int:
        return self.guidance_calls.shape[1]


def _factor_weights(sub_fund: SubFund, sectors: tuple[Sector, ...], corr: np.ndarray) -> np.ndarray:
    w = np.array([sub_fund.sector_weights.get(s, 0.0) for s in sectors], dtype=float)
    return w / float(np.sqrt(w @ corr @ w))


def compile_equity(scenario: Scenario, grid: TimeGrid | None = None, *,
                   include_cash_yield: bool = False) -> EquityModel:
    """Compile the scenario's sub-funds and guidance fund (see module doc) on ``grid`` (default
    the scenario's venture grid, :meth:`TimeGrid.venture_grid`).

    Raises
    ------
    InputError
        A sub-fund starting before the simulation start date, or one that cannot be compiled.
    """
    sim = scenario.simulation
    grid = grid if grid is not None else TimeGrid.venture_grid(scenario)
    spy, n_steps = grid.steps_per_year, grid.n_steps
    sectors = tuple(scenario.market.sectors)
    corr = scenario.market.sector_correlation()
    problems: list[Problem] = []
    funds: list[CompiledFund] = []
    for i, sf in enumerate(scenario.sub_funds):
        start = grid.step_of(sf.vintage)
        if start < 0:
            problems.append(Problem("<input>", f"sub_funds[{i}].vintage",
                                    f"vintage {sf.vintage} is before the simulation start date "
                                    f"{sim.start_date}; funds already running are not supported"))
            continue
        prog = None
        if sf.mode is SubFundMode.DEAL_LEVEL:
            prog = compile_deals(sf, scenario.stage_profile(sf.stage_profile), sectors, n_steps, start,
                                 investable_capital(sf), spy, exit_regime=scenario.market.regime)
        funds.append(CompiledFund(sf, start, prog, _factor_weights(sf, sectors, corr)))
    if problems:
        raise InputError(problems)
    gf = scenario.guidance_fund
    if gf is not None and funds:
        cost = management_cost(gf, np.array([f.sub_fund.guidance_commitment_cny for f in funds]),
                               np.array([f.start_step for f in funds]),
                               grid.step_of(gf.inception), n_steps, spy)
    else:
        cost = np.zeros(n_steps)
    return EquityModel(tuple(funds), gf, sectors, grid, cost, include_cash_yield)


def _check_market(model: EquityModel, market: MarketPaths) -> None:
    msgs = []
    if market.n_steps != model.n_steps:
        msgs.append(f"market has {market.n_steps} steps, the equity model {model.n_steps}")
    if market.steps_per_year != model.steps_per_year:
        msgs.append(f"market has {market.steps_per_year} steps a year, the equity model {model.steps_per_year}")
    if tuple(market.sectors) != model.sectors:
        msgs.append("market sectors differ from the scenario's")
    if msgs:
        raise ValueError("; ".join(msgs))


def simulate_equity_chunk(model: EquityModel, market: MarketPaths, seed: int, chunk_index: int) -> EquityChunk:
    """Simulate all sub-funds and the guidance fund on one chunk's market paths.

    Parameters
    ----------
    model : EquityModel
    market : MarketPaths
        The chunk's quarterly factor paths (shared with the credit side).
    seed : int
        Normalised run seed.
    chunk_index : int

    Returns
    -------
    EquityChunk
    """
    _check_market(model, market)
    P, T, F, S = market.n_paths, model.n_steps, len(model.funds), len(model.sectors)
    spy = model.steps_per_year
    shape3 = (P, F, T)
    fc, fd, fn = np.zeros(shape3), np.zeros(shape3), np.zeros(shape3)
    gc, gd, gn = np.zeros(shape3), np.zeros(shape3), np.zeros(shape3)
    carry, local, early, ncomp = (np.zeros((P, F)) for _ in range(4))
    conceded = np.zeros((P, F))
    buyout = np.full((P, F), -1, dtype=np.int64)
    by_sector = np.zeros((P, S))
    for j, cf in enumerate(model.funds):
        sf = cf.sub_fund
        rng = stream(seed, chunk_index, Component.VENTURE, sub_key(sf.id))
        g_share = sf.waterfall.gp_commitment_share
        if cf.programme is not None:
            pf = simulate_deals(cf.programme, market, rng)
            ff = fund_cash_flows(sf, pf.invested, pf.proceeds, pf.nav, pf.cost_outstanding, pf.recycled,
                                 cf.start_step, T, spy)
            fc[:, j], fd[:, j], fn[:, j] = ff.lp_calls, ff.lp_distributions, ff.lp_nav
            carry[:, j] = ff.total_carry
            local[:, j] = pf.invested_local
            early[:, j] = pf.invested_early
            ncomp[:, j] = pf.n_companies
            by_sector += pf.invested_by_sector
        else:
            params = sf.takahashi_alexander
            assert params is not None
            factor = market.sector @ cf.factor_weights
            ta = ta_fund_paths(params, sf.commitment_cny * (1.0 - g_share), factor, rng, cf.start_step, spy,
                               market.autocorrelation)
            fc[:, j], fd[:, j], fn[:, j] = ta.contributions, ta.distributions, ta.nav
            paid_in = ta.contributions.sum(axis=1) / (1.0 - g_share)
            local[:, j] = sf.local_deal_share * paid_in
            early[:, j] = paid_in if sf.strategy.is_early else 0.0
            ncomp[:, j] = sf.n_initial_deals
            w = np.array([sf.sector_weights.get(s, 0.0) for s in model.sectors])
            by_sector += paid_in[:, None] * w[None, :]
        stake = guidance_stake(sf, fc[:, j], fd[:, j], fn[:, j], cf.start_step, spy)
        gc[:, j], gd[:, j], gn[:, j] = stake.calls, stake.distributions, stake.nav
        conceded[:, j] = stake.conceded.sum(axis=1)
        buyout[:, j] = stake.buyout_step
    g_calls = gc.sum(axis=1) + model.management_cost[None, :]
    g_dist = gd.sum(axis=1)
    if model.guidance is not None:
        y = cash_yield(model.guidance, g_calls, g_dist, spy)
    else:
        y = np.zeros((P, T))
    if model.include_cash_yield:
        g_dist = g_dist + y
    ratio = np.stack([local_reinvestment_ratio(local[:, j], cf.sub_fund) for j, cf in enumerate(model.funds)],
                     axis=1) if F else np.zeros((P, 0))
    return EquityChunk(
        fund_ids=model.fund_ids,
        guidance_calls=g_calls,
        guidance_distributions=g_dist,
        guidance_nav=gn.sum(axis=1),
        fund_calls=fc, fund_distributions=fd, fund_nav=fn,
        guidance_fund_calls=gc, guidance_fund_distributions=gd, guidance_fund_nav=gn,
        gp_carry=carry, invested_local=local, invested_early=early, n_companies=ncomp,
        invested_by_sector=by_sector, guidance_conceded=conceded, buyout_step=buyout,
        local_reinvestment_ratio=ratio,
        local_reinvestment_required=np.array([cf.sub_fund.local_reinvestment_multiple for cf in model.funds]),
        guidance_management_cost=model.management_cost.copy(),
        guidance_cash_yield=y,
    )
