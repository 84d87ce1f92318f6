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


def _texts(component) -> list[str]:
    """Every string in a Dash component tree, and the grids' row values."""
    out = []
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        for c in component:
            out += _texts(c)
        return out
    rows = getattr(component, "rowData", None)
    if rows:
        out += [str(v) for r in rows for v in r.values()]
    children = getattr(component, "children", None)
    if children is not None:
        out += _texts(children)
    return out


def test_validation_page_shows_precision_and_backtest_verdicts(dash_app, quick_run):
    """The page states each headline figure with its interval and says which bundled backtest
    passes and which fails (in both languages)."""
    from dashboards.app import render_page

    en = " ".join(_texts(render_page(dash_app.fundsvc_data, "/validation", quick_run.run_id, "en", dash_app)))
    assert "Monte Carlo precision (95% intervals)" in en and "Guidance fund TVPI, mean" in en
    assert "Well-calibrated history: backtest passed" in en and "Mis-specified history: backtest FAILED" in en
    zh = " ".join(_texts(render_page(dash_app.fundsvc_data, "/validation", quick_run.run_id, "zh", dash_app)))
    assert "校准良好的样本: 回测通过" in zh and "误设定的样本: 回测未通过" in zh and "引导基金 TVPI 均值" in zh
