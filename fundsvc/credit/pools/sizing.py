"""Pool sizing: the initial balance (or fixed annual top-up) that keeps the probability of
depletion within the horizon at or below a target.

Solved by bisection on *common random numbers*: the claims (defaults, recoveries, shares, and
the programme cohorts per CNY lent) are generated once per chunk
(:func:`fundsvc.credit.engine.kernel.chunk_claims`) and only the pool stage is rerun for each
trial value, so the estimated probability is a deterministic step function of the value.

The claims are any re-iterable of per-chunk :class:`ClaimSet` — a list in memory or a
:class:`~fundsvc.credit.pools.claim_spool.ClaimSpool` on disk (what a simulation run uses, so its
memory does not grow with paths); each pass reads one chunk at a time. :func:`size_pools` solves
every pool at once: the pools of one pool stage do not interact, so one pool-stage run per chunk
evaluates every pool's current trial value, and each pool's bisection takes exactly the steps
:func:`required_pool_size` takes for it alone (same values, bit for bit). Depletion counts are
integers summed per chunk, so the answer does not depend on how the run was split among workers.

Caveat: with a lending programme the new lending is proportional to the balance (quota =
balance × leverage), so a bigger pool also lends more; the depletion probability then need not
fall with the pool's size and a target can be unattainable. The result says so
(``attained=False``) instead of returning a made-up value.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
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


def depletion_counts(model: CreditModel, claims: Iterable[ClaimSet], values: dict[int, float],
                     variable: SizingVariable, horizon_steps: int | None = None) -> tuple[np.ndarray, int]:
    """Paths with a depletion event within the first ``horizon_steps`` steps, per pool.

    Parameters
    ----------
    claims : iterable of ClaimSet
        One per chunk; read once, in order.
    values : dict of pool index to float
        Trial value (CNY) of ``variable`` per pool; pools not named keep the scenario's.

    Returns
    -------
    (hits, n) : ndarray of int64 (n_pools,), int
        Depleting paths per pool and the number of paths.
    """
    over = np.full(model.n_pools, np.nan)
    for j, v in values.items():
        over[j] = v
    kw = {"initial_balance": over} if variable is SizingVariable.INITIAL_BALANCE else {"annual_top_up": over}
    hits = np.zeros(model.n_pools, np.int64)
    n = 0
    for cs in claims:
        led = run_pools(model, cs, **kw)
        hits += led.depleted[:, :, : horizon_steps or model.n_steps].any(axis=2).sum(axis=0)
        n += led.depleted.shape[0]
    return hits, n


def depletion_probability(model: CreditModel, claims: Iterable[ClaimSet], pool_index: int, value: float,
                          variable: SizingVariable, horizon_steps: int | None = None) -> float:
    """P(depletion event within the first ``horizon_steps`` steps) of one pool at a trial value."""
    hits, n = depletion_counts(model, claims, {pool_index: value}, variable, horizon_steps)
    return int(hits[pool_index]) / n


def _bisection(scale: float, target: float, rel_tol: float, max_iter: int) -> Generator[float, float, tuple]:
    """The search for one pool: yields trial values, is sent their depletion probabilities, returns
    ``(value, probability, attained, iterations)``.

    0 first; then ``scale`` doubled until the target is met (at most 40 trials in all), then
    bisection until the bracket is narrower than ``rel_tol`` × its top (at most ``max_iter`` trials).
    """
    lo = 0.0
    p_lo = yield lo
    it = 1
    if p_lo <= target:
        return 0.0, p_lo, True, it
    hi = scale
    p_hi = yield hi
    it += 1
    while p_hi > target and it < 40:
        lo, hi = hi, hi * 2.0
        p_hi = yield hi
        it += 1
    if p_hi > target:
        return float("nan"), p_hi, False, it
    while hi - lo > rel_tol * hi and it < max_iter:
        mid = 0.5 * (lo + hi)
        p_mid = yield mid
        it += 1
        if p_mid <= target:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    return float(hi), p_hi, True, it


def _solve(model: CreditModel, claims, target: float, pools: list[int], variable: SizingVariable,
           steps: int, rel_tol: float, max_iter: int) -> dict[int, SizingResult]:
    """Run the bisections of ``pools`` in lockstep: one pass over ``claims`` per round."""
    searches = {j: _bisection(max(model.pools[j].initial_balance, 1.0), target, rel_tol, max_iter) for j in pools}
    trial = {j: next(g) for j, g in searches.items()}
    out: dict[int, SizingResult] = {}
    while trial:
        hits, n = depletion_counts(model, claims, trial, variable, steps)
        for j in list(trial):
            try:
                trial[j] = searches[j].send(int(hits[j]) / n)
            except StopIteration as done:
                value, p, attained, it = done.value
                out[j] = SizingResult(model.pool_ids[j], variable, value, p, float(np.sqrt(p * (1 - p) / n)),
                                      target, attained, it)
                del trial[j]
    return out


def _reiterable(claims):
    """``claims`` as something every sizing pass can iterate afresh (a list or a ClaimSpool)."""
    if isinstance(claims, ClaimSet):
        return [claims]
    if iter(claims) is claims:
        raise TypeError("claims must be re-iterable (a list of ClaimSet or a ClaimSpool), not an iterator")
    return claims


def _check(model: CreditModel, target: float, pool_ids) -> list[int]:
    if not model.n_pools:
        raise InputError([Problem("<input>", "pools", "the scenario has no risk-sharing pool to size")])
    for pid in pool_ids:
        if pid not in model.pool_ids:
            raise InputError([Problem("<input>", "pool_id", f"unknown pool '{pid}' (known: {list(model.pool_ids)})")])
    if not 0 < target < 1:
        raise InputError([Problem("<input>", "target", f"must lie strictly between 0 and 1, got {target}")])
    return [model.pool_ids.index(p) for p in pool_ids]


def _horizon(model: CreditModel, horizon_years: float | None) -> int:
    return model.n_steps if horizon_years is None else round(horizon_years * model.steps_per_year)


def required_pool_size(model: CreditModel, claims: ClaimSet | Iterable[ClaimSet], target: float, *,
                       pool_id: str | None = None, variable: SizingVariable = SizingVariable.INITIAL_BALANCE,
                       horizon_years: float | None = None, rel_tol: float = 1e-3, max_iter: int = 80) -> SizingResult:
    """Smallest initial balance (or annual top-up) with P(depletion within horizon) ≤ ``target``.

    Parameters
    ----------
    model : CreditModel
    claims : ClaimSet, list of ClaimSet or ClaimSpool
        From :func:`chunk_claims`, one per chunk (common random numbers); any re-iterable.
    target : float in (0, 1)
    pool_id : str, optional
        Default: the only pool.
    variable : SizingVariable
    horizon_years : float, optional
        Default: the model's horizon.
    rel_tol : float
        Relative width of the final bracket.
    """
    claims = _reiterable(claims)
    if pool_id is None and model.n_pools:
        if model.n_pools > 1:
            raise InputError([Problem("<input>", "pool_id", f"choose one of {list(model.pool_ids)}")])
        pool_id = model.pool_ids[0]
    (j,) = _check(model, target, [pool_id])
    return _solve(model, claims, target, [j], variable, _horizon(model, horizon_years), rel_tol, max_iter)[j]


def size_pools(model: CreditModel, claims: ClaimSet | Iterable[ClaimSet], target: float, *,
               variables: Iterable[SizingVariable] = tuple(SizingVariable), horizon_years: float | None = None,
               rel_tol: float = 1e-3, max_iter: int = 80, on_variable=None) -> list[SizingResult]:
    """:func:`required_pool_size` of every pool and variable, all pools solved in one set of passes.

    ``on_variable(done, total)``, optional: called after each variable is solved (progress).

    Returns
    -------
    list of SizingResult, pool by pool (model order), each pool's variables in the order given;
    each equal to ``required_pool_size(model, claims, target, pool_id=…, variable=…)``.
    """
    claims = _reiterable(claims)
    pools = _check(model, target, model.pool_ids)
    steps = _horizon(model, horizon_years)
    variables = list(variables)
    solved = {}
    for k, v in enumerate(variables, 1):
        solved[v] = _solve(model, claims, target, pools, v, steps, rel_tol, max_iter)
        if on_variable is not None:
            on_variable(k, len(variables))
    return [solved[v][j] for j in pools for v in variables]
