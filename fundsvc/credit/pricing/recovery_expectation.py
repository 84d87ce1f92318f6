"""The bank's expected loss at default from the engine's own recovery model (for loan pricing).

Pricing takes expectations of the *same* functions the credit engine draws
(:mod:`fundsvc.credit.engine.recovery_sources`: :func:`recovery_fraction` of the IP,
:func:`workout_fraction`, :func:`net_recovery`, :func:`guarantor_failure_probability`), on a
deterministic grid instead of random draws:

* the sector factor ``z`` on ``Z_NODES`` Gauss–Hermite nodes, weighted by where defaults happen
  (``φ(z)·PD(z)/PD`` with ``PD(z) = Φ((Φ⁻¹(PD) − √R·z)/√(1 − R))``: the *default-weighted* LGD,
  which is what the engine's loss per default averages to), or one node ``z = downturn_z``
  (downturn LGD);
* the IP sale on ``IP_CELLS`` equiprobable cells plus the no-sale atom, the disposal time on
  ``TIME_CELLS`` cells, the workout fraction on ``WORKOUT_CELLS`` cells (the engine's quantile
  tables at a coarser size, evaluated at the cells' mid uniforms).

Per default, with net loss ``L = 1 − min(1, w + A·x/EAD)`` (w workout fraction, x IP fraction of
the appraisal A), guarantee share ``g`` (guarantor fails with ``q(z)``, then pays ``ρ_g`` of its
share), insurance ``s``, pool share ``p`` with per-loan cap ``m_c = cap/EAD`` and payment
probability ``π``, the bank's loss per CNY of EAD is

    (1 − g·(1 − q(z)·(1 − ρ_g)) − s)·L − π·min(p·L, m_c),

the rule of :mod:`fundsvc.credit.pricing.loss_sharing` plus the guarantor's credit. The grid error against
the engine's 4096-cell tables is checked in the tests (well below the Monte Carlo error of a run).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from models.credit import IPRecoveryModel, IPType, LoanProduct
from models.recovery import RecoverySources

if TYPE_CHECKING:  # the engine's recovery tables load with the first sourced expectation, not on import
    from fundsvc.credit.engine.recovery_sources import SourceTables

Z_NODES = 16
IP_CELLS = 12
TIME_CELLS = 12
WORKOUT_CELLS = 12
assert IP_CELLS == TIME_CELLS == WORKOUT_CELLS  # one table size serves every source

#: Default sector-factor value of the downturn LGD: the 1-in-20-year factor Φ⁻¹(0.05) (assumption).
DOWNTURN_Z = -1.6448536269514722


class LGDMode(StrEnum):
    """Which LGD pricing uses."""

    AVERAGE = "average"  # closed form at z = 0, mean disposal time (fundsvc.credit.pricing.loss_sharing)
    DEFAULT_WEIGHTED = "default_weighted"  # engine model, weighted by the factor states of defaults
    DOWNTURN = "downturn"  # engine model at z = downturn_z


@dataclass(frozen=True, slots=True)
class SourcedTerms:
    """Loss-at-default inputs of one loan for the engine-consistent expectation.

    Attributes
    ----------
    tables : SourceTables
        Pricing-size tables of the scenario's recovery model.
    appraisal_cny : float
        Pledged IP appraisal (0 without IP).
    ip_type, product : int
        Index into IPType / PRODUCTS order.
    z, weight : ndarray (n_z,)
        Factor nodes and their probabilities (sum 1).
    """

    tables: SourceTables
    appraisal_cny: float
    ip_type: int
    product: int
    z: np.ndarray
    weight: np.ndarray

    @property
    def unsecured_recovery(self) -> float:
        """Expected workout recovery (fraction of EAD) over the factor weights; 0 without a workout model."""
        if self.tables.workout is None:
            return 0.0
        _, w = _points(self)
        return float(np.einsum("z,zk->", self.weight, w[:, 0, 0, :]) / w.shape[-1])


def _tables(ip: IPRecoveryModel, sources: RecoverySources | None) -> SourceTables:
    return _tables_of(ip.model_dump_json(), None if sources is None else sources.model_dump_json())


@lru_cache(maxsize=32)
def _tables_of(ip_json: str, sources_json: str | None) -> SourceTables:
    """Pricing-size tables (one size for every source so the mid uniforms hit each cell once)."""
    from fundsvc.credit.engine.recovery_sources import build_source_tables

    ip = IPRecoveryModel.model_validate_json(ip_json)
    src = None if sources_json is None else RecoverySources.model_validate_json(sources_json)
    return build_source_tables(ip, src, size=IP_CELLS)


@lru_cache(maxsize=4)
def _gauss_hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and probability weights of N(0, 1) (probabilists' Gauss–Hermite), read-only arrays."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def factor_weights(pd: float, r: float, mode: LGDMode, downturn_z: float = DOWNTURN_Z) -> tuple[np.ndarray, np.ndarray]:
    """Factor nodes and weights: default-weighted Gauss–Hermite, or the single downturn node."""
    if mode is LGDMode.DOWNTURN:
        return np.array([downturn_z]), np.array([1.0])
    from scipy.special import ndtr, ndtri  # on first use: a plain price-loan does not load scipy.special

    x, w = _gauss_hermite(Z_NODES)
    cond = ndtr((ndtri(pd) - np.sqrt(r) * x) / np.sqrt(1.0 - r))
    w = w * cond
    return x, w / w.sum()


def sourced_terms(ip: IPRecoveryModel, sources: RecoverySources | None, *, appraisal_cny: float, ip_type: IPType,
                  product: LoanProduct, pd: float, correlation: float, mode: LGDMode,
                  downturn_z: float = DOWNTURN_Z) -> SourcedTerms:
    """Build :class:`SourcedTerms` for one loan (``mode`` DEFAULT_WEIGHTED or DOWNTURN)."""
    from fundsvc.credit.engine.recovery_sources import PRODUCTS

    z, w = factor_weights(pd, correlation, mode, downturn_z)
    return SourcedTerms(_tables(ip, sources), float(appraisal_cny), list(IPType).index(IPType(ip_type)),
                        PRODUCTS.index(LoanProduct(product)), z, w)


def _mid(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def _points(t: SourcedTerms) -> tuple[np.ndarray, np.ndarray]:
    """IP fraction (n_z, 1 + IP_CELLS, TIME_CELLS, 1) and workout fraction (n_z, 1, 1, WORKOUT_CELLS)."""
    from fundsvc.credit.engine.recovery import recovery_fraction
    from fundsvc.credit.engine.recovery_sources import workout_fraction

    z = t.z[:, None, None, None]
    p = t.tables.ip.p_no_sale
    u_sale = np.concatenate([[0.5 * p], p + (1.0 - p) * _mid(IP_CELLS)])[None, :, None, None]
    u_time = _mid(TIME_CELLS)[None, None, :, None]
    ipf = recovery_fraction(t.tables.ip, np.int64(t.ip_type), u_sale, u_time, z)
    if t.tables.workout is None:
        w = np.zeros((t.z.size, 1, 1, 1))
    else:
        w = workout_fraction(t.tables.workout, np.int64(t.product), _mid(WORKOUT_CELLS)[None, None, None, :], z)
    return ipf, w


def _point_weights(t: SourcedTerms, n_w: int) -> np.ndarray:
    p = t.tables.ip.p_no_sale
    ip_w = np.concatenate([[p], np.full(IP_CELLS, (1.0 - p) / IP_CELLS)])
    return (t.weight[:, None, None, None] * ip_w[None, :, None, None] / TIME_CELLS / n_w)


def loss_moments(t: SourcedTerms, ead_cny, *, guarantee_share: float, insurance_share: float, pool_share: float,
                 pool_cap_cny: float | None, pool_pay_probability: float) -> tuple[np.ndarray, np.ndarray]:
    """``(E[L], E[bank loss])`` per CNY of EAD for each period, shapes (n_periods,).

    Parameters
    ----------
    t : SourcedTerms
    ead_cny : array_like (n_periods,)
        Exposure at default per period, CNY, > 0.
    guarantee_share, insurance_share, pool_share : float
        Shares of the net loss.
    pool_cap_cny : float or None
        Most the pool pays for the loan, CNY.
    pool_pay_probability : float
        Probability the pool pays.
    """
    from fundsvc.credit.engine.recovery_sources import guarantor_failure_probability, net_recovery

    ipf, w = _points(t)
    g_t = t.tables.guarantor
    q = guarantor_failure_probability(g_t, t.z) if g_t is not None else np.zeros(t.z.size)
    rho = g_t.recovery if g_t is not None else 1.0
    keep = 1.0 - guarantee_share * (1.0 - q * (1.0 - rho)) - insurance_share  # (n_z,)
    grid = np.broadcast_shapes(ipf.shape, w.shape)  # (n_z, ip, time, workout)
    flat = lambda a: np.broadcast_to(a, grid).reshape(1, -1)
    ead = np.atleast_1d(np.asarray(ead_cny, dtype=float))
    # net loss per CNY of EAD at each grid point, (n_periods, n_points)
    loss = 1.0 - net_recovery(1.0, t.appraisal_cny / ead[:, None], flat(ipf), flat(w))
    weight = flat(_point_weights(t, w.shape[-1]))
    bank = flat(keep[:, None, None, None]) * loss
    if pool_share > 0 and pool_pay_probability > 0:
        paid = pool_share * loss
        if pool_cap_cny is not None:
            paid = np.minimum(paid, (pool_cap_cny / ead)[:, None])
        bank = bank - pool_pay_probability * paid
    return (loss * weight).sum(axis=1), (bank * weight).sum(axis=1)

__all__ = ["DOWNTURN_Z", "LGDMode", "SourcedTerms", "factor_weights", "loss_moments", "sourced_terms"]
