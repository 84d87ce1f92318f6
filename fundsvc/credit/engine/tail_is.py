"""Multi-year importance sampling on the real credit model (book, programmes, pools, caps, triggers).

Unlike :mod:`fundsvc.credit.engine.tail` (a one-period equivalent of the book), this samples the
*whole* credit simulation — defaults in every year, recoveries, sharing, pool balances, caps,
suspension triggers and replenishment — under a shifted law of the market factors, and reweights
each path by its likelihood ratio.

Factor coordinates. On the annual credit grid the tech cycle ``C_t`` and the sector residuals
``e_tk`` (``s_tk = β_k·C_t + √(1 − β_k²)·e_tk``) form a Gaussian vector ``X`` with covariance
``Γ = Σ ⊕ (Σ ⊗ R_e)``: ``Σ`` the exact covariance of the annual aggregates of the quarterly
AR(1) (:func:`annual_cycle_covariance`), ``R_e`` the residual correlation across sectors; C and e
are independent.

Sampling law (a mean shift in the direction of the loss, after Glasserman & Li 2005, §4, here on
the multi-year factor path). A plain pilot run regresses the banks' horizon loss on ``X`` (first
``years`` years), giving a direction ``g``; paths are then drawn with ``X + λ·Γg/σ_g``,
``σ_g² = gᵀΓg``, which moves the standardised projection ``Z = gᵀ(X − m)/σ_g`` by ``λ`` and
nothing else. The likelihood ratio is exact and simple:

    w = exp(−λ·Z + λ²/2),

``m`` = the target mean of X: the scenario's own shifts (``[factor_shift]`` and
``[[market_conditions]]`` of mode ``shift``, the one mechanism of
:mod:`fundsvc.engine.conditioning`) and its credit factor lag, computed by running the same factor
code on zero noise (:func:`mean_coordinates`). Imposed paths or means (modes ``path``/``mean``)
make X degenerate and are refused. ``λ = 0`` is plain Monte Carlo (w ≡ 1).

Estimators (n paths): ``P(A) = Σ w·1_A / n`` with SE ``sd(w·1_A)/√n``; VaR/ES of the bank's loss
over the horizon from the weighted sample (:func:`fundsvc.metrics.risk.weighted_var` /
``weighted_es``) with standard errors from ``n_batches`` independent batches (sectioning). With
``mu = 0`` the same code is plain Monte Carlo (w ≡ 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from fundsvc.credit.engine.compile import compile_credit
from fundsvc.credit.engine.kernel import simulate_credit_chunk
from fundsvc.engine.conditioning import conditions_for
from fundsvc.engine.factor_lag import credit_view
from fundsvc.engine.factors import MarketPaths, simulate_market
from fundsvc.engine.sampling import Component, chunk_plan, stream
from fundsvc.metrics.risk import weighted_es, weighted_var

__all__ = ["TailEstimate", "TailRun", "annual_cycle_covariance", "credit_tail_run", "loss_direction",
           "mean_coordinates"]

FACTOR_STEPS_PER_YEAR = 4
#: Chunk indices of the pilot run start here (independent of the main run's streams).
PILOT_CHUNK_OFFSET = 1_000_000


def annual_cycle_covariance(persistence_per_year: float, n_years: int, k: int = FACTOR_STEPS_PER_YEAR) -> np.ndarray:
    """Exact covariance (n_years, n_years) of the annual factors aggregated from a stationary
    quarterly AR(1) with yearly persistence ``persistence_per_year`` (φ = p^(1/k)):
    ``Σ_ij = Σ_ab φ^|k(i−j)+a−b| / Σ_ab φ^|a−b|``."""
    phi = persistence_per_year ** (1.0 / k)
    a = np.arange(k)
    within = (phi ** np.abs(np.subtract.outer(a, a))).sum()
    lag = np.arange(n_years)
    diff = k * np.subtract.outer(lag, lag)[:, :, None, None] + a[None, None, :, None] - a[None, None, None, :]
    return (phi ** np.abs(diff)).sum(axis=(2, 3)) / within


@dataclass(frozen=True)
class FactorLaw:
    """Covariance pieces of X = (C, e) on the credit grid: ``sigma`` (T, T), ``resid`` (K, K),
    ``beta`` (K,) loadings, ``target`` (T, 1 + K) the target mean of X (column 0 = C)."""

    sigma: np.ndarray
    resid: np.ndarray
    beta: np.ndarray
    target: np.ndarray

    def gamma_times(self, g: np.ndarray) -> np.ndarray:
        """``Γ·g`` for ``g`` of shape (T, 1 + K) (column 0 = C, then the sectors' residuals)."""
        out = np.empty_like(g)
        out[:, 0] = self.sigma @ g[:, 0]
        out[:, 1:] = self.sigma @ g[:, 1:] @ self.resid
        return out

    def coordinates(self, m: MarketPaths, n_years: int) -> np.ndarray:
        """X − m per path, shape (n_paths, T, 1 + K)."""
        return _raw_coordinates(m, self.beta, n_years) - self.target[None, :n_years]

    def shifted(self, m: MarketPaths, shift: np.ndarray) -> MarketPaths:
        """``m`` with X moved by ``shift`` (T, 1 + K) on its first T steps."""
        t = shift.shape[0]
        dc = np.zeros(m.tech_cycle.shape[1])
        dc[:t] = shift[:, 0]
        ds = np.zeros(m.sector.shape[1:])
        ds[:t] = shift[:, :1] * self.beta + shift[:, 1:] * np.sqrt(1.0 - self.beta**2)
        return replace(m, tech_cycle=m.tech_cycle + dc[None, :], sector=m.sector + ds[None, :, :])


def _raw_coordinates(m: MarketPaths, beta: np.ndarray, n_years: int) -> np.ndarray:
    """(C, e) per path, shape (n_paths, n_years, 1 + K); ``e = (s − β·C)/√(1 − β²)``."""
    c = m.tech_cycle[:, :n_years]
    e = (m.sector[:, :n_years, :] - c[:, :, None] * beta) / np.sqrt(1.0 - beta**2)
    return np.concatenate([c[:, :, None], e], axis=2)


class _ZeroNoise:
    """A stand-in generator whose normals are 0 (uniforms 0.5): the factor code run on it gives
    the factors' mean paths, since they are affine in the normals."""

    def standard_normal(self, size):
        return np.zeros(size)

    def random(self, size):
        return np.full(size, 0.5)


def _conditions(scenario):
    """The scenario's imposed shifts on the factor grid; refuses imposed paths and means."""
    cond = conditions_for(scenario, FACTOR_STEPS_PER_YEAR * scenario.simulation.horizon_years, FACTOR_STEPS_PER_YEAR)
    if cond is not None and cond.rows is not None:
        from fundsvc.errors import InputError, Problem

        raise InputError([Problem("<input>", "market_conditions",
                                  "importance sampling supports imposed shifts only, not imposed paths or means")])
    return cond


def mean_coordinates(scenario, n_years: int) -> np.ndarray:
    """Mean of X = (C, e) on the annual credit grid under the scenario's law, (n_years, 1 + K)."""
    mk = scenario.market
    beta = np.array([mk.tech_cycle_loading[s] for s in mk.sectors])
    m = _market(scenario, 1, 0, 0, rng=_ZeroNoise())
    return _raw_coordinates(m, beta, n_years)[0]


def _law(scenario, n_years: int) -> FactorLaw:
    mk = scenario.market
    k = len(mk.sectors)
    resid = np.eye(k) if mk.residual_correlation is None else np.asarray(mk.residual_correlation, float)
    beta = np.array([mk.tech_cycle_loading[s] for s in mk.sectors])
    return FactorLaw(annual_cycle_covariance(mk.persistence, n_years), resid, beta, mean_coordinates(scenario, n_years))


@dataclass(frozen=True)
class TailEstimate:
    """An estimate and its standard error."""

    value: float
    se: float

    @property
    def rse(self) -> float:
        return self.se / abs(self.value) if self.value else float("inf")


@dataclass(frozen=True)
class TailRun:
    """Per-path results of one run (shape (n_paths,) unless said) and the estimators on them.

    ``bank_loss`` — the banks' loss over the horizon (CNY); ``depleted`` (n_paths, n_pools) — the
    pool ran dry at some step; ``weight`` — likelihood ratios (1 for plain Monte Carlo);
    ``lam`` — the shift λ; ``seconds`` — wall time including the pilot.
    """

    pool_ids: tuple[str, ...]
    bank_loss: np.ndarray
    depleted: np.ndarray
    weight: np.ndarray
    lam: float
    seconds: float

    @property
    def n_paths(self) -> int:
        return self.weight.size

    def probability(self, event: np.ndarray) -> TailEstimate:
        x = self.weight * event
        return TailEstimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)))

    def p_depleted(self) -> dict[str, TailEstimate]:
        return {p: self.probability(self.depleted[:, j]) for j, p in enumerate(self.pool_ids)}

    def p_exceed(self, threshold: float) -> TailEstimate:
        return self.probability(self.bank_loss > threshold)

    def var_es(self, level: float = 0.999, n_batches: int = 20) -> tuple[TailEstimate, TailEstimate]:
        """VaR and ES of ``bank_loss`` at ``level``; SEs from ``n_batches`` sections of the paths."""
        lv = np.array([level])
        v = float(weighted_var(self.bank_loss, lv, self.weight)[0])
        e = float(weighted_es(self.bank_loss, lv, self.weight)[0])
        parts = np.array_split(np.arange(self.n_paths), n_batches)
        bv = [float(weighted_var(self.bank_loss[p], lv, self.weight[p])[0]) for p in parts]
        be = [float(weighted_es(self.bank_loss[p], lv, self.weight[p])[0]) for p in parts]
        k = len(parts)
        return (TailEstimate(v, float(np.std(bv, ddof=1) / np.sqrt(k))),
                TailEstimate(e, float(np.std(be, ddof=1) / np.sqrt(k))))


def _market(scenario, size: int, seed: int, index: int, conditions=False, rng=None) -> MarketPaths:
    """The credit side's annual factors of chunk ``index``, as a run draws them: the scenario's
    imposed shifts (``conditions``; False: compile them here), then its credit factor lag.
    ``rng`` replaces the chunk's streams (both the factors' and the lag's) when given."""
    cond = _conditions(scenario) if conditions is False else conditions
    n = FACTOR_STEPS_PER_YEAR * scenario.simulation.horizon_years
    mq = simulate_market(scenario.market, size, n, FACTOR_STEPS_PER_YEAR,
                         stream(seed, index, Component.FACTORS) if rng is None else rng, cond)
    if rng is not None and scenario.market.credit_factor_lag_years:
        from fundsvc.engine.factor_lag import lag_factors

        mq = lag_factors(mq, scenario.market.credit_factor_lag_years * FACTOR_STEPS_PER_YEAR, scenario.market, rng)
    else:
        mq = credit_view(mq, scenario, seed, index)
    return mq.annual()


def loss_direction(scenario, model, law: FactorLaw, years: int, n_pilot: int, seed: int,
                   conditions=False) -> np.ndarray:
    """Direction ``g`` (years, 1 + K): least-squares coefficients of the banks' horizon loss on the
    factor coordinates of the first ``years`` years, from ``n_pilot`` plain paths."""
    m = _market(scenario, n_pilot, seed, PILOT_CHUNK_OFFSET, conditions)
    loss = simulate_credit_chunk(model, m, seed, PILOT_CHUNK_OFFSET).bank_loss.sum(axis=(1, 2))
    x = law.coordinates(m, years).reshape(n_pilot, -1)
    x1 = np.concatenate([np.ones((n_pilot, 1)), x], axis=1)
    reg = 1e-6 * n_pilot * np.eye(x1.shape[1])
    reg[0, 0] = 0.0
    coef = np.linalg.solve(x1.T @ x1 + reg, x1.T @ (loss - loss.mean()))
    return coef[1:].reshape(years, -1)


def credit_tail_run(scenario, n_paths: int, seed: int, *, lam: float = 0.0, years: int = 6, n_pilot: int = 400,
                    chunk_size: int = 2000) -> TailRun:
    """Simulate the scenario's credit side, plain (``lam = 0``) or importance-sampled (shift ``λ``
    along the pilot's loss direction over the first ``years`` years), and return per-path losses,
    depletion flags and likelihood ratios.

    Draws come from ``stream(seed, chunk, Component.FACTORS)`` per fixed-size chunk, as a run does
    (the pilot from chunk indices ``PILOT_CHUNK_OFFSET + …``), so the result does not depend on
    how the work is split.
    """
    t0 = time.perf_counter()
    model = compile_credit(scenario)
    if model.steps_per_year != 1:
        raise ValueError("importance sampling needs the annual credit grid (credit_time_step = 'year')")
    years = int(min(max(years, 1), model.n_steps))
    cond = _conditions(scenario)
    law = _law(scenario, model.n_steps)
    shift, sd, g = None, 1.0, None
    if lam:
        g = loss_direction(scenario, model, law, years, n_pilot, seed, cond)
        gamma_g = law.gamma_times(_pad(g, model.n_steps))  # the shift reaches past the window through Σ
        sd = float(np.sqrt(np.sum(_pad(g, model.n_steps) * gamma_g)))
        shift = float(lam) * gamma_g / sd
    loss, dep, w = [], [], []
    for ch in chunk_plan(n_paths, chunk_size):
        m = _market(scenario, ch.size, seed, ch.index, cond)
        if shift is not None:
            m = law.shifted(m, shift)
        c = simulate_credit_chunk(model, m, seed, ch.index)
        loss.append(c.bank_loss.sum(axis=(1, 2)))
        dep.append(c.pool_depleted.any(axis=2))
        if shift is None:
            w.append(np.ones(ch.size))
        else:
            z = np.einsum("ptk,tk->p", law.coordinates(m, years), g) / sd
            w.append(np.exp(-lam * z + 0.5 * lam**2))
    return TailRun(model.pool_ids, np.concatenate(loss), np.concatenate(dep), np.concatenate(w), float(lam),
                   time.perf_counter() - t0)


def _pad(g: np.ndarray, n_steps: int) -> np.ndarray:
    return np.concatenate([g, np.zeros((n_steps - g.shape[0], g.shape[1]))])
