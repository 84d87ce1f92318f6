"""A discrete loss distribution and the summary numbers banks read from it.

:class:`LossDistribution` holds losses on a support (CNY, ascending) and their probabilities;
the exact default-count and CreditRisk+ functions return one so that mean, quantile (VaR) and
expected shortfall are computed the same way everywhere. :func:`discretise_to_grid` moves an
arbitrary discrete distribution onto an equally spaced loss grid, preserving total mass and mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.credit.analytics._checks import as_float_array, check_probability, fail

__all__ = ["LossDistribution", "discretise_to_grid"]


@dataclass(frozen=True)
class LossDistribution:
    """Discrete distribution of portfolio loss.

    Attributes
    ----------
    losses : numpy.ndarray
        Loss values in CNY, shape ``(m,)``, strictly increasing.
    pmf : numpy.ndarray
        Probabilities, shape ``(m,)``, non-negative. They sum to 1 up to rounding, or to less
        than 1 when the support was truncated (the missing mass lies above ``losses[-1]``;
        see :attr:`tail_mass`).
    """

    losses: np.ndarray
    pmf: np.ndarray

    def __post_init__(self):
        losses = as_float_array("losses", self.losses)
        pmf = as_float_array("pmf", self.pmf)
        if losses.ndim != 1 or losses.shape != pmf.shape or losses.size == 0:
            raise fail("pmf", "losses and pmf must be 1-D arrays of the same non-zero length")
        if np.any(np.diff(losses) <= 0) or not np.all(np.isfinite(losses)):
            raise fail("losses", "must be finite and strictly increasing")
        if np.any(~np.isfinite(pmf) | (pmf < 0)) or pmf.sum() > 1 + 1e-9:
            raise fail("pmf", "must be non-negative probabilities summing to at most 1")
        object.__setattr__(self, "losses", losses)
        object.__setattr__(self, "pmf", pmf)

    @property
    def tail_mass(self) -> float:
        """Probability not represented on the support (beyond ``losses[-1]``), ≥ 0."""
        return float(max(0.0, 1.0 - self.pmf.sum()))

    def mean(self) -> float:
        """Expected loss in CNY over the represented support."""
        return float(np.dot(self.losses, self.pmf))

    def variance(self) -> float:
        """Loss variance in CNY² over the represented support."""
        m = self.mean()
        return float(np.dot((self.losses - m) ** 2, self.pmf))

    def cdf(self, x):
        """``P(L ≤ x)`` for loss level(s) ``x`` in CNY; shape of ``x``."""
        x = as_float_array("x", x)
        cum = np.cumsum(self.pmf)
        idx = np.searchsorted(self.losses, x, side="right")
        out = np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0)
        return out[()] if out.ndim == 0 else out

    def quantile(self, alpha):
        """Value-at-risk: smallest support loss ``l`` with ``P(L ≤ l) ≥ α`` (CNY).

        Raises InputError if α lies in the truncated tail (the quantile is not on the support).
        """
        alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
        cum = np.cumsum(self.pmf)
        idx = np.searchsorted(cum, alpha - 1e-12, side="left")
        if np.any(idx >= cum.size):
            raise fail(
                "alpha", f"lies beyond the represented support (tail mass {self.tail_mass:.3g})"
            )
        out = self.losses[idx]
        return out[()] if np.ndim(out) == 0 else out

    def expected_shortfall(self, alpha: float) -> float:
        """Expected shortfall (CVaR) at level α, in CNY (Acerbi & Tasche 2002 definition).

        ``ES_α = (E[L·1{L > q}] + q·(P(L ≤ q) − α)) / (1 − α)`` with ``q`` the α-quantile; this
        is the mean of the worst ``1 − α`` of outcomes, splitting the atom at ``q``.
        """
        alpha = float(check_probability("alpha", alpha, open_low=True, open_high=True))
        if self.tail_mass > 1e-9 * (1 - alpha):
            raise fail(
                "alpha", f"expected shortfall needs the full tail; tail mass {self.tail_mass:.3g}"
            )
        q = float(self.quantile(alpha))
        above = self.losses > q
        return float(
            (np.dot(self.losses[above], self.pmf[above]) + q * (float(self.cdf(q)) - alpha))
            / (1 - alpha)
        )


def discretise_to_grid(losses, pmf, step: float, n_points: int | None = None) -> LossDistribution:
    """Move a discrete loss distribution onto the grid ``0, step, 2·step, …``.

    Each atom at loss ``l`` is split between the two neighbouring grid points in proportion to
    its distance from them (linear / "mean-preserving" rounding), so total mass and the mean are
    kept exactly; atoms on grid points are moved unchanged. Mass beyond the last grid point is
    dropped (it shows up as :attr:`LossDistribution.tail_mass`).

    Parameters
    ----------
    losses : array_like
        Loss values in CNY, shape ``(m,)``, ≥ 0.
    pmf : array_like
        Their probabilities, shape ``(m,)``.
    step : float
        Grid spacing in CNY, > 0.
    n_points : int, optional
        Number of grid points; default enough to hold the largest loss.

    Returns
    -------
    LossDistribution
        Distribution on ``step · arange(n_points)``.
    """
    losses = as_float_array("losses", losses)
    pmf = as_float_array("pmf", pmf)
    if losses.shape != pmf.shape or losses.ndim != 1:
        raise fail("pmf", "losses and pmf must be 1-D arrays of the same length")
    if np.any(losses < 0) or not np.all(np.isfinite(losses)):
        raise fail("losses", "must be finite and non-negative")
    if not (np.isfinite(step) and step > 0):
        raise fail("step", f"must be a positive amount in CNY; got {step!r}")
    pos = losses / step
    near = np.rint(pos)
    pos = np.where(np.abs(pos - near) <= 1e-9 * np.maximum(1.0, near), near, pos)  # float noise
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    if n_points is None:
        n_points = int(np.ceil(pos.max())) + 1 if losses.size else 1
    out = np.zeros(n_points)
    keep_lo = lo < n_points
    np.add.at(out, lo[keep_lo], (pmf * (1.0 - frac))[keep_lo])
    hi = lo + 1
    keep_hi = (hi < n_points) & (frac > 0)
    np.add.at(out, hi[keep_hi], (pmf * frac)[keep_hi])
    return LossDistribution(step * np.arange(n_points), out)
