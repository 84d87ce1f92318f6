"""Exposure profile and default timing of one loan over its term, on an annual grid.

Convention (used by :func:`fundsvc.credit.price_loan`)
------------------------------------------------------
* The term ``T`` years is cut into ``n = ceil(T)`` periods ``k = 1 … n`` starting at
  ``t_{k-1}`` and ending at ``t_k = min(k, T)``; every period lasts one year except possibly
  the last (``τ_k = t_k − t_{k-1}``).
* Repayments fall at period ends, so the principal outstanding *during* period ``k`` is its
  start-of-period balance ``E_k`` (fraction of the amount). This is the exposure at default of a
  default in period ``k`` and the balance on which interest, funding, operating cost and capital
  accrue in that period.
* Schedules: ``BULLET`` ``E_k = 1``; ``EQUAL_PRINCIPAL`` repays principal in proportion to time,
  ``E_k = 1 − t_{k-1}/T``; ``ANNUITY`` pays a level instalment each period at a schedule rate
  ``i`` (balance ``B_k = B_{k-1}·(1 + i)^{τ_k} − A``, ``B_n = 0``).
* Defaults follow a constant annual PD ``p``: survival ``S(t) = (1 − p)^t``, so the cumulative
  PD over the term is ``1 − (1 − p)^T`` and the probability of a default in period ``k`` is
  ``d_k = S(t_{k-1}) − S(t_k)``.
* Exposure-years ``W = Σ_k τ_k·E_k`` (years × fraction of the amount) are the base of every
  per-year rate: a lifetime amount (e.g. expected loss ``Σ_k d_k·E_k·LGD_k``) divided by ``W``
  is a rate per year on the average outstanding balance. For a one-year bullet loan ``W = 1``.

All functions are pure; arrays have shape ``(n_periods,)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.credit import Amortisation

__all__ = ["LoanSchedule", "default_probabilities", "effective_maturity", "loan_schedule"]

#: Basel bounds on the effective maturity M in years (Basel II §320; CRE32.46–32.47).
MATURITY_FLOOR_YEARS = 1.0
MATURITY_CAP_YEARS = 5.0


@dataclass(frozen=True, slots=True)
class LoanSchedule:
    """Annual grid and balance profile of a loan, per CNY of the amount.

    Attributes
    ----------
    t_start, t_end : numpy.ndarray
        Start and end of each period in years from origination, shape ``(n_periods,)``.
    tau : numpy.ndarray
        Period lengths in years, shape ``(n_periods,)``.
    exposure : numpy.ndarray
        Principal outstanding during each period (start-of-period balance), fraction of the
        amount, shape ``(n_periods,)``.
    principal_repaid : numpy.ndarray
        Principal repaid at each period end, fraction of the amount, shape ``(n_periods,)``;
        sums to 1.
    """

    t_start: np.ndarray
    t_end: np.ndarray
    tau: np.ndarray
    exposure: np.ndarray
    principal_repaid: np.ndarray

    @property
    def exposure_years(self) -> float:
        """``W = Σ τ_k·E_k``: years × fraction of the amount outstanding."""
        return float(np.dot(self.tau, self.exposure))

    @property
    def average_exposure(self) -> float:
        """Average outstanding balance over the term, fraction of the amount (``W / T``)."""
        return self.exposure_years / float(self.t_end[-1])


def _grid(term_years: float) -> tuple[np.ndarray, np.ndarray]:
    n = max(1, math.ceil(term_years - 1e-9))
    t_end = np.minimum(np.arange(1, n + 1, dtype=float), term_years)
    t_start = np.concatenate(([0.0], t_end[:-1]))
    return t_start, t_end


def loan_schedule(term_years: float, amortisation: Amortisation, schedule_rate: float = 0.0) -> LoanSchedule:
    """Balance profile of a loan of 1 CNY over ``term_years`` (see the module conventions).

    Parameters
    ----------
    term_years : float
        Term in years, > 0.
    amortisation : Amortisation
        ``BULLET``, ``EQUAL_PRINCIPAL`` or ``ANNUITY``.
    schedule_rate : float, default 0.0
        Interest rate per year fixing the annuity instalment (ignored otherwise), > −1.

    Returns
    -------
    LoanSchedule
        Arrays of shape ``(n_periods,)``, ``n_periods = ceil(term_years)``.
    """
    t_start, t_end = _grid(term_years)
    tau = t_end - t_start
    if amortisation is Amortisation.BULLET:
        repaid = np.zeros_like(tau)
        repaid[-1] = 1.0
    elif amortisation is Amortisation.EQUAL_PRINCIPAL:
        repaid = tau / term_years
    elif amortisation is Amortisation.ANNUITY:
        growth = (1.0 + schedule_rate) ** tau
        # B_n = Π g_k − A·Σ_k Π_{j>k} g_j = 0  →  A = Π g / Σ_k Π_{j>k} g_j
        tail = np.concatenate((np.cumprod(growth[::-1])[::-1][1:], [1.0]))
        instalment = float(np.prod(growth)) / float(tail.sum())
        balance = np.empty_like(tau)
        b = 1.0
        for k in range(tau.size):  # loop over periods (a handful), not paths
            b_next = b * growth[k] - instalment
            balance[k] = b - max(b_next, 0.0)
            b = b_next
        repaid = balance
    else:  # pragma: no cover - Enum is closed
        raise ValueError(f"unknown amortisation {amortisation!r}")
    exposure = 1.0 - np.concatenate(([0.0], np.cumsum(repaid)[:-1]))
    return LoanSchedule(t_start, t_end, tau, exposure, repaid)


def period_default_probabilities(pd_annual, t_start, t_end):
    """``d_k = (1 − p)^{t_start} − (1 − p)^{t_end}`` elementwise, broadcasting (a PD per loan as
    ``(n, 1)`` against period bounds ``(n, K)``, or a scalar PD against ``(K,)``); log1p/expm1 so a
    tiny PD keeps its precision."""
    log_q = np.log1p(-pd_annual)
    return np.exp(t_start * log_q) * -np.expm1((t_end - t_start) * log_q)


def period_default_timing(pd_annual, t_start, t_end):
    """``d_k / λ`` with ``λ = −ln(1 − p)`` (per year) elementwise, broadcasting like
    :func:`period_default_probabilities`; the ``p → 0`` limit, the period length ``t_end − t_start``
    in years, where ``λ`` is too small to carry precision (below 1e-250)."""
    rate = -np.log1p(-pd_annual)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate < 1e-250, t_end - t_start,
                        np.exp(-t_start * rate) * -np.expm1(-(t_end - t_start) * rate) / rate)


def default_probabilities(pd_annual: float, schedule: LoanSchedule) -> np.ndarray:
    """Probability of default in each period under a constant annual PD.

    ``d_k = (1 − p)^{t_{k-1}} − (1 − p)^{t_k}``; ``Σ_k d_k = 1 − (1 − p)^T`` (cumulative PD).

    Parameters
    ----------
    pd_annual : float
        One-year PD, in (0, 1).
    schedule : LoanSchedule
        The loan's grid.

    Returns
    -------
    numpy.ndarray
        Unconditional default probability per period, shape ``(n_periods,)``.
    """
    return period_default_probabilities(pd_annual, schedule.t_start, schedule.t_end)


def default_timing_weights(pd_annual: float, schedule: LoanSchedule) -> np.ndarray:
    """When default happens, as weights ``d_k / λ`` with ``λ = −ln(1 − p)`` (per year).

    Proportional to :func:`default_probabilities` but exact however small the PD: as ``p → 0``
    they tend to the period lengths ``tau_k`` in years, which is used once ``λ`` is too small to
    carry precision (below 1e-250, where ``d_k`` itself would be subnormal).

    Returns
    -------
    numpy.ndarray
        Non-negative weights per period, shape ``(n_periods,)``, in years.
    """
    return period_default_timing(pd_annual, schedule.t_start, schedule.t_end)


def effective_maturity(schedule: LoanSchedule, *, bounded: bool = True) -> float:
    """Effective maturity ``M = Σ t_k·CF_k / Σ CF_k`` of the principal repayments, in years.

    Basel (CRE32.46) weights all contractual cash flows; using principal only gives a slightly
    longer, more conservative M and keeps M independent of the interest rate. With
    ``bounded`` the result is held within Basel's [1, 5] years.

    Parameters
    ----------
    schedule : LoanSchedule
        The loan's grid.
    bounded : bool, default True
        Apply the [1, 5]-year bounds.

    Returns
    -------
    float
        Effective maturity in years (a bullet loan of T years has M = T before bounds).
    """
    m = float(np.dot(schedule.t_end, schedule.principal_repaid) / schedule.principal_repaid.sum())
    return min(max(m, MATURITY_FLOOR_YEARS), MATURITY_CAP_YEARS) if bounded else m
