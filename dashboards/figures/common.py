"""Shared figure styling."""

from __future__ import annotations

import plotly.graph_objects as go

from models.common import WAN, YI

__all__ = ["BLUE", "GREY", "ORANGE", "RED", "WAN", "YI", "base_layout", "empty_figure"]

BLUE = "#1f5fa8"
ORANGE = "#e07b39"
GREY = "#7f7f7f"
RED = "#c0392b"
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Helvetica, Arial, sans-serif"


def base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    """Apply the common layout: title, axis titles, white template, legend below."""
    fig.update_layout(
        title={"text": title, "x": 0.01}, template="plotly_white", font={"family": FONT, "size": 12},
        margin={"l": 60, "r": 20, "t": 50, "b": 110}, height=420,
        # legend at the bottom of the figure, below the x-axis title (never over tick labels or titles)
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=x_title, automargin=True)
    # full numbers with separators (never "20k" for 20,000万元); years without separator
    fig.update_yaxes(title_text=y_title, exponentformat="none", separatethousands=True, automargin=True)
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    """A figure with no data and a centred message (instead of an empty plot)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", height=300,
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig
