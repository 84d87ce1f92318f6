"""Economic capital of a loan from a portfolio simulation: Euler (expected-shortfall) contributions.

For simulated losses ``L_{ω,i}`` of loan ``i`` on path ``ω`` (CNY, the *bank's* loss after
collateral and sharing, over a one-year horizon) and the portfolio loss ``L_ω = Σ_i L_{ω,i}``,
the expected shortfall at level α and its Euler allocation are (Tasche 1999; McNeil, Frey &
Embrechts, *Quantitative Risk Management*, 2nd ed. 2015, §8.5)

    ES_α = E[L | L ≥ VaR_α(L)],          C_i = E[L_i | L ≥ VaR_α(L)],          Σ_i C_i = ES_α.

The estimator averages over the ``k = ceil((1 − α)·n_paths)`` paths with the largest portfolio
loss, so the contributions add up to the empirical ES exactly. Capital covers the *unexpected*
loss (expected loss is priced separately), so by default ``E[L_i]`` is subtracted:
``UC_i = C_i − E[L_i]``. Divided by the loan's exposure this is the ``economic_capital_rate``
(capital per CNY) that :func:`fundsvc.credit.price_loan` takes with
``capital_method="economic"``.
"""

from __future__ import annotations

import math

import numpy as np

from fundsvc.errors import InputError, Problem

__all__ = ["capital_rate_from_contributions", "es_contributions"]

SOURCE = "<input>"


def _fail(name: str, message: str) -> InputError:
    return InputError([Problem(SOURCE, name, message)])


def es_contributions(loan_losses_cny, alpha: float = 0.999, *, unexpected: bool = True) -> np.ndarray:
    """Euler contributions of each loan to the portfolio's expected shortfall.

    Parameters
    ----------
    loan_losses_cny : array_like
        Simulated one-year losses per path and loan, CNY, shape ``(n_paths, n_loans)``.
    alpha : float, default 0.999
        ES confidence level in (0, 1).
    unexpected : bool, default True
        Subtract each loan's mean loss (capital for unexpected loss only).

    Returns
    -------
    numpy.ndarray
        Contribution per loan, CNY, shape ``(n_loans,)``; sums to the portfolio ES (minus the
        portfolio EL when ``unexpected``).
    """
    losses = np.asarray(loan_losses_cny, dtype=float)
    if losses.ndim != 2 or losses.shape[0] < 1 or losses.shape[1] < 1:
        raise _fail("loan_losses_cny", f"must have shape (n_paths, n_loans); got {losses.shape}")
    if not np.all(np.isfinite(losses)):
        raise _fail("loan_losses_cny", "losses must be finite amounts in CNY")
    if not 0.0 < alpha < 1.0:
        raise _fail("alpha", f"must lie in (0, 1); got {alpha!r}")
    n = losses.shape[0]
    k = max(1, math.ceil((1.0 - alpha) * n - 1e-9))
    total = losses.sum(axis=1)
    tail = np.argpartition(total, n - k)[n - k:] if k < n else np.arange(n)
    contrib = losses[tail].mean(axis=0)
    if unexpected:
        contrib = contrib - losses.mean(axis=0)
    return contrib


def capital_rate_from_contributions(contribution_cny, exposure_cny) -> np.ndarray:
    """Economic capital per CNY of exposure: ``contribution / exposure`` (floored at 0).

    Parameters
    ----------
    contribution_cny : array_like
        Capital contribution per loan, CNY, shape ``(n_loans,)``.
    exposure_cny : array_like
        Exposure per loan, CNY, > 0, shape ``(n_loans,)``.

    Returns
    -------
    numpy.ndarray
        Capital rate per loan (fraction), shape ``(n_loans,)``.
    """
    c = np.asarray(contribution_cny, dtype=float)
    e = np.asarray(exposure_cny, dtype=float)
    if c.shape != e.shape:
        raise _fail("exposure_cny", f"must match the contributions' shape {c.shape}; got {e.shape}")
    if np.any(~np.isfinite(e) | (e <= 0)):
        raise _fail("exposure_cny", "exposures must be positive amounts in CNY")
    return np.maximum(c, 0.0) / e
