"""Dashboards show Monte Carlo error: interval on hover, error columns labelled in both languages."""

from __future__ import annotations

import polars as pl

from dashboards.figures.equity import percentile_figure
from dashboards.i18n import column_label


def _summary():
    return pl.DataFrame({"entity": ["guidance"], "tvpi_p5": [0.8], "tvpi_p25": [1.2], "tvpi_p50": [1.6],
                         "tvpi_p75": [2.0], "tvpi_p95": [3.1], "tvpi_p50_lo": [1.55], "tvpi_p50_hi": [1.66]})


def test_percentile_figure_hover_shows_the_interval_of_the_median():
    fig = percentile_figure(_summary(), "tvpi", "en")
    tr = fig.data[0]
    assert list(tr.customdata[0]) == [1.55, 1.66]
    assert "Monte Carlo 95% interval" in tr.hovertemplate and "customdata[1]" in tr.hovertemplate
    zh = percentile_figure(_summary(), "tvpi", "zh").data[0]
    assert "蒙特卡洛95%区间" in zh.hovertemplate


def test_error_column_labels():
    assert column_label("tvpi_p50_lo", "en") == "TVPI P50 95% low"
    assert column_label("tvpi_mean_se", "en") == "TVPI mean s.e."
    assert column_label("p_loss_se", "zh") == "亏损概率 标准误"
