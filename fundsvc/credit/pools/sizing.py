"""Pool sizing: the initial balance (or fixed annual top-up) that keeps the probability of
depletion within the horizon at or below a target.

Solved by bisection on *common random numbers*: the claims (defaults, recoveries, shares, and
the programme cohorts per CNY lent) are generated once per chunk
(:func:`fundsvc.credit.engine.kernel.chunk_claims`) and only the pool stage is rerun for each
trial value, so the estimated probability is a deterministic step function of the value.

Caveat: with a lending programme the new lending is proportional to the balance (quota =
balance × leverage), so a bigger pool also lends more; the depletion probability then need not
fall with the pool's size and a target can be unattainable. The result says so
(``attained=False``) instead of returning a made-up value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from fundsvc.credit.engine.claims import ClaimSet
from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.pools.ledger import run_pools
from fundsvc.errors import InputError, Problem


class SizingVariable(StrEnum):
    INITIAL_BALANCE = "initial_balance"
    ANNUAL_TOP_UP = "annual_top_up"


@dataclass(frozen=True)
class SizingResult:
    """Outcome of :func:`required_pool_size`.

    Attributes
    ----------
    pool_id : str
    variable : SizingVariable
    value : float
        Smallest value found (CNY, within ``rel_tol``) with P(depletion) ≤ target; NaN if not attained.
    probability, se : float
        Depletion probability at ``value`` on the common sample, and its binomial standard error.
    target : float
    attained : bool
    iterations : int
    """

    pool_id: str
    variable: SizingVariable
    value: float
    probability: float
    se: float
    target: float
    attained: bool
    iterations: int


def depletion_probability(model: CreditModel, claims: list[ClaimSet], pool_index: int, value: float,
                          variable: SizingVariable, horizon_steps: int | None = None) -> float:
    """P(depletion event within the first ``horizon_steps`` steps) of one pool at a trial value."""
    over = np.full(model.n_pools, np.nan)
    over[pool_index] = value
    hits = n = 0
    for cs in claims:
        kw = {"initial_balance": over} if variable is SizingVariable.INITIAL_BALANCE else {"annual_top_up": over}
        led = run_pools(model, cs, **kw)
        d = led.depleted[:, pool_index, : horizon_steps or model.n_steps]
        hits += int(d.any(axis=1).sum())
        n += d.shape[0]
    return hits / n


def required_pool_size(model: CreditModel, claims: ClaimSet | list[ClaimSet], target: float, *,
                       pool_id: str | None = None, variable: SizingVariable = SizingVariable.INITIAL_BALANCE,
                       horizon_years: float | None = None, rel_tol: float = 1e-3, max_iter: int = 80) -> SizingResult:
    """Smallest initial balance (or annual top-up) with P(depletion within horizon) ≤ ``target``.

    Parameters
    ----------
    model : CreditModel
    claims : ClaimSet or list of ClaimSet
        From :func:`chunk_claims`, one per chunk (common random numbers).
    target : float in (0, 1)
    pool_id : str, optional
        Default: the only pool.
    variable : SizingVariable
    horizon_years : float, optional
        Default: the model's horizon.
    rel_tol : float
        Relative width of the final bracket.
    """
    claims = [claims] if isinstance(claims, ClaimSet) else list(claims)
    if not model.n_pools:
        raise InputError([Problem("<input>", "pools", "the scenario has no risk-sharing pool to size")])
    if pool_id is None:
        if model.n_pools > 1:
            raise InputError([Problem("<input>", "pool_id", f"choose one of {list(model.pool_ids)}")])
        pool_id = model.pool_ids[0]
    if pool_id not in model.pool_ids:
        raise InputError([Problem("<input>", "pool_id", f"unknown pool '{pool_id}' (known: {list(model.pool_ids)})")])
    if not 0 < target < 1:
        raise InputError([Problem("<input>", "target", f"must lie strictly between 0 and 1, got {target}")])
    j = model.pool_ids.index(pool_id)
    steps = model.n_steps if horizon_years is None else round(horizon_years * model.steps_per_year)
    n = sum(c.n_paths for c in claims)
    prob = lambda v: depletion_probability(model, claims, j, v, variable, steps)

    lo = 0.0
    p_lo = prob(lo)
    it = 1
    if p_lo <= target:
        return SizingResult(pool_id, variable, 0.0, p_lo, float(np.sqrt(p_lo * (1 - p_lo) / n)), target, True, it)
    scale = max(model.pools[j].initial_balance, 1.0)
    hi, p_hi = scale, prob(scale)
    it += 1
    while p_hi > target and it < 40:
        lo, hi = hi, hi * 2.0
        p_hi = prob(hi)
        it += 1
    if p_hi > target:
        return SizingResult(pool_id, variable, float("nan"), p_hi, float(np.sqrt(p_hi * (1 - p_hi) / n)), target, False, it)
    while hi - lo > rel_tol * hi and it < max_iter:
        mid = 0.5 * (lo + hi)
        p_mid = prob(mid)
        it += 1
        if p_mid <= target:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    return SizingResult(pool_id, variable, float(hi), p_hi, float(np.sqrt(p_hi * (1 - p_hi) / n)), target, True, it)
