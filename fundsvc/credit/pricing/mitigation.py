"""How the risk-sharing pool counts for capital (credit-risk mitigation), and IRB LGD floors.

Three explicit choices (:class:`CRMMethod`); the pool's *expected-loss* benefit is the same under
all three, only the capital changes:

* ``none`` — the pool is not recognised as credit-risk mitigation: capital as if there were no
  pool (standardised: the borrower's risk weight; IRB: the bank's LGD *before* the pool's cover).
  The prudent reading when the pool's payment is not unconditional and irrevocable (it can be
  refused by triggers, caps or depletion), which Basel requires of a guarantee (CRE22.71–22.72).
* ``substitution`` — the covered share ``c`` of the exposure takes the pool's risk weight
  ``RW_pool`` (Basel CRE22.79–22.81 for guarantees: the protected portion is weighted as a claim on
  the protection provider; proportional cover protects that proportion):
  standardised ``RW = (1 − c)·RW_borrower + c·RW_pool``; IRB ``RW = (1 − c)·12.5·K(LGD_no_pool) +
  c·RW_pool``. ``c = min(p, cap / EAD)`` on each year's balance, exposure-year weighted.
* ``lgd_adjustment`` (IRB only) — the pool's cover lowers the LGD in the IRB formula (the
  foundation-IRB treatment of guarantees in the advanced approach, CRE32.17–32.22), floored.

LGD floors (A-IRB, Basel III December 2017, CRE32.16): 25 % for unsecured corporate exposures
(pledged IP is not eligible collateral, so IP-pledged tech loans count as unsecured). The floor
applies to the LGD entering the IRB formula after any adjustment. Foundation IRB replaces the
bank's LGD with the supervisory value (40 % senior unsecured non-financial corporates under Basel
3.1, CRE32.5 / PRA PS1/26 Art. 161(1)(aa); 45 % before); no floor is needed there.

:data:`RW_POOL_DEFAULT` = 20 %: a government-funded pool treated as a claim on a regional
government or public-sector entity (Basel CRE20.11–20.16 allow sovereign-like or bank-like
weights; 20 % is the weight of an AA-rated sovereign or of PSEs treated as domestic regional
governments) — an assumption; pass the weight your supervisor accepts.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

__all__ = [
    "AIRB_LGD_FLOOR_UNSECURED",
    "FIRB_LGD_SENIOR_UNSECURED",
    "RW_POOL_DEFAULT",
    "CRMMethod",
    "IRBApproach",
    "covered_share",
    "floored_lgd",
    "substituted_risk_weight",
]

#: A-IRB LGD floor, unsecured corporate exposures (BCBS CRE32.16).
AIRB_LGD_FLOOR_UNSECURED = 0.25
#: F-IRB supervisory LGD, senior unsecured claims on non-financial corporates (Basel 3.1; 45 % before).
FIRB_LGD_SENIOR_UNSECURED = 0.40
#: Risk weight of the pool as protection provider (assumption, see the module docstring).
RW_POOL_DEFAULT = 0.20


class CRMMethod(StrEnum):
    """How the pool's cover enters capital."""

    NONE = "none"
    SUBSTITUTION = "substitution"
    LGD_ADJUSTMENT = "lgd_adjustment"

    @property
    def label_zh(self) -> str:
        return {"none": "不认可缓释", "substitution": "风险权重替代", "lgd_adjustment": "调整违约损失率"}[self.value]


class IRBApproach(StrEnum):
    """Advanced IRB (own LGD, floored) or foundation IRB (supervisory LGD)."""

    ADVANCED = "advanced"
    FOUNDATION = "foundation"


def floored_lgd(lgd, approach, floor=AIRB_LGD_FLOOR_UNSECURED, foundation_lgd=FIRB_LGD_SENIOR_UNSECURED):
    """LGD entering the IRB formula: ``max(lgd, floor)`` (advanced) or the supervisory value (foundation).

    Elementwise: ``approach`` is an :class:`IRBApproach` or a boolean array (True = foundation)
    broadcastable with ``lgd``, ``floor`` and ``foundation_lgd``; scalars in give a float.
    """
    if isinstance(approach, IRBApproach):
        if approach is IRBApproach.FOUNDATION:
            return foundation_lgd
        return max(float(lgd), floor)
    return np.where(approach, foundation_lgd, np.maximum(lgd, floor))


def covered_share(pool_share, cap_cny, ead_cny, weights):
    """Share of the exposure protected by the pool: ``min(p, cap/EAD_k)``, averaged with ``weights``
    (exposure-years per period). Shapes: ``ead_cny`` and ``weights`` (n_periods,), or
    (n_loans, n_periods) with ``pool_share`` and ``cap_cny`` (n_loans, 1) (NaN cap: none); the
    average over periods is a sequential sum, so padding with zero weights does not change it."""
    ead = np.asarray(ead_cny, dtype=float)
    c = np.broadcast_to(np.asarray(pool_share, dtype=float), ead.shape)
    if cap_cny is not None:
        cap = np.asarray(cap_cny, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(np.isnan(cap), c, np.minimum(c, cap / ead))
    w = np.asarray(weights, dtype=float)
    out = np.add.accumulate(c * w, axis=-1)[..., -1] / np.add.accumulate(w, axis=-1)[..., -1]
    return float(out) if out.ndim == 0 else out


def substituted_risk_weight(rw_borrower, covered, rw_pool):
    """``(1 − c)·RW_borrower + c·RW_pool`` (fractions; elementwise)."""
    return (1.0 - covered) * rw_borrower + covered * rw_pool
