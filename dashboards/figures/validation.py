"""Pure figure builders for model validation: the sensitivity tornado."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, ORANGE, base_layout, empty_figure
from dashboards.i18n import t
from fundsvc.catalogue import label
from fundsvc.formatting import Kind, MoneyUnit, fmt, fmt_pm, money_unit, row_kind


def output_kind(output: str) -> Kind:
    """How an output's values are shown: money (EL, VaR), a multiple (TVPI) or a percentage."""
    from fundsvc.validation.sensitivity import split_output

    return row_kind(split_output(output)[1]) or Kind.NUMBER


def output_label(output: str, lang: str) -> str:
    """``"pool:city-ip P(depleted)"`` → ``资金池 city-ip · 耗尽概率`` (catalogue labels of entity and measure)."""
    from fundsvc.validation.sensitivity import split_output

    entity, measure = split_output(output)
    return f"{label(entity, lang)} · {label(measure, lang)}"


def output_unit(rows: pl.DataFrame, kind: Kind) -> MoneyUnit | None:
    """The money unit of one output's rows (chosen on its base, low and high values), None unless money."""
    if kind is not Kind.MONEY or rows.height == 0:
        return None
    return money_unit(rows["low"].to_list() + rows["base"].to_list() + rows["high"].to_list())


def tornado_figure(table: pl.DataFrame, output: str, lang: str) -> go.Figure:
    """Tornado of one output (titled with the output's label): per input the change from base when the input goes down (orange)
    and up (blue), largest swing on top; the hover gives each change and the swing with its
    Monte Carlo s.e. (formatting layer). Money is drawn in 万元 or 亿元, probabilities in
    percentage points, multiples as they are.

    Parameters
    ----------
    table : polars.DataFrame
        :meth:`fundsvc.validation.sensitivity.Sensitivity.table` (columns input, output, low, base,
        high, swing, swing_se, rank).
    """
    title = output_label(output, lang)  # the page's section is headed "Sensitivity tornado"
    rows = table.filter(pl.col("output") == output).sort("rank", descending=True)
    if rows.height == 0:
        return empty_figure(title, "–")
    kind = output_kind(output)
    unit = output_unit(rows, kind)
    scale = {Kind.MONEY: 1 / unit.divisor if unit else 1.0, Kind.PERCENT: 100.0}.get(kind, 1.0)
    axis_unit = {Kind.MONEY: unit.label(lang) if unit else "", Kind.PERCENT: t("unit_pp", lang),
                 Kind.MULTIPLE: "×"}.get(kind, "")
    y = [label(i, lang) for i in rows["input"].to_list()]
    swing = [fmt_pm(s, e, kind, unit=unit, lang=lang) for s, e in zip(rows["swing"], rows["swing_se"])]
    traces = []
    # both bars start at zero; the up bar is drawn narrower on top, so a same-sign pair shows both
    for col, name, colour, width in (("low", "input_down", ORANGE, 0.8), ("high", "input_up", BLUE, 0.45)):
        delta = (rows[col] - rows["base"]).to_list()
        shown = [fmt(d, kind, unit=unit, lang=lang) for d in delta]
        traces.append(go.Bar(
            y=y, x=[d * scale for d in delta], orientation="h", name=t(name, lang), marker_color=colour, width=width,
            customdata=list(zip(shown, swing)),
            hovertemplate=(f"%{{y}}: %{{customdata[0]}}<br>{t('sens_swing', lang)}: %{{customdata[1]}}"
                           "<extra></extra>")))
    fig = go.Figure(traces)
    fig.update_layout(barmode="overlay")
    x_title = t("change_from_base", lang) + (f" ({axis_unit})" if axis_unit else "")
    return base_layout(fig, title, x_title, t("input", lang))
