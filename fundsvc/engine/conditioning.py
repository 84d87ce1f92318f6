"""Exact conditioning of the market factors on imposed windows (paths, means, shifts, regimes).

The Gaussian part of the factor model (:mod:`fundsvc.engine.factors`) is a linear map of i.i.d.
standard normal *innovations* ``Z`` — per path the vector, of length ``D = T (2 + n_sec)``,

    Z = [ε_c (T) | ε_e raw (T × n_sec, row-major by step) | ε_i (T)]

(tech-cycle, sector-residual and public-index innovations, ``T`` quarterly steps). An imposed
path or window mean is a set of linear constraints ``M Z = b`` (``M`` of shape (k, D)). Since
``Cov(Z) = I``, the conditional law of ``Z`` given ``M Z = b`` is sampled *exactly* by the
projection (Matheron's rule)

    Z_c = Z − G (M Z − b),        G = Mᵀ (M Mᵀ)⁻¹,

so every path meets the constraints to rounding and the rest of every factor — before, inside
and after the window, all sectors and the index — has the exact conditional Gaussian law; the
same draws ``Z`` as the unconditioned run are used (common random numbers). A *shift* ``δ`` of
linear functionals ``M_s Z`` is the smallest shift of the innovations in the Mahalanobis norm,
``Δ = G_s δ`` (the Glasserman–Li mean shift), applied before the conditioning:
``Z_c = Z + Δ − G (M (Z + Δ) − b)``. The most likely innovation vector that meets ``M Z = b`` is
``G b`` (:func:`most_likely_innovations`), the point the reverse stress test reports.

Regimes are not Gaussian: an imposed regime is an *intervention* (the state is set in the
window's quarters); the chain before the window is sampled from its exact bridge law given the
factor path (backward recursion, :func:`simulate_regime_forced`), after the window it runs on
from the imposed state. The factors are not updated by a regime imposition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from fundsvc.engine.grid import FACTOR_STEPS_PER_YEAR, TimeGrid
from models.market import REGIME_ORDER, MarketModel
from models.stress import FactorImposition, ImposedFactor, ImposeMode

FREE = -1
"""``ConditionSet.regime`` entry of a quarter whose regime is not imposed."""


@dataclass(frozen=True)
class ConditionSet:
    """Impositions compiled for one market model and quarterly grid.

    Attributes
    ----------
    n_steps, n_sectors : int
    shift : ndarray, shape (D,), or None
        Mean shift of the innovations.
    gain : ndarray, shape (D, k), or None
        ``Mᵀ (M Mᵀ)⁻¹`` of the conditioning constraints.
    rows : ndarray, shape (k, D), or None
        Constraint rows ``M``.
    target : ndarray, shape (k,), or None
        Right-hand side ``b`` (units of the innovations' linear functionals).
    regime : ndarray of int8, shape (n_steps,)
        Imposed regime index per quarter, :data:`FREE` where not imposed.
    """

    n_steps: int
    n_sectors: int
    shift: np.ndarray | None
    gain: np.ndarray | None
    rows: np.ndarray | None
    target: np.ndarray | None
    regime: np.ndarray

    @property
    def has_gaussian(self) -> bool:
        return self.shift is not None or self.rows is not None

    @property
    def has_regime(self) -> bool:
        return bool((self.regime != FREE).any())

    def apply(self, z: np.ndarray) -> np.ndarray:
        """Conditioned innovations, ``z`` shape (n_paths, D) → shape (n_paths, D)."""
        out = z if self.shift is None else z + self.shift
        if self.rows is not None:
            out = out - (out @ self.rows.T - self.target) @ self.gain.T
        return out

    def most_likely(self) -> np.ndarray:
        """The innovation vector of smallest norm meeting the constraints after the shift, (D,)."""
        return self.apply(np.zeros((1, self.n_steps * (2 + self.n_sectors))))[0]


def ar1_weights(n_steps: int, phi: float) -> np.ndarray:
    """``A`` with ``X = A @ ε`` for the unit-variance AR(1) ``X_0 = ε_0``,
    ``X_t = φ X_{t-1} + sqrt(1-φ²) ε_t``; shape (n_steps, n_steps), lower triangular."""
    t = np.arange(n_steps)
    lag = t[:, None] - t[None, :]
    a = np.where(lag >= 0, phi ** np.maximum(lag, 0), 0.0) * np.sqrt(1.0 - phi**2)
    a[:, 0] = phi**t
    return a


class FactorRows:
    """Linear functionals of the innovations for one market model and grid (each row shape (D,))."""

    def __init__(self, market: MarketModel, n_steps: int, steps_per_year: int):
        from fundsvc.engine.factors import _sqrt_psd

        self.market = market
        self.T = n_steps
        self.n_sec = len(market.sectors)
        self.D = n_steps * (2 + self.n_sec)
        self.dt = 1.0 / steps_per_year
        self.phi = market.persistence**self.dt
        self.A = ar1_weights(n_steps, self.phi)
        r = market.residual_correlation
        self.R = np.eye(self.n_sec) if r is None else _sqrt_psd(np.asarray(r, dtype=float))
        pi = market.public_index
        self.index_const = (pi.drift - 0.5 * pi.volatility**2) * self.dt
        self.index_scale = pi.volatility * np.sqrt(self.dt)

    def tech_cycle(self, t: int) -> np.ndarray:
        row = np.zeros(self.D)
        row[: self.T] = self.A[t]
        return row

    def sector(self, k: int, t: int) -> np.ndarray:
        b = self.market.tech_cycle_loading[self.market.sectors[k]]
        row = b * self.tech_cycle(t)
        row[self.T : self.T * (1 + self.n_sec)] = np.sqrt(1.0 - b**2) * np.outer(self.A[t], self.R[k]).ravel()
        return row

    def index_log_return(self, t: int) -> np.ndarray:
        """Random part of the index's log return in step ``t`` (add ``index_const``)."""
        rho = self.market.public_index.tech_cycle_correlation
        row = np.zeros(self.D)
        row[t] = self.index_scale * rho
        row[self.T * (1 + self.n_sec) + t] = self.index_scale * np.sqrt(1.0 - rho**2)
        return row

    def factor(self, c: FactorImposition, t: int) -> np.ndarray:
        if c.factor is ImposedFactor.TECH_CYCLE:
            return self.tech_cycle(t)
        if c.factor is ImposedFactor.SECTOR:
            return self.sector(self.market.sectors.index(c.sector), t)
        return self.index_log_return(t)


def compile_conditions(
    market: MarketModel,
    conditions: list[FactorImposition],
    start_date: dt.date,
    n_steps: int,
    steps_per_year: int = FACTOR_STEPS_PER_YEAR,
) -> ConditionSet | None:
    """Compile impositions into a :class:`ConditionSet` (None when there are none).

    Raises
    ------
    ValueError
        When windows overlap so that the constraints contradict or repeat each other.
    """
    if not conditions:
        return None
    fr = FactorRows(market, n_steps, steps_per_year)
    regime = np.full(n_steps, FREE, dtype=np.int8)
    s_rows, s_vals, c_rows, c_vals = [], [], [], []
    s_keys: dict = {}
    for c in conditions:
        steps = list(c.steps(start_date))
        if c.factor is ImposedFactor.REGIME:
            regime[steps] = REGIME_ORDER.index(c.value_regime)
            continue
        index = c.factor is ImposedFactor.PUBLIC_INDEX
        rows = np.array([fr.factor(c, t) for t in steps])
        if index:
            total = np.log1p(c.value)
            if c.mode is ImposeMode.SHIFT:
                s_rows.append(rows.sum(axis=0))
                s_vals.append(total)
            elif c.mode is ImposeMode.MEAN:
                c_rows.append(rows.sum(axis=0))
                c_vals.append(total - len(steps) * fr.index_const)
            else:
                c_rows.extend(rows)
                c_vals.extend([total / len(steps) - fr.index_const] * len(steps))
        elif c.mode is ImposeMode.SHIFT:  # shifts of the same factor in the same quarter add up
            for t, row in zip(steps, rows, strict=True):
                key = (c.factor, c.sector, t)
                if key in s_keys:
                    s_vals[s_keys[key]] += c.value
                else:
                    s_keys[key] = len(s_rows)
                    s_rows.append(row)
                    s_vals.append(c.value)
        elif c.mode is ImposeMode.MEAN:
            c_rows.append(rows.mean(axis=0))
            c_vals.append(c.value)
        else:
            c_rows.extend(rows)
            c_vals.extend([c.value] * len(steps))
    shift = None
    if s_rows:
        shift = _gain(np.array(s_rows), "shifts") @ np.array(s_vals)
    gain = rows_m = target = None
    if c_rows:
        rows_m = np.array(c_rows)
        gain = _gain(rows_m, "imposed paths and means")
        target = np.array(c_vals)
    return ConditionSet(n_steps, fr.n_sec, shift, gain, rows_m, target, regime)


def scenario_impositions(scenario, n_steps: int) -> list[FactorImposition]:
    """Every imposition of a scenario on a quarterly grid of ``n_steps``: its
    ``market_conditions`` and its ``[factor_shift]`` spelled as ``shift`` impositions
    (:meth:`models.factor_shift.FactorShift.impositions`) — the one shift mechanism."""
    out = list(scenario.market_conditions)
    if scenario.factor_shift is not None:
        out += scenario.factor_shift.impositions(scenario.simulation.start_date, n_steps)
    return out


def conditions_for(scenario, n_steps: int | None = None, steps_per_year: int | None = None) -> ConditionSet | None:
    """The compiled ``market_conditions`` (and ``[factor_shift]``, see
    :func:`scenario_impositions`) of a :class:`models.Scenario` on its factor grid
    (default: :meth:`fundsvc.engine.grid.TimeGrid.factor_grid`); None when it imposes nothing.

    This is the entry point for other engines (e.g. a credit downturn stated as a point-in-time
    factor stress): build the impositions as :class:`models.stress.FactorImposition`, put them in
    ``scenario.model_copy(update={"market_conditions": [...]})`` and pass the result of this
    function to :func:`fundsvc.engine.factors.simulate_market`.

    Raises
    ------
    fundsvc.errors.InputError
        Naming ``market_conditions`` when the impositions contradict each other.
    """
    from fundsvc.errors import InputError, Problem

    sim = scenario.simulation
    if n_steps is None or steps_per_year is None:
        fg = TimeGrid.factor_grid(scenario)
        n_steps = fg.n_steps if n_steps is None else n_steps
        steps_per_year = fg.steps_per_year if steps_per_year is None else steps_per_year
    try:
        return compile_conditions(scenario.market, scenario_impositions(scenario, n_steps), sim.start_date, n_steps,
                                  steps_per_year)
    except ValueError as exc:
        raise InputError([Problem("<input>", "market_conditions", str(exc))]) from None


def _gain(m: np.ndarray, what: str) -> np.ndarray:
    """``Mᵀ (M Mᵀ)⁻¹`` for constraint rows ``m`` (k, D); refuses redundant constraints."""
    gram = m @ m.T
    s = np.linalg.svd(gram, compute_uv=False)
    if s.min() <= 1e-10 * s.max():
        raise ValueError(f"the {what} overlap: two impositions fix the same factor in the same quarter "
                         "(or one is implied by the others)")
    return np.linalg.solve(gram, m).T


def split_innovations(z: np.ndarray, n_steps: int, n_sec: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z`` (n_paths, D) → ε_c (n_paths, T), raw ε_e (n_paths, T, n_sec), ε_i (n_paths, T)."""
    p, t = z.shape[0], n_steps
    return z[:, :t], z[:, t : t * (1 + n_sec)].reshape(p, t, n_sec), z[:, t * (1 + n_sec) :]


def join_innovations(eps_c: np.ndarray, eps_e: np.ndarray, eps_i: np.ndarray) -> np.ndarray:
    """Inverse of :func:`split_innovations`, shape (n_paths, D)."""
    p = eps_c.shape[0]
    return np.concatenate([eps_c, eps_e.reshape(p, -1), eps_i], axis=1)


def simulate_regime_forced(kernel, p0: np.ndarray, forced: np.ndarray, u0: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Regime chain with imposed states, exact bridge law before each imposed quarter.

    Parameters
    ----------
    kernel : callable
        ``kernel(t)`` → row-stochastic transition matrices of step ``t`` per path,
        shape (n_paths, 3, 3) (the factor tilt included).
    p0 : ndarray, shape (3,)
        Distribution of the state before step 0.
    forced : ndarray of int8, shape (n_steps,)
        Imposed state per step, :data:`FREE` where the chain is free.
    u0 : ndarray, shape (n_paths,); u : ndarray, shape (n_paths, n_steps)
        Uniforms (the same the free chain uses: common random numbers).

    Returns
    -------
    ndarray of int8, shape (n_paths, n_steps)

    With ``β_t(i) = P(all imposed states after t | state i at t)`` computed backwards, the state
    at ``t`` is drawn with probabilities ∝ ``K_t(s_{t-1}, j) 1[j allowed at t] β_t(j)`` — the
    exact conditional law of the chain given the imposed states and the factor path.
    """
    n_paths, n_steps = u.shape
    allowed = np.ones((n_steps, 3))
    for t in np.flatnonzero(forced != FREE):
        allowed[t] = 0.0
        allowed[t, forced[t]] = 1.0
    beta = np.ones((n_steps + 1, n_paths, 3))  # beta[t + 1] = β_t; beta[0] = β_{-1}
    kernels = [kernel(t) for t in range(n_steps)]
    for t in range(n_steps - 1, -1, -1):
        w = allowed[t] * beta[t + 1]  # (P, 3)
        b = np.einsum("pij,pj->pi", kernels[t], w)
        beta[t] = b / np.maximum(b.max(axis=1, keepdims=True), 1e-300)
    probs0 = p0 * beta[0]
    cum0 = np.cumsum(probs0, axis=1)
    state = (u0[:, None] * cum0[:, -1:] > cum0[:, :-1]).sum(axis=1)
    reg = np.empty((n_paths, n_steps), dtype=np.int8)
    rows = np.arange(n_paths)
    for t in range(n_steps):
        probs = kernels[t][rows, state] * allowed[t] * beta[t + 1]
        cum = np.cumsum(probs, axis=1)
        state = (u[:, t : t + 1] * cum[:, -1:] > cum[:, :-1]).sum(axis=1)
        reg[:, t] = state
    return reg


__all__ = [
    "FREE",
    "ConditionSet",
    "FactorRows",
    "ar1_weights",
    "compile_conditions",
    "conditions_for",
    "join_innovations",
    "scenario_impositions",
    "simulate_regime_forced",
    "split_innovations",
]
