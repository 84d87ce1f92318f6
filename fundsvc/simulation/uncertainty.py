"""Error columns of a run's summary tables and its headline figures (Monte Carlo error).

Built on :mod:`fundsvc.metrics.uncertainty`; works on one per-path column at a time (the columns
the streaming reducer spools), so it adds no memory beyond what the reducer already holds.

Column names: for a figure ``f`` the standard error is ``f_se`` and a 95 % interval ``f_lo`` /
``f_hi`` — e.g. ``tvpi_mean``, ``tvpi_mean_se``, ``tvpi_p50_lo``, ``tvpi_p50_hi``, ``p_loss_se``.
In the long loss-measure table every row gets ``se``, ``lo`` and ``hi``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fundsvc.formatting import Kind
from fundsvc.metrics.risk import expected_shortfall, value_at_risk
from fundsvc.metrics.uncertainty import (
    DEFAULT_LEVEL,
    es_standard_error,
    mean_se,
    proportion_se,
    quantile_interval,
    relative_half_width,
    wilson_interval,
    z_value,
)

#: Measures of the equity summary that get means and percentile intervals.
EQUITY_MEASURES = ("tvpi", "dpi", "irr")


def equity_error_columns(columns: dict[str, np.ndarray], quantiles, names,
                         level: float = DEFAULT_LEVEL) -> dict[str, float]:
    """Means with standard errors and percentile intervals for one entity.

    Parameters
    ----------
    columns : dict of str to ndarray, each shape (n_paths,)
        ``tvpi``, ``dpi``, ``irr`` (per year; NaN where undefined; −1 for total losses as in
        :func:`fundsvc.simulation.reduce.irr_with_total_loss`) and ``loss`` (0/1).
    quantiles, names : sequences
        The summary's percentile levels and their column names (``p5`` …).

    Returns
    -------
    dict of str to float
        ``{m}_mean``, ``{m}_mean_se``, ``{m}_{name}_lo``, ``{m}_{name}_hi`` per measure, and
        ``p_loss_se``, ``p_loss_lo``, ``p_loss_hi`` (Wilson).
    """
    out: dict[str, float] = {}
    for m in EQUITY_MEASURES:
        x = np.asarray(columns[m], float)
        mean, se = mean_se(x)
        out[f"{m}_mean"], out[f"{m}_mean_se"] = float(mean), float(se)
        lo, hi = quantile_interval(x, np.asarray(quantiles, float), level)
        for name, a, b in zip(names, np.atleast_1d(lo), np.atleast_1d(hi)):
            out[f"{m}_{name}_lo"], out[f"{m}_{name}_hi"] = float(a), float(b)
    loss = np.asarray(columns["loss"], float)
    n = loss.size
    k = float(loss.sum())
    out["p_loss_se"] = float(proportion_se(k / n, n)) if n else float("nan")
    lo, hi = wilson_interval(k, n, level)
    out["p_loss_lo"], out["p_loss_hi"] = float(lo), float(hi)
    return out


def equity_error_frame(frame: pl.DataFrame, quantiles, names, level: float = DEFAULT_LEVEL) -> pl.DataFrame:
    """:func:`equity_error_columns` per entity of a path-level equity frame (``entity``, ``tvpi``,
    ``dpi``, ``irr`` with total losses at −1, ``loss``); one row per entity, in order."""
    rows = []
    for sub in frame.partition_by("entity", maintain_order=True):
        cols = {c: sub.get_column(c).cast(pl.Float64).to_numpy() for c in (*EQUITY_MEASURES, "loss")}
        rows.append({"entity": sub["entity"][0], **equity_error_columns(cols, quantiles, names, level)})
    return pl.DataFrame(rows)


def loss_measure_rows(name: str, window: str, x: np.ndarray, levels, level: float = DEFAULT_LEVEL) -> list[tuple]:
    """Rows ``(entity, window, measure, level, value, se, lo, hi)`` for one loss column.

    EL: mean ± z·SE. UL (standard deviation): SE from ``Var(s) ≈ (m4 − s⁴) / (4 s² n)``. VaR:
    order-statistic interval, ``se`` = its half-width / z. ES: plug-in SE, interval ± z·SE.
    Losses in CNY, shape (n_paths,).
    """
    z = z_value(level)
    n = x.size
    el, el_se = mean_se(x)
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    if n > 1 and sd > 0:
        m4 = float(((x - el) ** 4).mean())
        sd_se = float(np.sqrt(max(m4 - sd ** 4, 0.0) / (4 * sd * sd * n)))
    else:
        sd_se = 0.0 if n > 1 else float("nan")
    rows = [(name, window, "el", None, float(el), float(el_se), el - z * el_se, el + z * el_se),
            (name, window, "ul", None, sd, sd_se, sd - z * sd_se, sd + z * sd_se)]
    lv = np.asarray(levels, float)
    var = value_at_risk(x, lv)
    es = expected_shortfall(x, lv)
    vlo, vhi = quantile_interval(x, lv, level)
    es_se = es_standard_error(x, lv, var)
    for a, v, e, lo, hi, s in zip(lv, var, es, np.atleast_1d(vlo), np.atleast_1d(vhi), np.atleast_1d(es_se)):
        rows.append((name, window, "var", float(a), float(v), float((hi - lo) / (2 * z)), float(lo), float(hi)))
        rows.append((name, window, "es", float(a), float(e), float(s), float(e - z * s), float(e + z * s)))
    return rows


LOSS_MEASURE_SCHEMA = {"entity": pl.Utf8, "window": pl.Utf8, "measure": pl.Utf8, "level": pl.Float64,
                       "value": pl.Float64, "se": pl.Float64, "lo": pl.Float64, "hi": pl.Float64}


def pool_error_columns(columns: dict[str, np.ndarray], level: float = DEFAULT_LEVEL) -> dict[str, float]:
    """Standard errors / intervals of one pool's summary: ``payouts_mean_se``,
    ``fiscal_cost_mean_se``, ``payouts_p95_lo/hi``, ``fiscal_cost_p95_lo/hi``,
    ``p_depleted_lo/hi`` (Wilson). Inputs per path (n_paths,), CNY."""
    out = {}
    for key, col in (("payouts", "payouts"), ("fiscal_cost", "fiscal_cost")):
        x = np.asarray(columns[col], float)
        out[f"{key}_mean_se"] = float(mean_se(x)[1])
        lo, hi = quantile_interval(x, 0.95, level)
        out[f"{key}_p95_lo"], out[f"{key}_p95_hi"] = float(lo), float(hi)
    d = np.asarray(columns["depleted"], float)
    lo, hi = wilson_interval(d.sum(), d.size, level)
    out["p_depleted_lo"], out["p_depleted_hi"] = float(lo), float(hi)
    return out


# ---------------------------------------------------------------- headline figures
@dataclass(frozen=True)
class Headline:
    """A headline figure: where its per-path values live in the reducer and how to estimate it.

    ``kind`` is ``mean``, ``share`` (a probability), ``quantile`` (at ``q``) or ``var`` (at
    ``q``, losses); ``column`` the reducer's column key; ``stops`` whether the ``--precision``
    rule waits for it (rare-event probabilities such as pool depletion are reported, not
    waited for: their relative precision needs millions of paths).
    """

    figure: str
    column: str
    kind: str
    q: float | None = None
    stops: bool = True
    display: Kind = Kind.PERCENT
    """How the figure is shown (stored as the headline table's ``display`` column)."""


def headline_figures(equity_entities, credit_entities, pool_ids) -> tuple[Headline, ...]:
    """The figures ``--precision`` targets and every run reports with intervals: guidance TVPI
    mean and median and P(TVPI < 1); banks' expected loss and VaR 99.9 % over the horizon;
    each pool's P(depleted) (reported only)."""
    out = []
    if "guidance" in equity_entities:
        out += [Headline("guidance TVPI mean", "eq/guidance/tvpi", "mean", display=Kind.MULTIPLE),
                Headline("guidance TVPI P50", "eq/guidance/tvpi", "quantile", 0.5, display=Kind.MULTIPLE),
                Headline("guidance P(TVPI<1)", "eq/guidance/loss", "share")]
    if "banks" in credit_entities:
        out += [Headline("banks EL (horizon)", "cr/banks/loss_horizon", "mean", display=Kind.MONEY),
                Headline("banks VaR 99.9% (horizon)", "cr/banks/loss_horizon", "var", 0.999, display=Kind.MONEY)]
    out += [Headline(f"pool {p} P(depleted)", f"cr/pool:{p}/depleted", "share", stops=False) for p in pool_ids]
    return tuple(out)


def headline_row(h: Headline, x: np.ndarray, level: float = DEFAULT_LEVEL) -> dict:
    """Estimate, standard error, interval and relative half-width of one headline figure."""
    x = np.asarray(x, float)
    z = z_value(level)
    if h.kind in ("mean", "share"):
        est, se = mean_se(x)
        if h.kind == "share":
            se = float(proportion_se(est, x.size))
            lo, hi = wilson_interval(float(x.sum()), x.size, level)
        else:
            lo, hi = est - z * se, est + z * se
    else:
        finite = x[~np.isnan(x)]
        if h.kind == "var":
            est = float(value_at_risk(finite, h.q))
        else:
            est = float(np.quantile(finite, h.q))
        lo, hi = quantile_interval(finite, h.q, level)
        se = (hi - lo) / (2 * z)
    return {"figure": h.figure, "estimate": float(est), "se": float(se), "lo": float(lo), "hi": float(hi),
            "rel_half_width": float(relative_half_width(est, lo, hi)), "paths": int(x.size),
            "in_stopping_rule": h.stops, "display": h.display.value}


def headline_table(load, headlines, level: float = DEFAULT_LEVEL) -> pl.DataFrame:
    """:func:`headline_row` for each headline; ``load(column_key)`` returns its per-path values."""
    rows = [headline_row(h, load(h.column), level) for h in headlines]
    schema = {"figure": pl.Utf8, "estimate": pl.Float64, "se": pl.Float64, "lo": pl.Float64, "hi": pl.Float64,
              "rel_half_width": pl.Float64, "paths": pl.Int64, "in_stopping_rule": pl.Boolean, "display": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
