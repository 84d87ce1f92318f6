"""Public-market equivalents (KS-PME, LN-PME, PME+, direct alpha), vectorised over paths.

Conventions
-----------
* ``contributions`` and ``distributions`` are positive amounts in CNY per time step, shape
  ``(n_steps,)`` or ``(n_paths, n_steps)``, as in :mod:`fundsvc.metrics.multiples`.
* ``nav`` is the fund's NAV at the **last** step (terminal, shape ``flows.shape[:-1]``, or a
  series with the flows' shape whose last value is used).
* ``index`` is the level (total-return, positive) of the public index at each step, shape
  ``(n_steps,)`` shared by all paths or ``(n_paths, n_steps)`` per path. Flows at step ``t`` are
  compounded to the last step ``T`` by ``I_T / I_t``.
* Steps are regular periods; IRRs are annualised with ``periods_per_year`` (1 for annual steps,
  4 for quarterly).

With Wikipedia's example (annual steps; the final NAV is a step of its own): contributions
``[100, 50, 0, 0, 0]``, distributions ``[0, 0, 60, 10, 0]``, NAV 110, index
``[100, 105, 115, 117, 120]`` give fund IRR 6.43 %, LN-PME NAV 104.28 and IRR 5.30 %,
KS-PME 1.0323, direct alpha 1.090 % (continuous 1.084 %).

References
----------
Long & Nickels (1996) for LN-PME; Kaplan & Schoar (2005), J. Finance 60(4), for KS-PME;
Rouvinez (2003), "Private equity benchmarking with PME+", Venture Capital Journal, for PME+;
Gredil, Griffiths & Stucke (2014), "Benchmarking private equity: the direct alpha method", for
direct alpha.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.metrics._checks import as_float_array, bad_input, check_positive_scalar
from fundsvc.metrics.multiples import _flows, _ratio, _signed, _terminal_nav
from fundsvc.metrics.rates import IrrResult, irr_result


@dataclass(frozen=True, slots=True)
class LnPmeResult:
    """Long–Nickels PME of one or many funds.

    Attributes
    ----------
    nav : ndarray, shape () or (n_paths,)
        Value in CNY at the last step of investing the contributions in the index and selling
        index units for the distributions; negative when the fund distributed more than the
        index investment was worth (LN-PME's known weakness, which PME+ avoids).
    irr : IrrResult
        IRR per year of the fund's flows with ``nav`` in place of the fund's NAV.
    """

    nav: np.ndarray
    irr: IrrResult


@dataclass(frozen=True, slots=True)
class PmePlusResult:
    """Rouvinez's PME+ of one or many funds.

    Attributes
    ----------
    scale : ndarray, shape () or (n_paths,)
        Factor ``lambda`` applied to distributions so that the index investment ends at the
        fund's NAV; NaN where there are no distributions.
    irr : IrrResult
        IRR per year of contributions, scaled distributions and the fund's NAV.
    """

    scale: np.ndarray
    irr: IrrResult


@dataclass(frozen=True, slots=True)
class DirectAlphaResult:
    """Direct alpha of one or many funds (Gredil, Griffiths & Stucke 2014).

    Attributes
    ----------
    discrete : ndarray, shape () or (n_paths,)
        Annual excess return, compounded (the IRR of the index-compounded flows, annualised).
    continuous : ndarray, shape like ``discrete``
        Continuously compounded annual excess return, ``log(1 + discrete)``.
    status : ndarray of int8
        :class:`fundsvc.metrics.IrrStatus` codes of the underlying IRR.
    """

    discrete: np.ndarray
    continuous: np.ndarray
    status: np.ndarray


def _growth_to_end(index, flows_shape: tuple[int, ...]) -> np.ndarray:
    """``I_T / I_t`` broadcast to the flows' shape."""
    idx = as_float_array(index, "index")
    if idx.shape[-1] != flows_shape[-1]:
        raise bad_input("index", f"has {idx.shape[-1]} steps but the flows have "
                        f"{flows_shape[-1]}; give one index level per step")
    if not np.all(np.isfinite(idx) & (idx > 0)):
        raise bad_input("index", "index levels must be positive and finite")
    growth = idx[..., -1:] / idx
    try:
        return np.broadcast_to(growth, np.broadcast_shapes(growth.shape, flows_shape))
    except ValueError:
        raise bad_input("index", f"shape {idx.shape} does not fit flows of shape "
                        f"{flows_shape}; use (n_steps,) or (n_paths, n_steps)") from None


def _inputs(contributions, distributions, nav, index):
    c, d = _flows(contributions, distributions)
    growth = _growth_to_end(index, np.broadcast_shapes(c.shape, d.shape))
    shape = growth.shape
    return np.broadcast_to(c, shape), np.broadcast_to(d, shape), _terminal_nav(nav, shape), growth


def ks_pme(contributions, distributions, nav, index):
    """Kaplan–Schoar PME: index-compounded distributions plus NAV over compounded contributions.

    ``KS-PME = (sum_t D_t I_T/I_t + NAV_T) / sum_t C_t I_T/I_t``; above 1 the fund beat the
    index. Shapes and units as in the module docstring.

    Returns
    -------
    float or ndarray, shape (n_paths,)
    """
    c, d, nav_t, growth = _inputs(contributions, distributions, nav, index)
    return _ratio((d * growth).sum(axis=-1) + nav_t, (c * growth).sum(axis=-1))


def ln_pme(contributions, distributions, nav, index, *, periods_per_year: float = 1) -> LnPmeResult:
    """Long–Nickels PME: NAV of the mirrored index investment and the IRR it implies.

    The index investment buys the index with every contribution and sells it for every
    distribution, so its value at the last step is ``sum_t (C_t - D_t) I_T / I_t``. The LN-PME
    IRR is the IRR of the fund's flows with that value in place of the fund's NAV.

    Parameters
    ----------
    contributions, distributions, nav, index : array_like
        As in the module docstring.
    periods_per_year : float, default 1
        Steps per year, for annualising the IRR.
    """
    ppy = check_positive_scalar(periods_per_year, "periods_per_year")
    c, d, _, growth = _inputs(contributions, distributions, nav, index)
    pme_nav = ((c - d) * growth).sum(axis=-1)
    return LnPmeResult(np.asarray(pme_nav), irr_result(_signed(c, d, pme_nav), periods_per_year=ppy))


def pme_plus(contributions, distributions, nav, index, *, periods_per_year: float = 1) -> PmePlusResult:
    """Rouvinez's PME+: distributions scaled by ``lambda`` so the index investment ends at NAV.

    ``lambda = (sum_t C_t I_T/I_t - NAV_T) / sum_t D_t I_T/I_t``; the PME+ IRR is the IRR of
    ``-C_t + lambda D_t`` with the fund's NAV at the last step. Parameters as :func:`ln_pme`.
    """
    ppy = check_positive_scalar(periods_per_year, "periods_per_year")
    c, d, nav_t, growth = _inputs(contributions, distributions, nav, index)
    scale = _ratio((c * growth).sum(axis=-1) - nav_t, (d * growth).sum(axis=-1))
    scaled = np.asarray(scale)[..., None] * d
    return PmePlusResult(np.asarray(scale), irr_result(_signed(c, scaled, nav_t), periods_per_year=ppy))


def direct_alpha(contributions, distributions, nav, index, *,
                 periods_per_year: float = 1) -> DirectAlphaResult:
    """Direct alpha: the IRR of all flows compounded to the last step with the index.

    ``discrete`` is that IRR annualised with ``periods_per_year``; ``continuous`` is
    ``log(1 + discrete)``. Parameters as :func:`ln_pme`.
    """
    ppy = check_positive_scalar(periods_per_year, "periods_per_year")
    c, d, nav_t, growth = _inputs(contributions, distributions, nav, index)
    res = irr_result(_signed(c * growth, d * growth, nav_t), periods_per_year=ppy)
    with np.errstate(invalid="ignore"):
        continuous = np.asarray(np.log1p(res.rate))
    return DirectAlphaResult(res.rate, continuous, res.status)


__all__ = [
    "DirectAlphaResult",
    "LnPmeResult",
    "PmePlusResult",
    "direct_alpha",
    "ks_pme",
    "ln_pme",
    "pme_plus",
]
