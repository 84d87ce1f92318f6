"""Small layout helpers shared by the pages (no callbacks here)."""

from __future__ import annotations

import math
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from dashboards.i18n import column_label, t
from fundsvc.units import fmt_cny, fmt_pct
from models.common import WAN

__all__ = ["export_buttons", "fmt_cny", "fmt_mult", "fmt_pct", "graph", "grid", "kpi_card", "section"]


def fmt_mult(x: float | None, digits: int = 2) -> str:
    """A multiple such as TVPI: ``1.66×``; NaN/None as an en dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{digits}f}×"


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


def _column_defs(frame: pl.DataFrame, headers: dict[str, str] | None, lang: str) -> list[dict]:
    headers = headers or {}
    defs = []
    for name, dtype in frame.schema.items():
        d: dict[str, Any] = {"field": name, "headerName": headers.get(name, column_label(name, lang))}
        if dtype.is_numeric():
            d["type"] = "rightAligned"
            d["valueFormatter"] = {"function": "params.value == null ? '–' : d3.format(',.4~f')(params.value)"}
        defs.append(d)
    return defs


def grid(id_: str, frame: pl.DataFrame, *, headers: dict[str, str] | None = None, height: int | None = None,
         lang: str = "zh", amounts: tuple[str, ...] = ()) -> dag.AgGrid:
    """An AG Grid of a polars frame, sortable and filterable.

    Dates are shown as ISO text and numeric ``*_cny`` columns in 万元 (the header says so); CSV /
    XLSX exports of stored tables keep CNY. ``amounts`` names further CNY columns to show in 万元.
    """
    frame = frame.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.Utf8))
    wan = [c for c, d in frame.schema.items() if (c.endswith("_cny") or c in amounts) and d.is_numeric()]
    if wan:
        frame = frame.with_columns([(pl.col(c) / WAN).round(2) for c in wan])
        frame = frame.rename({c: f"{c}_cny" for c in wan if not c.endswith("_cny")})
    rows = frame.to_dicts() if frame.height else []
    n = max(frame.height, 1)
    return dag.AgGrid(
        id=id_, rowData=rows, columnDefs=_column_defs(frame, headers, lang),
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
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
