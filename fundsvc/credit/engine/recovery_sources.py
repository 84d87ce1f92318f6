"""Recovery from every source at one default: workout, pledged IP, guarantor (a correlated credit).

This module holds the *one* loss-at-default formula of the project. The credit engine draws it
(:func:`draw_recovery`), loan pricing takes its expectation on a deterministic grid
(:mod:`fundsvc.credit.pricing.recovery_expectation`), both through :func:`net_recovery` and
:func:`guarantor_failure_probability`.

Per default, with the borrower's sector factor ``z`` in the default step (z < 0 = downturn):

* workout recovery from the borrower's cash, receivables and equipment (fraction of EAD)
  ``w = Φ(Φ⁻¹(B_w) + λ_w·z) · (1 − c_w)·(1 + r_w)^−T_w`` with ``B_w ~ Beta`` of the product's mean
  (:class:`models.recovery.WorkoutRecoveryModel`);
* IP disposal, as a fraction of the appraisal (:mod:`fundsvc.credit.engine.recovery`, unchanged);
* total recovery ``min(EAD, w·EAD + appraisal·ip_fraction)`` (a surplus goes back to the borrower);
* the guarantor fails to pay with probability ``Φ((Φ⁻¹(pd_g) − √R_g·z)/√(1 − R_g))`` and then
  pays ``recovery_on_failure`` of its share; the rest falls on the bank.

Numerics as in :mod:`fundsvc.credit.engine.recovery`: quantile tables of ``size`` equiprobable
cells, drawn by inversion of a uniform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from fundsvc.credit.engine.recovery import (
    TABLE_SIZE,
    RecoveryTables,
    build_recovery_tables,
    probit_beta_quantiles,
    recovery_fraction,
)
from models.credit import IPRecoveryModel, LoanProduct
from models.recovery import GuarantorCreditModel, RecoverySources, WorkoutRecoveryModel

#: Product order of the workout tables (index = position in LoanProduct).
PRODUCTS: tuple[LoanProduct, ...] = tuple(LoanProduct)


@dataclass(frozen=True)
class WorkoutTables:
    """Quantile tables of :class:`WorkoutRecoveryModel`.

    Attributes
    ----------
    probit_fraction : ndarray (n_products, size)
        ``Φ⁻¹`` of the Beta quantiles of the gross workout fraction, per product (PRODUCTS order).
    loading : float
        Probit shift per unit of the sector factor.
    net_factor : float
        ``(1 − cost)·(1 + r)^−T``.
    """

    probit_fraction: np.ndarray
    loading: float
    net_factor: float


@dataclass(frozen=True)
class GuarantorTerms:
    """Guarantor credit as numbers: ``threshold = Φ⁻¹(pd)``, correlation ``r``, ``recovery``."""

    threshold: float
    r: float
    recovery: float


@dataclass(frozen=True)
class SourceTables:
    """Everything :func:`draw_recovery` needs. ``workout`` / ``guarantor`` None = source absent."""

    ip: RecoveryTables
    workout: WorkoutTables | None
    guarantor: GuarantorTerms | None


def build_workout_tables(model: WorkoutRecoveryModel, size: int = TABLE_SIZE) -> WorkoutTables:
    """Tabulate the workout fraction's quantiles per product."""
    rows = [probit_beta_quantiles(model.mean_fraction(p), model.concentration, size) for p in PRODUCTS]
    return WorkoutTables(np.array(rows), float(model.factor_loading), float(model.net_factor))


def guarantor_terms(model: GuarantorCreditModel) -> GuarantorTerms:
    return GuarantorTerms(float(ndtri(model.pd)) if model.pd > 0 else -np.inf, float(model.asset_correlation),
                          float(model.recovery_on_failure))


def build_source_tables(ip: IPRecoveryModel, sources: RecoverySources | None, size: int = TABLE_SIZE) -> SourceTables:
    """Tables of every recovery source of a scenario (IP always; the others when given)."""
    wo = sources.workout if sources is not None else None
    g = sources.guarantor if sources is not None else None
    return SourceTables(
        ip=build_recovery_tables(ip, size),
        workout=build_workout_tables(wo, size) if wo is not None else None,
        guarantor=guarantor_terms(g) if g is not None else None,
    )


def workout_fraction(tables: WorkoutTables, product: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Net present workout recovery as a fraction of EAD, shape of ``u``.

    Parameters
    ----------
    product : ndarray of int
        Index into PRODUCTS.
    u : ndarray
        Uniforms driving the Beta draw.
    z : ndarray
        Sector factor in the default step.
    """
    size = tables.probit_fraction.shape[1]
    cell = np.minimum((u * size).astype(np.int64), size - 1)
    g = tables.probit_fraction[product, cell]
    return ndtr(g + tables.loading * z) * tables.net_factor


def net_recovery(exposure, appraisal, ip_fraction, workout):
    """Total recovery, CNY (or per CNY): ``min(EAD, workout·EAD + appraisal·ip_fraction)``."""
    return np.minimum(exposure, workout * exposure + appraisal * ip_fraction)


def guarantor_failure_probability(terms: GuarantorTerms, z):
    """``Φ((Φ⁻¹(pd_g) − √R·z)/√(1 − R))``: the guarantor fails to pay, given the factor ``z``."""
    return ndtr((terms.threshold - np.sqrt(terms.r) * np.asarray(z, dtype=float)) / np.sqrt(1.0 - terms.r))


def guarantor_shortfall(terms: GuarantorTerms | None, owed: np.ndarray, fails: np.ndarray) -> np.ndarray:
    """What the guarantor does not pay of ``owed`` (CNY), moved to the bank; ``fails`` boolean."""
    if terms is None:
        return np.zeros_like(owed)
    return np.where(fails, owed * (1.0 - terms.recovery), 0.0)


@dataclass(frozen=True)
class RecoveryDraw:
    """Recovery of a batch of defaults (shape (n,)), CNY or per CNY like ``exposure``."""

    recovery: np.ndarray
    ip: np.ndarray  # recovered from the IP before the EAD limit
    workout: np.ndarray  # recovered from the borrower before the EAD limit
    guarantor_fails: np.ndarray  # bool


def draw_recovery(tables: SourceTables, exposure, appraisal, ip_type, product, z, rng: np.random.Generator) -> RecoveryDraw:
    """Draw every source's recovery for ``n = z.size`` defaults.

    Uniforms drawn from ``rng``: 2 per default (IP sale, disposal time) when only the IP is
    modelled — the draw order of the IP-only model, so results without other sources are
    unchanged — otherwise 4 (plus workout, guarantor) as one ``(4, n)`` block.
    """
    n = z.size
    extra = tables.workout is not None or tables.guarantor is not None
    u = rng.random((4 if extra else 2, n))
    ip_frac = recovery_fraction(tables.ip, ip_type, u[0], u[1], z)
    w_frac = np.zeros(n) if tables.workout is None else workout_fraction(tables.workout, product, u[2], z)
    fails = np.zeros(n, bool)
    if tables.guarantor is not None:
        fails = u[3] < guarantor_failure_probability(tables.guarantor, z)
    rec = net_recovery(exposure, appraisal, ip_frac, w_frac)
    return RecoveryDraw(rec, appraisal * ip_frac, w_frac * exposure, fails)


__all__ = [
    "PRODUCTS",
    "GuarantorTerms",
    "RecoveryDraw",
    "SourceTables",
    "WorkoutTables",
    "build_source_tables",
    "build_workout_tables",
    "draw_recovery",
    "guarantor_failure_probability",
    "guarantor_shortfall",
    "guarantor_terms",
    "net_recovery",
    "workout_fraction",
]
