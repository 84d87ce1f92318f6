"""Loan amortisation: outstanding principal and accrued interest at any time.

Conventions (all vectorised over loans / defaults; amounts CNY, rates per year, times in years):

* A loan of ``amount`` with term ``term_years`` pays ``n = ceil(term · payments_per_year)``
  instalments at ``k / payments_per_year`` years after origination (``k = 1 … n``); the last
  instalment is due at maturity (``term``) even when the term is not a whole number of periods.
* Bullet: interest only, the whole principal at maturity. Equal principal (等额本金): ``amount / n``
  each instalment. Annuity (等额本息): level instalment ``amount · r / (1 − (1 + r)^−n)`` with
  ``r = rate / payments_per_year``; outstanding after ``k`` instalments
  ``amount · ((1 + r)^n − (1 + r)^k) / ((1 + r)^n − 1)`` (equal principal when ``r = 0``).
* Interest accrued at time ``s`` is simple interest on the outstanding principal since the last
  instalment date: ``outstanding · rate · (s − k / payments_per_year)``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from models.credit import Amortisation


class AmortCode(IntEnum):
    """Integer codes of :class:`models.credit.Amortisation` for array work."""

    BULLET = 0
    EQUAL_PRINCIPAL = 1
    ANNUITY = 2

    @classmethod
    def of(cls, amortisation: Amortisation) -> AmortCode:
        return {
            Amortisation.BULLET: cls.BULLET,
            Amortisation.EQUAL_PRINCIPAL: cls.EQUAL_PRINCIPAL,
            Amortisation.ANNUITY: cls.ANNUITY,
        }[amortisation]


_EPS = 1e-9


def n_payments(term_years, payments_per_year: int = 1) -> np.ndarray:
    """Number of instalments ``ceil(term · payments_per_year)`` (at least 1), shape of ``term_years``."""
    return np.maximum(np.ceil(np.asarray(term_years, float) * payments_per_year - 1e-6), 1.0)


def payments_made(elapsed_years, term_years, payments_per_year: int = 1) -> np.ndarray:
    """Instalments paid by ``elapsed_years`` after origination (all of them at or after maturity)."""
    elapsed = np.asarray(elapsed_years, float)
    n = n_payments(term_years, payments_per_year)
    k = np.clip(np.floor(elapsed * payments_per_year + _EPS), 0.0, n)
    return np.where(elapsed >= np.asarray(term_years, float) - _EPS, n, k)


def outstanding_principal(amount, rate, term_years, amort, elapsed_years, payments_per_year: int = 1) -> np.ndarray:
    """Principal outstanding ``elapsed_years`` after origination, CNY.

    Parameters
    ----------
    amount, rate, term_years : array_like, broadcastable
        Original principal (CNY), contract rate per year, term in years.
    amort : array_like of int
        :class:`AmortCode` per loan.
    elapsed_years : array_like
        Time since origination in years (negative means not yet drawn: 0 outstanding).
    payments_per_year : int, default 1

    Returns
    -------
    ndarray
        Outstanding principal, broadcast shape of the inputs; 0 before origination and from
        maturity on.
    """
    amount = np.asarray(amount, float)
    rate = np.asarray(rate, float)
    elapsed = np.asarray(elapsed_years, float)
    amort = np.asarray(amort)
    n = n_payments(term_years, payments_per_year)
    k = payments_made(elapsed, term_years, payments_per_year)
    remaining = 1.0 - k / n  # equal principal
    r = rate / payments_per_year
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g_n = (1.0 + r) ** n
        g_k = (1.0 + r) ** k
        ann = np.where(r > 0, (g_n - g_k) / np.where(r > 0, g_n - 1.0, 1.0), remaining)
    frac = np.where(amort == AmortCode.BULLET, np.where(k >= n, 0.0, 1.0),
                    np.where(amort == AmortCode.EQUAL_PRINCIPAL, remaining, ann))
    return np.where(elapsed < 0, 0.0, amount * frac)


def accrued_interest(amount, rate, term_years, amort, elapsed_years, payments_per_year: int = 1) -> np.ndarray:
    """Interest accrued since the last instalment, CNY (0 before origination and at or after maturity)."""
    elapsed = np.asarray(elapsed_years, float)
    out = outstanding_principal(amount, rate, term_years, amort, elapsed, payments_per_year)
    k = payments_made(elapsed, term_years, payments_per_year)
    since = np.clip(elapsed - k / payments_per_year, 0.0, None)
    return out * np.asarray(rate, float) * since


def annuity_instalment(amount, rate, term_years, payments_per_year: int = 1) -> np.ndarray:
    """Level instalment of an annuity loan (principal + interest per period), CNY."""
    n = n_payments(term_years, payments_per_year)
    r = np.asarray(rate, float) / payments_per_year
    amount = np.asarray(amount, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r > 0, amount * r / (1.0 - (1.0 + np.where(r > 0, r, 1.0)) ** (-n)), amount / n)


def schedule_matrix(amount, rate, term_years, amort, orig_years, step_ends_years, payments_per_year: int = 1) -> np.ndarray:
    """Outstanding principal of each loan at each step end, shape (n_loans, n_steps), CNY.

    ``orig_years`` is each loan's origination in years from the simulation start (may be
    negative); ``step_ends_years`` (n_steps,) are the step end times.
    """
    elapsed = np.asarray(step_ends_years, float)[None, :] - np.asarray(orig_years, float)[:, None]
    return outstanding_principal(
        np.asarray(amount, float)[:, None], np.asarray(rate, float)[:, None],
        np.asarray(term_years, float)[:, None], np.asarray(amort)[:, None], elapsed, payments_per_year,
    )
