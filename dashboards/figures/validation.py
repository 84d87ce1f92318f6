"""Pure figure builders for model validation: the sensitivity tornado."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, ORANGE, base_layout, empty_figure
from dashboards.i18n import code_label, t
from fundsvc.catalogue import figure_label


def tornado_figure(table: pl.DataFrame, output: str, lang: str) -> go.Figure:
    """Tornado of one output: per input the change from base when the input goes down (orange)
    and up (blue), largest swing on top, with the swing's Monte Carlo s.e. on hover.

    Parameters
    ----------
    table : polars.DataFrame
        :meth:`fundsvc.validation.sensitivity.Sensitivity.table`.
    """
    title = f"{t('tornado', lang)} — {figure_label(output, lang)}"
    rows = table.filter(pl.col("output") == output).sort("rank", descending=True)
    if rows.height == 0:
        return empty_figure(title, "–")
    y = [code_label(i, lang) for i in rows["input"].to_list()]
    se = rows["swing_se"].to_list()
    fig = go.Figure([
        go.Bar(y=y, x=(rows["low"] - rows["base"]).to_list(), orientation="h", name=t("input_down", lang),
               marker_color=ORANGE, customdata=se, hovertemplate="%{y}: %{x:.4g} (s.e. of swing %{customdata:.2g})<extra></extra>"),
        go.Bar(y=y, x=(rows["high"] - rows["base"]).to_list(), orientation="h", name=t("input_up", lang),
               marker_color=BLUE, customdata=se, hovertemplate="%{y}: %{x:.4g} (s.e. of swing %{customdata:.2g})<extra></extra>"),
    ])
    fig.update_layout(barmode="overlay")
    return base_layout(fig, title, t("change_from_base", lang), t("input", lang))
