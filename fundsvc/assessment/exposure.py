"""Combined fiscal exposure: guidance-fund losses and pool costs in the same simulated paths.

Conventions (CNY, undiscounted, a cost is positive):

* ``guidance_loss_cny`` = ``max(0, paid_in − distributed − NAV)`` of the guidance fund as a
  whole at the horizon (paid-in includes its own management cost; the NAV still held at the
  horizon counts at its simulated fair value).
* ``guidance_net_cost_cny`` = ``paid_in − distributed − NAV`` (a gain is negative).
* ``pool_cost_cny`` = Σ over pools of ``fiscal_cost`` = payouts − interest earned on the
  balance over the horizon (see ``fundsvc.credit.engine.outputs``); replenishments are
  transfers into the pool, not costs until paid out.
* ``combined_exposure_cny`` = ``guidance_loss_cny + pool_cost_cny``: what the programme may
  cost the city on that path (an equity gain is not netted against pool payouts);
  ``combined_net_cost_cny`` = ``guidance_net_cost_cny + pool_cost_cny`` nets it.

Both sides come from one simulated world: the run-wide ``path`` index is the same in the equity
and credit tables, so the sums are path by path.
"""

from __future__ import annotations

import numpy as np
import polars as pl

EXPOSURE_QUANTILES = (0.5, 0.75, 0.9, 0.95, 0.99)


def combined_exposure(equity_paths: pl.DataFrame | None, credit_paths: pl.DataFrame | None) -> pl.DataFrame:
    """Per path: guidance loss, net cost, each pool's fiscal cost, their sums.

    Parameters
    ----------
    equity_paths : polars.DataFrame or None
        The run's ``equity_paths`` (rows with ``entity == "guidance"`` are used).
    credit_paths : polars.DataFrame or None
        The run's ``credit_paths`` (rows with ``entity`` starting ``pool:``).

    Returns
    -------
    polars.DataFrame
        ``path``, ``guidance_loss_cny``, ``guidance_net_cost_cny``, ``pool_cost_cny``,
        ``cost_<pool id>`` per pool, ``combined_exposure_cny``, ``combined_net_cost_cny``;
        one row per path, sorted by path. A missing side counts as 0.
    """
    frames = []
    if equity_paths is not None and equity_paths.height:
        g = equity_paths.filter(pl.col("entity") == "guidance")
        net = pl.col("paid_in_cny") - pl.col("distributed_cny") - pl.col("nav_cny")
        frames.append(g.select("path", pl.max_horizontal(net, pl.lit(0.0)).alias("guidance_loss_cny"),
                               net.alias("guidance_net_cost_cny")))
    pools = pl.DataFrame()
    if credit_paths is not None and credit_paths.height:
        pools = credit_paths.filter(pl.col("entity").str.starts_with("pool:"))
    if pools.height:
        wide = (pools.select("path", pl.col("entity").str.replace("^pool:", "cost_"), pl.col("fiscal_cost").fill_nan(0.0))
                .pivot(on="entity", index="path", values="fiscal_cost", aggregate_function="sum"))
        cost_cols = [c for c in wide.columns if c != "path"]
        wide = wide.with_columns(pl.sum_horizontal(cost_cols).alias("pool_cost_cny"))
        frames.append(wide)
    if not frames:
        return pl.DataFrame(schema={"path": pl.Int64, "guidance_loss_cny": pl.Float64, "guidance_net_cost_cny": pl.Float64,
                                    "pool_cost_cny": pl.Float64, "combined_exposure_cny": pl.Float64,
                                    "combined_net_cost_cny": pl.Float64})
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, on="path", how="full", coalesce=True)
    for c in ("guidance_loss_cny", "guidance_net_cost_cny", "pool_cost_cny"):
        if c not in out.columns:
            out = out.with_columns(pl.lit(0.0).alias(c))
    out = out.with_columns(pl.col(c).fill_null(0.0) for c in out.columns if c != "path")
    out = out.with_columns(
        (pl.col("guidance_loss_cny") + pl.col("pool_cost_cny")).alias("combined_exposure_cny"),
        (pl.col("guidance_net_cost_cny") + pl.col("pool_cost_cny")).alias("combined_net_cost_cny"),
    )
    return out.sort("path")


def exposure_summary(paths: pl.DataFrame, quantiles=EXPOSURE_QUANTILES) -> pl.DataFrame:
    """Mean and quantiles over paths of every amount column of :func:`combined_exposure`.

    Returns
    -------
    polars.DataFrame
        ``component``, ``mean_cny``, ``p50`` … ``p99`` (CNY), ``p_positive`` (share of paths
        with a cost > 0).
    """
    rows = []
    for c in paths.columns:
        if c == "path":
            continue
        x = paths[c].to_numpy().astype(float)
        row = {"component": c, "mean_cny": float(x.mean()) if x.size else float("nan")}
        qs = np.quantile(x, quantiles) if x.size else [float("nan")] * len(quantiles)
        row.update({f"p{round(100 * q)}": float(v) for q, v in zip(quantiles, qs)})
        row["p_positive"] = float((x > 0).mean()) if x.size else float("nan")
        rows.append(row)
    return pl.DataFrame(rows)
