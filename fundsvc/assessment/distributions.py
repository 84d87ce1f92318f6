"""Fund-level distributions of the guidance fund as a whole, at the horizon and at every quarter.

Horizon: from the run's ``equity_paths`` (rows of entity ``guidance``), one value per path:
IRR (per year; a path losing everything counts as −100 %, other undefined IRRs are left out and
counted), TVPI, DPI, RVPI, loss ratio (容亏率), net cost (CNY), KS-PME and direct alpha against
the simulated public index. Reporting dates: the run's ``equity_quantiles`` (TVPI, DPI, loss
ratio, IRR to date, paid-in at every quarter end).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fundsvc.assessment.indicators import loss_ratio, net_cost
from fundsvc.metrics.uncertainty import mean_se, quantile_interval

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = tuple(f"p{round(100 * q)}" for q in QUANTILES)
HORIZON_MEASURES = ("irr", "tvpi", "dpi", "rvpi", "loss_ratio", "net_cost_cny", "ks_pme", "direct_alpha")
DATE_MEASURES = ("tvpi", "dpi", "loss_ratio", "irr_to_date", "paid_in")


def guidance_path_metrics(equity_paths: pl.DataFrame, entity: str = "guidance") -> dict[str, np.ndarray]:
    """Per-path metrics of one entity, sorted by path, each shape (n_paths,)."""
    g = equity_paths.filter(pl.col("entity") == entity).sort("path")
    p, d, v = (g[c].to_numpy().astype(float) for c in ("paid_in_cny", "distributed_cny", "nav_cny"))
    t = g["tvpi"].to_numpy().astype(float)
    r = g["irr"].to_numpy().astype(float)
    r = np.where(np.isnan(r) & (t == 0), -1.0, r)
    out = {"path": g["path"].to_numpy(), "irr": r, "tvpi": t, "dpi": g["dpi"].to_numpy().astype(float),
           "rvpi": g["rvpi"].to_numpy().astype(float), "loss_ratio": loss_ratio(p, d, v),
           "net_cost_cny": net_cost(p, d, v), "ks_pme": g["ks_pme"].to_numpy().astype(float),
           "direct_alpha": g["direct_alpha"].to_numpy().astype(float), "paid_in_cny": p}
    return out


def summarise(values: dict[str, np.ndarray], measures=HORIZON_MEASURES) -> pl.DataFrame:
    """measure, mean, mean_se, p5 … p95, p50_lo, p50_hi (95 % Monte Carlo interval of the median,
    order statistics), n_defined (paths with a finite value), over paths."""
    rows = []
    for m in measures:
        x = np.asarray(values[m], float)
        ok = x[np.isfinite(x)]
        mean, se = mean_se(ok) if ok.size else (float("nan"), float("nan"))
        row = {"measure": m, "mean": float(mean), "mean_se": float(se)}
        qs = np.quantile(ok, QUANTILES) if ok.size else [float("nan")] * len(QUANTILES)
        row.update({c: float(q) for c, q in zip(QCOLS, qs)})
        lo, hi = quantile_interval(ok, 0.5) if ok.size else (float("nan"), float("nan"))
        row.update(p50_lo=float(lo), p50_hi=float(hi), n_defined=int(ok.size))
        rows.append(row)
    return pl.DataFrame(rows)


def reporting_dates(equity_quantiles: pl.DataFrame | None, entity: str = "guidance",
                    measures=DATE_MEASURES) -> pl.DataFrame:
    """Quantiles P5 … P95 of the whole fund's measures at every quarter end (long format)."""
    if equity_quantiles is None or equity_quantiles.height == 0:
        return pl.DataFrame()
    return (equity_quantiles.filter((pl.col("entity") == entity) & pl.col("measure").is_in(list(measures)))
            .select("step", "date", "measure", *QCOLS).sort("measure", "step"))
