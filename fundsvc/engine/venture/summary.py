"""Per-path summaries and fan charts of an :class:`~fundsvc.engine.venture.equity.EquityChunk`.

Entities: ``"guidance"`` (the guidance fund as a whole, its own management cost included in
its calls) and each sub-fund id. A sub-fund row describes, by default, the sub-fund's whole
LP base (net of fees and carry: what its LPs together paid and received); with
``view=SubFundView.GUIDANCE_SHARE`` it describes the guidance fund's stake in it instead
(after 让利 and buy-out).

Cash-flow timing: step ``t``'s flows are at the end of step ``t`` of the venture grid; the flows are preceded by
a zero flow at the start date so that they line up with ``index_level`` (shape
``(n_paths, n_steps + 1)``, column 0 the start). Multiples and PMEs use the NAV at the last
step as a terminal value; IRRs are annualised from the grid's steps (``periods_per_year``) and
NaN where undefined (no sign change, see :mod:`fundsvc.metrics`).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import polars as pl

from fundsvc.engine.venture.equity import EquityChunk
from fundsvc.metrics.multiples import dpi, rvpi, tvpi
from fundsvc.metrics.pme import direct_alpha, ks_pme
from fundsvc.metrics.rates import irr


class SubFundView(StrEnum):
    """Whose flows a sub-fund row describes."""

    LP_BASE = "lp_base"
    GUIDANCE_SHARE = "guidance_share"


FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def _entities(chunk: EquityChunk, view: SubFundView):
    """Yield (entity, calls, distributions, nav), arrays (n_paths, n_steps)."""
    yield "guidance", chunk.guidance_calls, chunk.guidance_distributions, chunk.guidance_nav
    c, d, v = ((chunk.fund_calls, chunk.fund_distributions, chunk.fund_nav) if view is SubFundView.LP_BASE
               else (chunk.guidance_fund_calls, chunk.guidance_fund_distributions, chunk.guidance_fund_nav))
    for j, fid in enumerate(chunk.fund_ids):
        yield fid, c[:, j], d[:, j], v[:, j]


def _with_start(a: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros((a.shape[0], 1)), a], axis=1)


def equity_entities(fund_ids) -> tuple[str, ...]:
    """Entity order of the per-path metrics: ``guidance`` then the sub-fund ids."""
    return ("guidance", *fund_ids)


def end_sale_share(end_sale_cny: np.ndarray, gross_proceeds_cny: np.ndarray) -> np.ndarray:
    """Share of a path's portfolio proceeds that came from end-of-term secondary sales.

    Parameters
    ----------
    end_sale_cny, gross_proceeds_cny : ndarray, shape (n_paths, n_funds)
        Per sub-fund proceeds of the end-of-term sale and all portfolio proceeds (CNY), as in
        ``equity_indicators`` (Takahashi–Alexander funds have zeros in both).

    Returns
    -------
    ndarray, shape (n_paths,)
        ``Σ_funds end_sale / Σ_funds gross`` per path, 0 where a path has no proceeds. The run's
        headline is its mean over paths (each path weighs the same), with ``sd / √n``.
    """
    es = np.asarray(end_sale_cny, float).reshape(np.shape(end_sale_cny)[0], -1).sum(axis=1)
    gross = np.asarray(gross_proceeds_cny, float).reshape(es.shape[0], -1).sum(axis=1)
    return np.divide(es, gross, out=np.zeros_like(gross), where=gross > 0)


def equity_path_metrics(
    chunk: EquityChunk,
    index_level: np.ndarray,
    *,
    periods_per_year: int,
    view: SubFundView = SubFundView.LP_BASE,
) -> dict[str, np.ndarray]:
    """Per path and entity fund metrics (the formulas behind ``equity_paths``).

    Parameters
    ----------
    chunk : EquityChunk
    index_level : ndarray, shape (n_paths, n_steps + 1)
        Public index level at the start and at each step end (``MarketPaths.index_level``).
    periods_per_year : int
        Steps per year of the venture grid (annualises IRR and direct alpha).
    view : SubFundView

    Returns
    -------
    dict of str to ndarray, each shape (n_paths, n_entities)
        Entities in :func:`equity_entities` order. ``tvpi``, ``dpi``, ``rvpi``, ``irr`` (per
        year), ``ks_pme``, ``direct_alpha`` (per year, discrete), ``trough_cny`` (most negative
        cumulative net cash flow, <= 0), ``trough_step`` (int64, −1 if never negative), ``loss``
        (bool, TVPI < 1), ``paid_in_cny``, ``distributed_cny``, ``nav_cny`` (at the last step).
    """
    n_paths, n_steps = chunk.guidance_calls.shape
    idx = np.asarray(index_level, dtype=float)
    if idx.shape != (n_paths, n_steps + 1):
        raise ValueError(f"index_level must have shape {(n_paths, n_steps + 1)}, got {idx.shape}")
    per: dict[str, list] = {}
    for _entity, c, d, v in _entities(chunk, view):
        nav_t = v[:, -1]
        c0, d0 = _with_start(c), _with_start(d)
        with np.errstate(invalid="ignore", divide="ignore"):
            flows = d0 - c0
            flows[:, -1] += nav_t
            t = tvpi(c, d, nav_t)
            cols = {
                "tvpi": t,
                "dpi": dpi(c, d),
                "rvpi": rvpi(c, nav_t),
                "irr": irr(flows, periods_per_year=periods_per_year),
                "ks_pme": ks_pme(c0, d0, nav_t, idx),
                "direct_alpha": direct_alpha(c0, d0, nav_t, idx, periods_per_year=periods_per_year).discrete,
            }
        cum = np.cumsum(d - c, axis=1)
        low = cum.min(axis=1)
        cols["trough_cny"] = np.minimum(low, 0.0)
        cols["trough_step"] = np.where(low < 0, np.argmin(cum, axis=1), -1).astype(np.int64)
        cols["loss"] = np.asarray(t) < 1.0
        cols["paid_in_cny"] = c.sum(axis=1)
        cols["distributed_cny"] = d.sum(axis=1)
        cols["nav_cny"] = nav_t
        for k, a in cols.items():
            per.setdefault(k, []).append(np.asarray(a))
    return {k: np.stack(v, axis=1) for k, v in per.items()}


def path_metrics_frame(metrics: dict[str, np.ndarray], entities, path_offset: int = 0,
                       dates: np.ndarray | None = None) -> pl.DataFrame:
    """:func:`equity_path_metrics` as one row per path and entity (entity-major order); with
    ``dates`` (step ends, shape (n_steps,)) a ``trough_date`` column after ``trough_step``."""
    n_paths = metrics["tvpi"].shape[0]
    paths = np.arange(n_paths, dtype=np.int64) + path_offset
    frames = []
    for e, entity in enumerate(entities):
        cols: dict = {"path": paths, "entity": [entity] * n_paths}
        for k, a in metrics.items():
            cols[k] = a[:, e]
            if k == "trough_step" and dates is not None:
                ds = np.asarray(dates, dtype="datetime64[D]")
                step = a[:, e]
                cols["trough_date"] = np.where(step >= 0, ds[np.maximum(step, 0)], np.datetime64("NaT"))
        frames.append(pl.DataFrame(cols))
    return pl.concat(frames, how="vertical")


def summarise_equity(
    chunk: EquityChunk,
    index_level: np.ndarray,
    dates: np.ndarray | None = None,
    *,
    path_offset: int = 0,
    periods_per_year: int,
    view: SubFundView = SubFundView.LP_BASE,
) -> pl.DataFrame:
    """One row per path and entity with the fund metrics (:func:`equity_path_metrics`).

    Parameters
    ----------
    chunk : EquityChunk
    index_level : ndarray, shape (n_paths, n_steps + 1)
    dates : array of datetime64[D], shape (n_steps,), optional
        Step end dates (``EquityModel.dates()``); gives the ``trough_date`` column.
    path_offset : int
        Index of the chunk's first path in the run (the ``path`` column is offset + row).
    periods_per_year : int
        Steps per year of the venture grid.
    view : SubFundView

    Returns
    -------
    polars.DataFrame
        Columns ``path`` (int64), ``entity`` (str), then the metrics of
        :func:`equity_path_metrics` (``trough_date`` after ``trough_step`` if ``dates`` given).
    """
    m = equity_path_metrics(chunk, index_level, periods_per_year=periods_per_year, view=view)
    return path_metrics_frame(m, equity_entities(chunk.fund_ids), path_offset, dates)


def equity_fans(
    chunk: EquityChunk,
    quantiles: tuple[float, ...] = FAN_QUANTILES,
    *,
    view: SubFundView = SubFundView.LP_BASE,
) -> pl.DataFrame:
    """Quantiles over paths, per step, of cumulative net cash flow and NAV.

    Parameters
    ----------
    chunk : EquityChunk
    quantiles : tuple of float
        Levels in (0, 1); column names are ``p5``, ``p25``, … (percent, rounded).
    view : SubFundView

    Returns
    -------
    polars.DataFrame
        Columns ``entity`` (str), ``step`` (int), ``measure`` (``"cum_net_cash_flow"`` or
        ``"nav"``, CNY), then one column per quantile. Quantiles of a chunk are not quantiles of
        the run: the orchestrator should pool paths (or chunk-level sketches) across chunks.
    """
    q = np.asarray(quantiles, dtype=float)
    names = [f"p{round(100 * x, 6):g}" for x in q]
    n_steps = chunk.guidance_calls.shape[1]
    frames = []
    for entity, c, d, v in _entities(chunk, view):
        for measure, arr in (("cum_net_cash_flow", np.cumsum(d - c, axis=1)), ("nav", v)):
            qs = np.quantile(arr, q, axis=0)  # (n_q, n_steps)
            cols = {"entity": [entity] * n_steps, "step": np.arange(n_steps, dtype=np.int64),
                    "measure": [measure] * n_steps}
            cols.update({name: qs[i] for i, name in enumerate(names)})
            frames.append(pl.DataFrame(cols))
    return pl.concat(frames, how="vertical")
