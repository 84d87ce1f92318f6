"""Unit tests of the pure figure builders: traces, axis titles, numbers taken from the tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards.figures import (
    balance_fan_figure,
    concentration_figure,
    depletion_figure,
    fan_figure,
    loss_distribution_figure,
    pacing_figure,
    percentile_figure,
    whatif_figure,
)
from dashboards.i18n import t

DATES = [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]


def _fans() -> pl.DataFrame:
    rows = []
    for measure, scale in (("cum_net_cash_flow", -1e8), ("nav", 2e8)):
        for step, d in enumerate(DATES):
            base = scale * (step + 1)
            rows.append({"entity": "guidance", "step": step, "date": d, "measure": measure,
                         "p5": base - 3e7, "p25": base - 1e7, "p50": base, "p75": base + 1e7, "p95": base + 3e7})
    return pl.DataFrame(rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fan_figure_traces_axes_and_values_in_yi(lang):
    fig = fan_figure(_fans(), "guidance", "cum_net_cash_flow", lang)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 5
    median = fig.data[-1]
    assert median.name == t("median", lang)
    assert list(median.y) == pytest.approx([-1.0, -2.0, -3.0])  # 亿元
    assert list(fig.data[1].y) == pytest.approx([-1.3, -2.3, -3.3])  # P5 = lower edge of the outer band
    assert fig.data[1].fill == "tonexty"
    assert fig.layout.yaxis.title.text == t("amount_yi", lang)
    assert fig.layout.xaxis.title.text == t("date", lang)
    assert fig.layout.title.text == t("jcurve", lang)
    assert t("nav_fan", lang) == fan_figure(_fans(), "guidance", "nav", lang).layout.title.text


def test_fan_figure_unknown_entity_gives_empty_figure_with_message():
    fig = fan_figure(_fans(), "nope", "nav", "en")
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == "–"


def test_pacing_figure_calls_down_distributions_up_in_wan():
    pacing = pl.DataFrame({"entity": ["guidance"] * 3, "step": [0, 1, 2], "date": DATES,
                           "mean_calls_cny": [1e6, 2e6, 0.0], "mean_distributions_cny": [0.0, 5e5, 3e6],
                           "mean_nav_cny": [1e6, 2e6, 1e6]})
    fig = pacing_figure(pacing, "guidance", "en")
    calls, dists = fig.data
    assert calls.type == "bar" and list(calls.y) == pytest.approx([-100.0, -200.0, 0.0])
    assert list(dists.y) == pytest.approx([0.0, 50.0, 300.0])
    assert fig.layout.barmode == "relative"
    assert fig.layout.yaxis.title.text == t("amount_wan", "en")


def test_percentile_figure_error_bars_from_stored_percentiles():
    summary = pl.DataFrame({"entity": ["guidance", "f1"], **{f"tvpi_p{p}": [v, v * 2] for p, v in
                                                              ((5, 0.8), (25, 1.2), (50, 1.6), (75, 2.0), (95, 4.0))}})
    fig = percentile_figure(summary, "tvpi", "en", {"guidance": "GF"})
    main = fig.data[0]
    assert list(main.y) == ["GF", "f1"]  # horizontal: names readable on a phone
    assert list(main.x) == pytest.approx([1.6, 3.2])
    assert list(main.error_x.array) == pytest.approx([2.4, 4.8])       # P95 − P50
    assert list(main.error_x.arrayminus) == pytest.approx([0.8, 1.6])  # P50 − P5
    assert fig.layout.xaxis.title.text == "TVPI"


def test_concentration_figure_sums_guidance_commitment_by_sector():
    alloc = pl.DataFrame({"fund": ["a", "a", "b"], "sector": ["iot", "other", "iot"], "stage": ["seed", "seed", "growth"],
                          "guidance_cny": [4e7, 1e7, 5e7]})
    fig = concentration_figure(alloc, "sector", "zh")
    bar = fig.data[0]
    assert list(bar.y) == ["iot", "其他"] and list(bar.x) == pytest.approx([0.9, 0.1])
    assert list(bar.text) == ["90.0%", "10.0%"]
    stage = concentration_figure(alloc, "stage", "zh").data[0]
    assert sorted(zip(stage.y, stage.x)) == [("成长期", pytest.approx(0.5)), ("种子期", pytest.approx(0.5))]


def test_whatif_figure_compares_guidance_percentiles():
    def frame(scale):
        return pl.DataFrame({"entity": ["guidance"], **{f"tvpi_p{p}": [scale * p / 50] for p in (5, 25, 50, 75, 95)}})
    fig = whatif_figure(frame(1.0), frame(2.0), "tvpi", "en")
    assert [d.name for d in fig.data] == ["Base", "Modified"]
    assert list(fig.data[1].y) == pytest.approx([0.2, 1.0, 2.0, 3.0, 3.8])


def test_loss_distribution_histogram_and_stored_var_es_lines():
    rng = np.random.default_rng(1)
    losses = rng.gamma(2.0, 1e6, 5000)
    measures = pl.DataFrame({"entity": ["banks"] * 3, "window": ["horizon"] * 3, "measure": ["el", "var", "es"],
                             "level": [None, 0.99, 0.99], "value": [2e6, 7e6, 8.5e6]})
    fig = loss_distribution_figure(losses, measures, "banks", "en", bins=40)
    bar = fig.data[0]
    assert len(bar.x) == 40 and float(np.sum(bar.y)) == pytest.approx(1.0)
    xs = sorted(s.x0 for s in fig.layout.shapes)
    assert xs == pytest.approx([200.0, 700.0, 850.0])  # 万元
    assert "VaR 99%" in " ".join(a.text for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text.startswith(t("loss", "en"))


def test_balance_fan_and_depletion_from_pool_tables():
    rows = [{"pool": "p", "step": y - 1, "year": float(y), "quantity": "balance", "quantile": q, "value": 1e7 * q * y}
            for y in (1, 2) for q in (0.05, 0.25, 0.5, 0.75, 0.95)]
    fig = balance_fan_figure(pl.DataFrame(rows), "p", "zh")
    assert len(fig.data) == 5
    assert list(fig.data[-1].y) == pytest.approx([500.0, 1000.0])  # median, 万元
    assert list(fig.data[1].y) == pytest.approx([50.0, 100.0])      # P5
    dep = pl.DataFrame({"pool": ["p", "p"], "year": [1, 2], "p_depleted_by": [0.01, 0.05], "se": [0.001, 0.002],
                        "p_event_in_year": [0.01, 0.04]})
    d = depletion_figure(dep, "en")
    assert list(d.data[0].y) == [0.01, 0.05] and list(d.data[0].error_y.array) == pytest.approx([0.002, 0.004])
    assert d.layout.yaxis.title.text == "Probability"


def test_figures_from_a_real_stored_run(quick_run):
    """The builders accept the stored tables as they are (column names, dtypes)."""
    runs = quick_run.store.runs
    fans = runs.load_table(quick_run.run_id, "equity_fans")
    fig = fan_figure(fans, "guidance", "nav", "en")
    stored = fans.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "nav")).sort("step")
    assert list(fig.data[-1].y) == pytest.approx((stored["p50"] / 1e8).to_list())
    pool = runs.load_table(quick_run.run_id, "credit_pool_summary")["pool"][0]
    assert len(balance_fan_figure(runs.load_table(quick_run.run_id, "credit_pool_fans"), pool, "zh").data) == 5
    paths = runs.load_array(quick_run.run_id, "credit_paths").filter(pl.col("entity") == "banks")
    fig = loss_distribution_figure(paths["loss_horizon"].to_numpy(), runs.load_table(quick_run.run_id,
                                   "credit_loss_measures"), "banks", "zh")
    assert len(fig.layout.shapes) == 3
