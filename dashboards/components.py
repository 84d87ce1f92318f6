"""Small layout helpers shared by the pages (no callbacks here)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from dashboards.i18n import code_label, column_label, t
from fundsvc.formatting import Kind, display_frame, fmt_multiple, fmt_pct
from fundsvc.units import fmt_cny

__all__ = ["export_buttons", "fmt_cny", "fmt_mult", "fmt_pct", "graph", "grid", "kpi_card", "section"]


fmt_mult = fmt_multiple


def kpi_card(id_: str, title: str, value: str, sub: str = "") -> dbc.Card:
    """A KPI card; the value is in an element with id ``id_`` (tests read it)."""
    return dbc.Card(dbc.CardBody([
        html.Div(title, className="kpi-title"),
        html.Div(value, id=id_, className="kpi-value"),
        html.Div(sub, id=f"{id_}-sub", className="kpi-sub"),
    ]), className="kpi-card")


def section(title: str, *children: Any, id_: str | None = None) -> html.Section:
    kw = {"id": id_} if id_ else {}
    return html.Section([html.H4(title, className="section-title"), *children], className="section", **kw)


def graph(id_: str, figure) -> dcc.Graph:
    """A plotly graph keeping the mode bar's PNG download (``toImageButtonOptions``)."""
    return dcc.Graph(id=id_, figure=figure, config={
        "displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": id_, "scale": 2}})


def grid(id_: str, frame: pl.DataFrame, *, headers: dict[str, str] | None = None, height: int | None = None,
         lang: str = "zh", amounts: tuple[str, ...] = (), kinds: dict[str, Kind] | None = None) -> dag.AgGrid:
    """An AG Grid of a polars frame, sortable and filterable, formatted by :mod:`fundsvc.formatting`.

    Cells keep the raw value (so sorting and filtering are numeric) and show the formatted text
    (``<col>__fmt``): one money unit for the whole table (万元 or 亿元 by magnitude, named in
    the money columns' headers), percentages, multiples, years, ISO dates; codes translated by
    the catalogue. ``amounts`` names CNY columns not ending in ``_cny``; ``kinds`` overrides.
    CSV / XLSX exports of stored tables keep raw CNY.
    """
    kinds = dict(kinds or {})
    kinds.update({c: Kind.MONEY for c in amounts})
    row_kinds = None
    if "__kind" in frame.columns:  # one kind per row (tables of mixed metrics)
        row_kinds = [Kind(k) if k else None for k in frame["__kind"].to_list()]
        frame = frame.drop("__kind")
    frame = frame.with_columns(pl.col(c).fill_nan(None) for c, d in frame.schema.items() if d.is_float())
    shown = display_frame(frame, lang=lang, kinds=kinds, translate=code_label, row_kinds=row_kinds)
    raw = frame.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.Utf8))
    rows = []
    for r, f in zip(raw.to_dicts(), shown.frame.to_dicts()):
        r.update({f"{c}__fmt": v for c, v in f.items()})
        rows.append(r)
    headers = headers or {}
    defs = []
    for name, dtype in frame.schema.items():
        unit = shown.header_unit(name)
        head = headers.get(name, column_label(name, lang, unit=unit))
        if unit and name in headers:
            head += f" ({unit})" if lang == "en" else f"({unit})"
        d: dict[str, Any] = {"field": name, "headerName": head,
                             "valueFormatter": {"function": f"params.data ? params.data['{name}__fmt'] : ''"}}
        if dtype.is_numeric():
            d["type"] = "rightAligned"
        defs.append(d)
    n = max(frame.height, 1)
    return dag.AgGrid(
        id=id_, rowData=rows, columnDefs=defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        columnSize="autoSize", dashGridOptions={"domLayout": "autoHeight"} if n <= 15 and height is None else {},
        style={"height": f"{height or 420}px"} if (n > 15 or height) else {"height": None},
        className="ag-theme-quartz",
    )


def export_buttons(table: str, lang: str) -> html.Div:
    """CSV / XLSX download buttons for a stored run table (handled by the app's export callback)."""
    return html.Div([
        dbc.Button(t("export_csv", lang), id={"type": "export", "table": table, "fmt": "csv"},
                   size="sm", color="secondary", outline=True, className="me-2"),
        dbc.Button(t("export_xlsx", lang), id={"type": "export", "table": table, "fmt": "xlsx"},
                   size="sm", color="secondary", outline=True),
    ], className="export-buttons")
