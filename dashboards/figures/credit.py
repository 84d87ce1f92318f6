"""Credit figures: the portfolio loss distribution with VaR / ES markers."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, ORANGE, RED, WAN, base_layout, empty_figure
from dashboards.i18n import code_label, t

__all__ = ["loss_distribution_figure"]


def loss_distribution_figure(losses: np.ndarray, measures: pl.DataFrame, entity: str, lang: str,
                             *, level: float = 0.99, bins: int = 60) -> go.Figure:
    """Histogram of path losses (万元) with the stored VaR and ES at ``level`` as vertical lines.

    Parameters
    ----------
    losses : ndarray, shape (n_paths,)
        Loss over the horizon borne by ``entity`` on each path, CNY.
    measures : polars.DataFrame
        The stored ``credit_loss_measures`` (entity, window, measure, level, value).
    entity : str
        e.g. ``"banks"``, ``"total"``, ``"pool:<id>"``.

    Returns
    -------
    Figure: one histogram trace (share of paths per bin, precomputed with numpy so the browser
    gets ``bins`` bars, not n_paths points) and vertical lines for EL, VaR and ES.
    """
    title = f"{t('loss_dist', lang)} — {code_label(entity, lang)}"
    losses = np.asarray(losses, dtype=float)
    losses = losses[np.isfinite(losses)]
    if losses.size == 0:
        return empty_figure(title, "–")
    counts, edges = np.histogram(losses / WAN, bins=bins)
    centres = 0.5 * (edges[:-1] + edges[1:])
    fig = go.Figure(go.Bar(x=centres, y=counts / losses.size, width=np.diff(edges), name=t("frequency", lang),
                           marker_color=BLUE))
    m = measures.filter((pl.col("entity") == entity) & (pl.col("window") == "horizon")) if measures.height else measures
    for measure, color, name in (("el", ORANGE, "EL"), ("var", RED, "VaR"), ("es", "#7b1fa2", "ES")):
        if m.height == 0:
            break
        sel = m.filter(pl.col("measure") == measure)
        if measure != "el":
            sel = sel.filter((pl.col("level") - level).abs() < 1e-9)
        if sel.height:
            value = float(sel["value"][0]) / WAN
            label = name + ("" if measure == "el" else f" {100 * level:g}%")
            # EL low, VaR to the left of its line, ES to the right: the labels never sit on each other
            fig.add_vline(x=value, line={"color": color, "dash": "dash"}, annotation_text=f"{label}: {value:,.0f}",
                          annotation_position={"el": "bottom right", "var": "top left", "es": "top right"}[measure])
    fig.update_layout(hovermode="closest", bargap=0)
    fig.update_yaxes(tickformat=".0%", ticklabelstandoff=6)
    fig.update_xaxes(ticklabelstandoff=10)  # the x "0" clear of the y "0%" at the corner
    return base_layout(fig, title, f"{t('loss', lang)} ({t('amount_wan', lang)})", t("frequency", lang))
