"""How strongly equity and credit outcomes move together across paths (stored with every run
that has both sides, as the run table ``equity_credit_link``).

* **Rank correlation** (Spearman) of the guidance fund's net loss (paid in − distributed − NAV,
  CNY; positive = loss) and the credit side's total loss over the horizon (CNY, the ``total``
  entity: banks + guarantors + insurers + pools), with the standard error
  ``sqrt(1.06 / (n − 3)) · (1 − ρ²)`` (Fieller, Hartley & Pearson 1957, *Biometrika* 44).
  0 if the two were independent.
* **Joint tail** ``P(credit loss ≥ its P95 | equity ≤ its P5)``: among the paths whose guidance
  TVPI is at or below its 5 % quantile, the share whose credit loss is at or above its 95 %
  quantile (``numpy.quantile``, linear interpolation); 0.05 if the two were independent;
  binomial standard error ``sqrt(p(1 − p)/m)``, ``m`` the number of bad-equity paths.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy.stats import rankdata

RANK_CORRELATION = "rank_correlation"
JOINT_TAIL = "joint_tail"
TAIL_Q = 0.05
"""Tail probability on each side of the joint tail (P5 of equity, P95 of credit)."""


@dataclass(frozen=True)
class EquityCreditLink:
    """Rank correlation and joint tail of equity and credit losses over ``n_paths`` paths."""

    n_paths: int
    spearman: float
    spearman_se: float
    joint_tail: float
    joint_tail_se: float
    independent_joint_tail: float = TAIL_Q

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> pl.DataFrame:
        """The run table ``equity_credit_link`` (schema in :mod:`fundsvc.simulation.registry`)."""
        return pl.DataFrame({
            "figure": [RANK_CORRELATION, JOINT_TAIL],
            "estimate": [self.spearman, self.joint_tail],
            "se": [self.spearman_se, self.joint_tail_se],
            "independent": [0.0, self.independent_joint_tail],
            "paths": [self.n_paths, self.n_paths],
        }, schema={"figure": pl.Utf8, "estimate": pl.Float64, "se": pl.Float64, "independent": pl.Float64,
                   "paths": pl.Int64})

    @classmethod
    def from_table(cls, table: pl.DataFrame) -> EquityCreditLink:
        """Inverse of :meth:`table`."""
        rows = {r["figure"]: r for r in table.iter_rows(named=True)}
        rc, jt = rows[RANK_CORRELATION], rows[JOINT_TAIL]
        return cls(int(rc["paths"]), rc["estimate"], rc["se"], jt["estimate"], jt["se"], jt["independent"])


def link_view(table: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """The stored ``equity_credit_link`` table as text for a reader: ``figure`` (catalogue label),
    ``estimate_pm`` (``value ± s.e.``) and ``independent`` (the benchmark), through
    :mod:`fundsvc.formatting` (the correlation with 2 decimals — its s.e. is a few hundredths at
    the usual path counts — the joint tail in percent)."""
    from fundsvc.catalogue import label
    from fundsvc.formatting import Kind, fmt, row_kind

    rows = []
    for r in table.iter_rows(named=True):
        kind = row_kind(r["figure"]) or Kind.NUMBER
        digits = 2 if kind is Kind.NUMBER else 1
        est = fmt(r["estimate"], kind, lang=lang, digits=digits)
        if r["se"] is not None and np.isfinite(r["se"]):
            est += " ± " + fmt(r["se"], kind, lang=lang, digits=digits)
        rows.append({"figure": label(r["figure"], lang), "estimate_pm": est,
                     "independent": fmt(r["independent"], kind, lang=lang, digits=digits if kind is Kind.NUMBER else 1)})
    return pl.DataFrame(rows, schema={"figure": pl.Utf8, "estimate_pm": pl.Utf8, "independent": pl.Utf8})


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rank correlation of paired samples (n,) and its approximate standard error."""
    n = x.shape[0]
    rx, ry = rankdata(x), rankdata(y)
    rho = float(np.corrcoef(rx, ry)[0, 1]) if n > 2 and rx.std() > 0 and ry.std() > 0 else float("nan")
    se = float(np.sqrt(1.06 / (n - 3)) * (1 - rho**2)) if n > 3 else float("nan")
    return rho, se


def joint_tail(equity_result: np.ndarray, credit_loss: np.ndarray, q: float = TAIL_Q) -> tuple[float, float]:
    """``P(credit_loss ≥ its (1−q) quantile | equity_result ≤ its q quantile)`` and its SE, shapes (n,)."""
    bad_eq = equity_result <= np.quantile(equity_result, q)
    high_cr = credit_loss >= np.quantile(credit_loss, 1 - q)
    m = int(bad_eq.sum())
    if m == 0:
        return float("nan"), float("nan")
    p = float(high_cr[bad_eq].mean())
    return p, float(np.sqrt(p * (1 - p) / m))


def link_of(equity_loss: np.ndarray, equity_tvpi: np.ndarray, credit_loss: np.ndarray) -> EquityCreditLink:
    """The link from per-path arrays (n,): guidance net loss (CNY), guidance TVPI, credit loss (CNY)."""
    rho, se = spearman(equity_loss, credit_loss)
    jt, jt_se = joint_tail(equity_tvpi, credit_loss)
    return EquityCreditLink(int(equity_loss.shape[0]), rho, se, jt, jt_se)


def link_of_paths(equity_paths: pl.LazyFrame, credit_paths: pl.LazyFrame) -> EquityCreditLink | None:
    """The link from the path-level tables ``equity_paths`` and ``credit_paths`` (None without a
    guidance fund, a credit ``total`` or with unequal path sets)."""
    from fundsvc.assessment.indicators import net_cost

    g = (equity_paths.filter(pl.col("entity") == "guidance")
         .select("path", "paid_in_cny", "distributed_cny", "nav_cny", "tvpi").sort("path").collect())
    tot = credit_paths.filter(pl.col("entity") == "total").select("path", "loss_horizon").sort("path").collect()
    if not g.height or g.height != tot.height or not (g["path"] == tot["path"]).all():
        return None
    eq_loss = net_cost(g["paid_in_cny"], g["distributed_cny"], g["nav_cny"])
    return link_of(eq_loss, g["tvpi"].to_numpy(), tot["loss_horizon"].to_numpy())


def equity_credit_link(result) -> EquityCreditLink | None:
    """The link of a :class:`~fundsvc.simulation.result.SimulationResult`: its stored table, else
    computed from its path-level tables (None without both sides)."""
    table = getattr(result, "equity_credit_link", None)
    if table is not None and table.height:
        return EquityCreditLink.from_table(table)
    try:
        return link_of_paths(result.scan("equity_paths"), result.scan("credit_paths"))
    except KeyError:
        return None


__all__ = ["JOINT_TAIL", "RANK_CORRELATION", "EquityCreditLink", "equity_credit_link", "joint_tail", "link_of",
           "link_of_paths", "link_view", "spearman"]
