"""Tail estimation by importance sampling after Glasserman & Li (2005).

Reference: P. Glasserman and J. Li, "Importance Sampling for Portfolio Credit Risk",
*Management Science* 51(11), 1643–1656 (2005).

Model (documented simplification). IS is applied to the *one-period equivalent* of the book
over the horizon: loan i defaults within the horizon iff ``√R_i·Z_{s(i)} + √(1 − R_i)·ξ_i <
Φ⁻¹(p_i)`` with ``p_i = 1 − (1 − PD_i)^{T_i}`` (``T_i`` = years at risk within the horizon),
sector factors ``Z = A·ε``, ``ε ~ N(0, I)``, ``A·Aᵀ`` = the market's sector correlation, and a
fixed loss given default ``c_i`` (CNY) for the chosen party: exposure at the middle of the
window less the mean IP recovery at z = 0 (net loss), split by the loan's sharing terms (total,
bank incl. cap excess, or the pool's capped claim). The multi-year pool dynamics (balance
limits, replenishment, lending) are not part of this model; pool depletion is estimated as
``P(Σ pool claims > balance)``. IS and plain Monte Carlo are checked against each other on
exactly this model (tests and ``bench/bench_importance_sampling.py``).

Two-step IS:

1. *Mean shift of the factors*: ``ε ~ N(μ, I)`` with ``μ = argmax_ε F_x(ε) − ε'ε/2``, where
   ``F_x(ε) = −θ_x(ε)·x + ψ(θ_x(ε), ε)`` is the log of the conditional tail bound (GL §4);
2. *Exponential twisting* given ε: default probabilities
   ``q_i = p_i(ε)·e^{θ c_i} / (1 + p_i(ε)(e^{θ c_i} − 1))`` with ``θ = θ_x(ε)`` solving
   ``∂ψ/∂θ = x`` when ``E[L | ε] < x`` and ``θ = 0`` otherwise (GL §3).

Likelihood ratio per path: ``exp(−θL + ψ(θ, ε)) · exp(−μ'ε + μ'μ/2)``. Estimators:
``P(L > x) = mean(LR·1{L > x})`` with standard error ``sd/√n``; VaR and ES from the weighted
sample (:func:`fundsvc.credit.engine.outputs.weighted_var_es`) with batch-means standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, ndtr, ndtri

from fundsvc.credit.engine.allocation import allocate_by_pool, loan_shares, loss_terms
from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.engine.outputs import weighted_var_es
from fundsvc.credit.engine.recovery import mean_recovery_fraction
from fundsvc.credit.engine.schedule import accrued_interest, outstanding_principal
from models.market import MarketModel


class TailParty(StrEnum):
    TOTAL = "total"
    BANK = "bank"
    POOL = "pool"


@dataclass(frozen=True)
class OnePeriodPortfolio:
    """One-period portfolio, shape (n_loans,) unless said.

    ``pd`` horizon default probabilities; ``threshold = Φ⁻¹(pd)``; ``r`` asset correlations;
    ``sector`` factor positions; ``loss`` loss given default (CNY); ``factor_map`` (n_sectors, d)
    with Z = factor_map @ ε."""

    pd: np.ndarray
    threshold: np.ndarray
    r: np.ndarray
    sector: np.ndarray
    loss: np.ndarray
    factor_map: np.ndarray

    @property
    def n_loans(self) -> int:
        return self.pd.size

    @property
    def n_factors(self) -> int:
        return self.factor_map.shape[1]

    def conditional_pd(self, eps: np.ndarray, dtype=np.float32) -> np.ndarray:
        """p_i(ε), shape (n_paths, n_loans), for ε (n_paths, d) (computed once per group of
        loans with equal threshold, R and sector). float32 by default (compared with float32
        uniforms); float64 where the value enters a smooth objective."""
        key = np.stack([self.threshold, self.r, self.sector.astype(float)], axis=1)
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        z = eps @ self.factor_map.T  # (n_paths, n_sectors)
        zs = z[:, uniq[:, 2].astype(np.int64)]
        arg = ((uniq[:, 0] - np.sqrt(uniq[:, 1]) * zs) / np.sqrt(1.0 - uniq[:, 1])).astype(dtype)
        return np.take(ndtr(arg), inv.reshape(-1), axis=1)


def one_period_portfolio(model: CreditModel, market: MarketModel, party: TailParty = TailParty.TOTAL,
                         pool_index: int | None = None) -> OnePeriodPortfolio:
    """The book as a one-period portfolio over the model's horizon (see the module notes).

    ``party=POOL`` keeps the loans of ``pool_index`` (default 0) with their capped pool claims.
    """
    b = model.book
    years = b.hazard_weight.sum(axis=1) * model.dt
    pd = -np.expm1(years * np.log1p(-model.group_pd[b.group]))
    mid = 0.5 * (b.start + b.end) - b.orig
    ppy = model.settings.payments_per_year
    with_int, _ = loss_terms(model, b.pool)
    principal = outstanding_principal(b.amount, b.rate, b.term, b.amort, mid, ppy)
    exposure = principal + np.where(with_int, accrued_interest(b.amount, b.rate, b.term, b.amort, mid, ppy), 0.0)
    rec_frac = np.array([mean_recovery_fraction(model.recovery, int(t)) for t in range(model.recovery.probit_fraction.shape[0])])
    recovery = np.minimum(exposure, b.appraisal * rec_frac[b.ip_type])
    net = exposure - recovery
    al = allocate_by_pool(model, b.pool, net, exposure, loan_shares(model))
    keep = np.ones(b.n_loans, bool)
    if party is TailParty.TOTAL:
        loss = net
    elif party is TailParty.BANK:
        loss = al.bank
    else:
        j = 0 if pool_index is None else pool_index
        keep = b.pool == j
        loss = al.claim
    keep &= (loss > 0) & (pd > 0)
    pos = [model.sectors.index(s) for s in model.sectors]
    corr = market.sector_correlation()
    idx = [list(market.sectors).index(s) for s in model.sectors]
    corr = corr[np.ix_(idx, idx)]
    w, v = np.linalg.eigh(corr)
    fmap = v * np.sqrt(np.clip(w, 0.0, None))
    fmap = fmap[:, w > 1e-10]
    del pos
    return OnePeriodPortfolio(pd=pd[keep], threshold=ndtri(pd[keep]), r=model.group_r[b.group][keep],
                              sector=model.group_sector[b.group][keep], loss=loss[keep], factor_map=fmap)


def plain_losses(port: OnePeriodPortfolio, n_paths: int, rng: np.random.Generator, block: int = 2000) -> np.ndarray:
    """Plain Monte Carlo losses (CNY), shape (n_paths,)."""
    out = np.empty(n_paths)
    for p0 in range(0, n_paths, block):
        p1 = min(n_paths, p0 + block)
        eps = rng.standard_normal((p1 - p0, port.n_factors))
        p = port.conditional_pd(eps)
        u = rng.random(p.shape, dtype=np.float32)
        out[p0:p1] = np.where(u < p, port.loss, 0.0).sum(axis=1)
    return out


def _tilted_logit(theta: np.ndarray, p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``θc + logit p`` per path and loan, (n, m) in the dtype of ``p``: the log-odds of default
    under the twisted law, ``q = p e^{θc} / (1 + p (e^{θc} − 1)) = expit(θc + logit p)``.

    Working on the log-odds scale keeps ``q`` and ``ψ`` finite for any θ (``e^{θc}`` itself
    overflows float32 beyond θc ≈ 88, which large loss levels reach)."""
    with np.errstate(divide="ignore"):
        logit = np.log(p) - np.log1p(-p)
    return theta[:, None].astype(p.dtype) * c[None, :].astype(p.dtype) + logit


def _psi_terms(theta: np.ndarray, p: np.ndarray, c: np.ndarray):
    """ψ(θ), ψ'(θ), ψ''(θ) per path for ``c`` scaled losses; θ (n,), p (n, m).

    ``ψ = Σ log(1 + p(e^{θc} − 1)) = Σ [log(1 − p) + log(1 + e^{θc + logit p})]``."""
    z = _tilted_logit(theta, p, c)
    q = expit(z)
    psi = (np.log1p(-p) + np.logaddexp(0.0, z)).sum(axis=1)
    d1 = q @ c
    d2 = (q * (1.0 - q)) @ (c * c)
    return psi, d1, d2, q


def _newton_terms(theta: np.ndarray, p: np.ndarray, c: np.ndarray):
    """ψ'(θ) and ψ''(θ) per path (no ψ itself), in the dtype of ``p``."""
    q = expit(_tilted_logit(theta, p, c))
    d1 = q @ c
    q *= 1.0 - q
    d2 = q @ (c * c)
    return d1.astype(np.float64), d2.astype(np.float64)


def solve_theta(p: np.ndarray, c: np.ndarray, x: float, iters: int = 60, rtol: float = 1e-2) -> np.ndarray:
    """θ_x per path: 0 where E[L|ε] ≥ x, else the root of ψ'(θ) = x (safeguarded Newton).

    ``c`` and ``x`` in the same (scaled) units; p (n, m). Returns θ (n,). The root is found to
    ``|ψ'(θ) − x| ≤ rtol·x``: any θ ≥ 0 gives an unbiased estimator as long as the likelihood
    ratio uses the same θ, so a loose tolerance only costs a little variance."""
    mean = p @ c
    theta = np.zeros(p.shape[0])
    need = mean < x
    if not need.any() or x >= c.sum():
        if x >= c.sum():
            raise ValueError("the loss level x is at or above the largest possible loss")
        return theta
    pp = p[need].astype(np.float32)  # θ needs no precision (see above): float32 halves the cost
    c = c.astype(np.float32)
    n = pp.shape[0]
    th = np.zeros(n)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    active = np.arange(n)
    tol = rtol * x
    for _ in range(iters):
        d1, d2 = _newton_terms(th[active], pp[active], c)
        f = d1 - x
        done = np.abs(f) <= tol
        a_lo = np.where(f < 0, th[active], lo[active])
        a_hi = np.where(f >= 0, th[active], hi[active])
        lo[active], hi[active] = a_lo, a_hi
        step = th[active] - f / np.maximum(d2, 1e-300)
        fallback = np.where(np.isfinite(a_hi), 0.5 * (a_lo + a_hi), 2.0 * a_lo + 1.0)
        ok = (step > a_lo) & (step < a_hi) & np.isfinite(step)
        th[active] = np.where(done, th[active], np.where(ok, step, fallback))
        active = active[~done]
        if active.size == 0:
            break
    theta[need] = th
    return theta


def glasserman_li_shift(port: OnePeriodPortfolio, x: float) -> np.ndarray:
    """Factor mean shift μ = argmax_ε [−θ_x(ε)x + ψ(θ_x(ε), ε) − ε'ε/2] (GL 2005, §4), shape (d,)."""
    scale = port.loss.max()
    c, xs = port.loss / scale, x / scale

    def neg(eps):
        e = np.asarray(eps, float)[None, :]
        p = port.conditional_pd(e, np.float64)
        th = solve_theta(p, c, xs)
        psi, _, _, _ = _psi_terms(th, p, c)
        return -(float(-th[0] * xs + psi[0]) - 0.5 * float(e[0] @ e[0]))

    # start from the direction that raises all conditional PDs (negative common factor)
    d = port.n_factors
    direction = -np.abs(port.factor_map.sum(axis=0))
    direction /= max(np.linalg.norm(direction), 1e-12)
    best = min((neg(t * direction), t) for t in np.linspace(0.0, 6.0, 25))
    start = best[1] * direction
    res = minimize(neg, start, method="BFGS", options={"gtol": 1e-6, "maxiter": 200})
    mu = res.x if np.isfinite(res.fun) and res.fun <= best[0] + 1e-12 else start
    return np.asarray(mu, float).reshape(d)


@dataclass(frozen=True)
class TailEstimate:
    """Estimates from one sample. Probabilities, CNY for losses.

    ``p_exceed``/``se`` estimate P(L > x); ``var``/``es`` (n_levels,) with batch-means standard
    errors ``var_se``/``es_se``; ``mu`` the factor shift (zeros for plain MC); ``n_paths``."""

    x: float
    p_exceed: float
    se: float
    levels: tuple[float, ...]
    var: np.ndarray
    es: np.ndarray
    var_se: np.ndarray
    es_se: np.ndarray
    mu: np.ndarray
    n_paths: int

    @property
    def relative_se(self) -> float:
        return self.se / self.p_exceed if self.p_exceed > 0 else math.inf


def importance_sample(port: OnePeriodPortfolio, x: float, n_paths: int, rng: np.random.Generator, *,
                      mu: np.ndarray | None = None, twist: bool = True, block: int = 2000):
    """Glasserman–Li IS draws: losses (n_paths,) and likelihood ratios (n_paths,)."""
    if mu is None:
        mu = glasserman_li_shift(port, x)
    scale = port.loss.max()
    c, xs = port.loss / scale, x / scale
    losses = np.empty(n_paths)
    lr = np.empty(n_paths)
    for p0 in range(0, n_paths, block):
        p1 = min(n_paths, p0 + block)
        eps = mu + rng.standard_normal((p1 - p0, port.n_factors))
        p = port.conditional_pd(eps)
        th, psi, q = np.zeros(p1 - p0), np.zeros(p1 - p0), p
        if twist:
            th = solve_theta(p, c, xs)
            k = th > 0
            if k.any():
                psi_k, _, _, q_k = _psi_terms(th[k], p[k], c)
                q = p.copy()
                q[k] = q_k
                psi[k] = psi_k
        d = rng.random(p.shape, dtype=np.float32) < q
        ls = np.where(d, c, 0.0).sum(axis=1)
        losses[p0:p1] = ls * scale
        lr[p0:p1] = np.exp(-th * ls + psi - eps @ mu + 0.5 * float(mu @ mu))
    return losses, lr, mu


def _batch_se(losses, weights, levels, n_batches=20):
    n = losses.size
    k = n // n_batches
    if k < 10:
        return np.full(len(levels), np.nan), np.full(len(levels), np.nan)
    vs, es = [], []
    for b in range(n_batches):
        sl = slice(b * k, (b + 1) * k)
        v, e = weighted_var_es(losses[sl], weights[sl], levels)
        vs.append(v)
        es.append(e)
    return np.std(vs, axis=0, ddof=1) / np.sqrt(n_batches), np.std(es, axis=0, ddof=1) / np.sqrt(n_batches)


def estimate(losses: np.ndarray, weights: np.ndarray | None, x: float, levels=(0.999,), mu=None) -> TailEstimate:
    """Tail estimates from a (weighted) sample; ``weights=None`` for plain Monte Carlo."""
    w = np.ones(losses.size) if weights is None else np.asarray(weights, float)
    y = w * (losses > x)
    n = losses.size
    var, es = weighted_var_es(losses, w, levels)
    vse, ese = _batch_se(losses, w, levels)
    return TailEstimate(x=float(x), p_exceed=float(y.mean()), se=float(y.std(ddof=1) / np.sqrt(n)),
                        levels=tuple(levels), var=var, es=es, var_se=vse, es_se=ese,
                        mu=np.zeros(0) if mu is None else mu, n_paths=n)


def tail_probability_is(port: OnePeriodPortfolio, x: float, n_paths: int, rng: np.random.Generator,
                        levels=(0.999,)) -> TailEstimate:
    """Importance-sampling estimate of P(L > x), VaR and ES (levels near P(L > x) only)."""
    losses, lr, mu = importance_sample(port, x, n_paths, rng)
    return estimate(losses, lr, x, levels, mu)


def tail_probability_mc(port: OnePeriodPortfolio, x: float, n_paths: int, rng: np.random.Generator,
                        levels=(0.999,)) -> TailEstimate:
    """Plain Monte Carlo estimate on the same one-period model."""
    return estimate(plain_losses(port, n_paths, rng), None, x, levels)


def pool_depletion_is(model: CreditModel, market: MarketModel, n_paths: int, rng: np.random.Generator, *,
                      pool_index: int = 0, balance: float | None = None) -> TailEstimate:
    """IS estimate of P(the pool's claims over the horizon exceed its balance) — one-period view,
    no interest, replenishment or new lending."""
    port = one_period_portfolio(model, market, TailParty.POOL, pool_index)
    b = model.pools[pool_index].initial_balance if balance is None else balance
    if b >= port.loss.sum():
        return TailEstimate(b, 0.0, 0.0, (), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), n_paths)
    losses, lr, mu = importance_sample(port, b, n_paths, rng)
    y = lr * (losses > b)
    return TailEstimate(float(b), float(y.mean()), float(y.std(ddof=1) / np.sqrt(n_paths)), (), np.zeros(0),
                        np.zeros(0), np.zeros(0), np.zeros(0), mu, n_paths)
