"""Pure figure builders: ``(tables…, lang) -> plotly.graph_objects.Figure``.

No store, no Dash, no global state: each function takes the stored result tables (polars) it
draws and the language, so it can be unit-tested on a small frame.
"""

from dashboards.figures.common import WAN, YI
from dashboards.figures.credit import loss_distribution_figure
from dashboards.figures.equity import (
    concentration_figure,
    fan_figure,
    pacing_figure,
    percentile_figure,
    whatif_figure,
)
from dashboards.figures.pools import balance_fan_figure, depletion_figure

__all__ = [
    "WAN", "YI", "balance_fan_figure", "concentration_figure", "depletion_figure", "fan_figure",
    "loss_distribution_figure", "pacing_figure", "percentile_figure", "whatif_figure",
]
