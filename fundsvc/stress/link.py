"""How strongly equity and credit outcomes move together across paths.

* **Rank correlation** (Spearman) of the guidance fund's net loss (paid in − distributed − NAV,
  CNY; positive = loss) and the credit side's total loss over the horizon (CNY, the ``total``
  entity: banks + guarantors + insurers + pools), with the standard error
  ``sqrt(1.06 / (n − 3)) · (1 − ρ²)`` (Fieller, Hartley & Pearson 1957, *Biometrika* 44).
* **Joint tail** ``P(credit loss ≥ its P95 | equity ≤ its P5)``: among the 5 % of paths with the
  worst guidance-fund result (lowest TVPI), the share whose credit loss is at or above the
  credit P95; 0.05 if the two were independent; binomial standard error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy.stats import rankdata


@dataclass(frozen=True)
class EquityCreditLink:
    """Rank correlation and joint tail of equity and credit losses over ``n_paths`` paths."""

    n_paths: int
    spearman: float
    spearman_se: float
    joint_tail: float
    joint_tail_se: float
    independent_joint_tail: float = 0.05

    def to_dict(self) -> dict:
        return asdict(self)


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rank correlation of paired samples (n,) and its approximate standard error."""
    n = x.shape[0]
    rx, ry = rankdata(x), rankdata(y)
    rho = float(np.corrcoef(rx, ry)[0, 1]) if n > 2 and rx.std() > 0 and ry.std() > 0 else float("nan")
    se = float(np.sqrt(1.06 / (n - 3)) * (1 - rho**2)) if n > 3 else float("nan")
    return rho, se


def joint_tail(equity_result: np.ndarray, credit_loss: np.ndarray, q: float = 0.05) -> tuple[float, float]:
    """``P(credit_loss ≥ its (1−q) quantile | equity_result ≤ its q quantile)`` and its SE, shapes (n,)."""
    bad_eq = equity_result <= np.quantile(equity_result, q)
    high_cr = credit_loss >= np.quantile(credit_loss, 1 - q)
    m = int(bad_eq.sum())
    if m == 0:
        return float("nan"), float("nan")
    p = float(high_cr[bad_eq].mean())
    return p, float(np.sqrt(p * (1 - p) / m))


def equity_credit_link(result) -> EquityCreditLink | None:
    """The link for a :class:`~fundsvc.simulation.result.SimulationResult` (None without both sides)."""
    arrays = result.arrays()
    eq, cr = arrays.get("equity_paths"), arrays.get("credit_paths")
    if eq is None or cr is None or not eq.height or not cr.height:
        return None
    g = eq.filter(pl.col("entity") == "guidance").sort("path")
    tot = cr.filter(pl.col("entity") == "total").sort("path")
    if not g.height or g.height != tot.height:
        return None
    from fundsvc.assessment.indicators import net_cost

    eq_loss = net_cost(g["paid_in_cny"], g["distributed_cny"], g["nav_cny"])
    cr_loss = tot["loss_horizon"].to_numpy()
    rho, se = spearman(eq_loss, cr_loss)
    jt, jt_se = joint_tail(g["tvpi"].to_numpy(), cr_loss)
    return EquityCreditLink(g.height, rho, se, jt, jt_se)


__all__ = ["EquityCreditLink", "equity_credit_link", "joint_tail", "spearman"]
