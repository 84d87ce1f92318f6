"""Analytic loss given default of a tech loan: IP recovery, then guarantee, insurance and pool.

Loss at default, per CNY of exposure at default (EAD)
-----------------------------------------------------
The pledged IP (appraised value ``V`` CNY) is sold with probability ``1 − p_ns``; it then
realises ``V·X`` with ``X ~ Beta(α, β)``, ``α = m·c``, ``β = (1 − m)·c`` (mean ``m`` =
``IPRecoveryModel.mean_fraction[ip_type]``, concentration ``c``), less the disposal cost share
``κ_c``, received after the mean disposal time ``T_d`` and discounted at ``r_d``:
``κ = (1 − κ_c)·(1 + r_d)^{−T_d}``. A fixed share ``u`` of EAD is recovered from other sources
(``unsecured_recovery_rate``). Total recovery cannot exceed EAD, so with coverage
``a = κ·V / EAD`` the net loss fraction is

    L = max(1 − u − a·X, 0)   if the IP is sold,     L = 1 − u   otherwise.

Sharing of the net loss: the guarantor bears ``g·L``, the insurer ``s·L``; the pool owes
``p·L`` but pays at most the per-loan cap ``cap`` (as a fraction ``m_c = cap / EAD``) and only
with probability ``π`` (e.g. 1 − the pool's depletion probability); anything the pool does not
pay falls on the bank (this is the pool-first rule, and the natural reading of pro-rata with a
cap). The bank's expected loss fraction ("LGD after sharing") is

    LGD_bank = (1 − g − s)·E[L] − π·E[min(p·L, m_c)],
    E[min(p·L, m_c)] = p·(E[L] − E[(L − m_c/p)⁺]).

Every expectation is of a piecewise-linear function of ``X`` and is evaluated exactly with the
regularised incomplete beta function ``I_x`` (no simulation):
``E[(K − a·X)⁺] = K·I_{K/a}(α, β) − a·m·I_{K/a}(α + 1, β)`` for ``K > 0``.

A given LGD (no IP model) is the special case ``p_ns = 1``, ``u = 1 − LGD``.

Simplifications (stated, not hidden): the recovery is taken at its through-the-cycle
distribution (the credit engine's downturn shift ``factor_loading`` is not applied); the
disposal time enters through its mean; the IP appraisal does not decay over the term; the loss
is principal only (unpaid interest of the default year is not in the loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betainc

from models.credit import IPRecoveryModel, IPType

__all__ = [
    "RecoveryTerms",
    "bank_loss_fraction",
    "beta_put",
    "expected_loss_fraction",
    "given_lgd_terms",
    "recovery_terms",
]


@dataclass(frozen=True, slots=True)
class RecoveryTerms:
    """Parameters of the loss-at-default distribution (see the module docstring).

    Attributes
    ----------
    p_no_sale : float
        Probability the IP cannot be sold.
    alpha, beta : float
        Beta parameters of the realised fraction of appraisal ``X``.
    net_value_cny : float
        ``κ·V``: appraisal after disposal cost and discounting for the disposal time, CNY.
    unsecured_recovery : float
        Fraction ``u`` of EAD recovered from other sources.
    """

    p_no_sale: float
    alpha: float
    beta: float
    net_value_cny: float
    unsecured_recovery: float

    @property
    def mean_fraction(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def recovery_terms(
    appraisal_cny: float,
    ip_type: IPType,
    model: IPRecoveryModel,
    unsecured_recovery: float = 0.0,
) -> RecoveryTerms:
    """Recovery parameters from pledged IP and an :class:`IPRecoveryModel`.

    Parameters
    ----------
    appraisal_cny : float
        Appraised value of the pledged IP, CNY, > 0.
    ip_type : IPType
        Selects ``model.mean_fraction[ip_type]``.
    model : IPRecoveryModel
        Recovery assumptions (mean fraction, concentration, no-sale probability, disposal time,
        cost and discount rate).
    unsecured_recovery : float, default 0.0
        Fraction of EAD recovered from other sources, in [0, 1].

    Returns
    -------
    RecoveryTerms
    """
    m = float(model.mean_fraction[ip_type])
    c = float(model.concentration)
    kappa = (1.0 - model.disposal_cost_share) * (1.0 + model.discount_rate) ** (-model.mean_disposal_years)
    return RecoveryTerms(float(model.p_no_sale), m * c, (1.0 - m) * c, kappa * appraisal_cny, unsecured_recovery)


def given_lgd_terms(lgd: float) -> RecoveryTerms:
    """Degenerate terms for a known LGD (after collateral, before sharing): ``L = lgd`` surely."""
    return RecoveryTerms(1.0, 1.0, 1.0, 0.0, 1.0 - lgd)


def beta_put(strike, scale, alpha: float, beta: float):
    """``E[(K − a·X)⁺]`` for ``X ~ Beta(α, β)``, elementwise.

    Parameters
    ----------
    strike : array_like
        ``K`` (any sign; the result is 0 where ``K ≤ 0``), shape ``(n,)`` or scalar.
    scale : array_like
        ``a ≥ 0``, broadcastable with ``strike``.
    alpha, beta : float
        Beta parameters, > 0.

    Returns
    -------
    numpy.ndarray
        Expected payoff, broadcast shape of ``strike`` and ``scale``.
    """
    k = np.asarray(strike, dtype=float)
    a = np.asarray(scale, dtype=float)
    k, a = np.broadcast_arrays(k, a)
    positive = k > 0
    k = np.where(positive, k, 0.0)  # the payoff is 0 there; 0 also keeps K = −inf (an infinite threshold) finite
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a tiny scale: k/a → inf, clipped to 1
        x = np.where(a > 0, np.clip(k / np.where(a > 0, a, 1.0), 0.0, 1.0), 1.0)
    mean = alpha / (alpha + beta)
    out = k * betainc(alpha, beta, x) - a * mean * betainc(alpha + 1.0, beta, x)
    return np.where(positive, np.maximum(out, 0.0), 0.0)


def _coverage(terms: RecoveryTerms, ead_cny: np.ndarray) -> np.ndarray:
    return terms.net_value_cny / ead_cny


def _expected_excess(terms: RecoveryTerms, ead_cny: np.ndarray, threshold) -> np.ndarray:
    """``E[(L − k)⁺]`` for ``k ≥ 0`` (``k = 0`` gives ``E[L]``), shape of ``ead_cny``."""
    base = 1.0 - terms.unsecured_recovery - np.asarray(threshold, dtype=float)
    sold = beta_put(base, _coverage(terms, ead_cny), terms.alpha, terms.beta)
    return terms.p_no_sale * np.maximum(base, 0.0) + (1.0 - terms.p_no_sale) * sold


def expected_loss_fraction(terms: RecoveryTerms, ead_cny) -> np.ndarray:
    """Expected net loss after collateral, before sharing: ``E[L]`` per CNY of EAD.

    Parameters
    ----------
    terms : RecoveryTerms
        Recovery assumptions.
    ead_cny : array_like
        Exposure at default per period, CNY, > 0, shape ``(n_periods,)``.

    Returns
    -------
    numpy.ndarray
        LGD after collateral, fraction of EAD, shape ``(n_periods,)``.
    """
    ead = np.asarray(ead_cny, dtype=float)
    return _expected_excess(terms, ead, 0.0)


def bank_loss_fraction(
    terms: RecoveryTerms,
    ead_cny,
    *,
    guarantee_share,
    insurance_share,
    pool_share,
    pool_cap_cny,
    pool_pay_probability,
    expected=None,
) -> np.ndarray:
    """The bank's expected loss per CNY of EAD after collateral and sharing (``LGD_bank``).

    ``(1 − g − s)·E[L] − π·p·(E[L] − E[(L − m_c/p)⁺])`` with ``m_c = cap / EAD``.

    Elementwise: the terms' fields and the shares may be arrays broadcastable with ``ead_cny``
    (e.g. shape ``(n_loans, 1)`` against ``(n_loans, n_periods)``, as
    :mod:`fundsvc.credit.pricing.batch` passes them).

    Parameters
    ----------
    terms : RecoveryTerms
        Recovery assumptions.
    ead_cny : array_like
        Exposure at default per period, CNY, > 0, shape ``(n_periods,)`` (or ``(n_loans, n_periods)``).
    guarantee_share, insurance_share, pool_share : float or array_like
        Shares ``g``, ``s``, ``p`` of the net loss, each in [0, 1], ``g + s + p ≤ 1``.
    pool_cap_cny : float, array_like or None
        Most the pool pays for this loan, CNY; None (or NaN in an array) for no cap.
    pool_pay_probability : float or array_like
        Probability ``π`` that the pool pays when the loan defaults, in [0, 1].
    expected : array_like, optional
        ``E[L]`` (:func:`expected_loss_fraction` on the same ``ead_cny``) when already computed.

    Returns
    -------
    numpy.ndarray
        Bank LGD, fraction of EAD, broadcast shape of the inputs.
    """
    ead = np.asarray(ead_cny, dtype=float)
    el = _expected_excess(terms, ead, 0.0) if expected is None else expected
    retained = (1.0 - guarantee_share - insurance_share) * el
    p = np.asarray(pool_share, dtype=float)
    pi = np.asarray(pool_pay_probability, dtype=float)
    active = (p > 0.0) & (pi > 0.0)
    if not np.any(active):
        return retained
    cap = np.asarray(np.nan if pool_cap_cny is None else pool_cap_cny, dtype=float)
    capped = ~np.isnan(cap)
    if np.any(capped):
        use = capped & (p > 0.0)  # elsewhere the value is not used: 0 keeps the arithmetic finite
        with np.errstate(over="ignore"):  # a cap far above p·EAD: threshold inf, the pool pays p·L
            threshold = np.where(use, (np.where(use, cap, 0.0) / ead) / np.where(use, p, 1.0), 0.0)
        excess = np.where(use, _expected_excess(terms, ead, threshold), 0.0)
    else:
        excess = 0.0
    pool_paid = p * (el - excess)
    return np.where(active, retained - pi * pool_paid, retained)
