"""Stress tests (finance bureau, banks): stored stress and reverse-stress results of the run.

Every figure goes through :mod:`fundsvc.formatting` (one money unit per table, named in the
header; multiples ×; probabilities %); headings carry the stress's translated title, never its
code; figure names and reverse-stress targets come from the stored Chinese names or the catalogue.
"""

from __future__ import annotations

import math
import re

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from dashboards.components import graph, grid, section
from dashboards.i18n import t
from fundsvc.catalogue import reverse_target_label
from fundsvc.formatting import UNIT_KINDS, Kind, figure_kind, fmt, fmt_number


def stress_title(rec, lang: str) -> str:
    """The stress's title in ``lang`` (stored, else the bundled library's, else its name)."""
    c = rec.content
    zh = lang != "en"
    title = (c.get("title_zh") or c.get("title")) if zh else c.get("title")
    if not title:
        from fundsvc.stress.library import bundled_stresses

        s = bundled_stresses().get(rec.name)
        title = (s.title_zh if zh else s.title) if s is not None else rec.name
    return title


def stress_frame(rows: list[dict], lang: str) -> pl.DataFrame:
    """Rows of a stored stress result as a grid frame: figure name in ``lang``, base, stressed,
    change, its s.e.; ``__kind`` per row from the stored unit (money in CNY, shares decimal)."""
    zh = lang != "en"
    return pl.DataFrame(
        [{"figure": (r.get("figure_zh") or r["figure"]) if zh else r["figure"], "base": r.get("base"),
          "stressed": r.get("stressed"), "change": r.get("change"), "change_se": r.get("change_se"),
          "__kind": UNIT_KINDS.get(r.get("unit"), figure_kind(r["figure"])).value} for r in rows],
        schema={"figure": pl.Utf8, "base": pl.Float64, "stressed": pl.Float64, "change": pl.Float64,
                "change_se": pl.Float64, "__kind": pl.Utf8})


def _stress_block(rec, lang: str):
    c = rec.content
    zh = lang != "en"
    narrative = (c.get("narrative_zh") or c.get("narrative", "")) if zh else c.get("narrative", "")
    headers = {"figure": t("stress_figure", lang), "base": t("stress_base", lang),
               "stressed": t("stress_stressed", lang), "change": t("stress_change", lang),
               "change_se": t("stress_se", lang)}
    return section(stress_title(rec, lang), html.P(narrative.strip()),
                   grid(f"stress-{rec.id}", stress_frame(c.get("rows", []), lang), headers=headers, lang=lang),
                   html.Details([html.Summary(t("stress_sources", lang)),
                                 html.Ul([html.Li(s) for s in c.get("sources", [])])], id=f"sources-stress-{rec.id}"),
                   id_=f"stress-block-{rec.id}")


def _window(c: dict, lang: str) -> str:
    """``第 4–15 季度`` / ``quarters 4–15`` from the stored window."""
    a, q = c.get("offset_quarters"), c.get("quarters")
    if a is None or q is None:
        m = re.search(r"(\d+)\D+(\d+)", str(c.get("window") or ""))
        if not m:
            return ""
        a, b = int(m.group(1)), int(m.group(2))
    else:
        b = a + q - 1
    return t("reverse_window", lang).format(a=a, b=b)


def _target(c: dict, rec, lang: str) -> tuple[str, Kind]:
    """The target's label in ``lang`` and the kind of its level and values, from the stored key,
    else from the record's name (the ``--reverse`` argument: fund-loss, pool:ID, bank:NAME)."""
    key = c.get("key") or ""
    if not key:
        kind, _, name = str(rec.name).partition(":")
        key = {"fund-loss": "guidance_loss_ratio", "pool": f"depleted:pool:{name}",
               "bank": f"loss:bank:{name}"}.get(kind, "")
    text = reverse_target_label(key, lang) if key else None
    if text is None:  # an older record without its key: the stored (bilingual) label
        text = c.get("target") or rec.name
    return text, figure_kind(key or text)


def _check_label(ch: dict, lang: str) -> str:
    if not ch.get("shift_sigma"):
        return t("reverse_base", lang)
    return t("reverse_breaching" if ch.get("breached") else "reverse_less_severe", lang)


def reverse_checks_frame(checks: list[dict], lang: str) -> pl.DataFrame:
    """The simulated checks of a reverse stress: path, shift (σ), target value, s.e., breached."""
    return pl.DataFrame([{"path": _check_label(ch, lang), "shift_sigma": ch.get("shift_sigma"),
                          "value": ch.get("value"), "se": ch.get("se"), "breached": bool(ch.get("breached"))}
                         for ch in checks],
                        schema={"path": pl.Utf8, "shift_sigma": pl.Float64, "value": pl.Float64, "se": pl.Float64,
                                "breached": pl.Boolean})


def _reverse_block(rec, lang: str):
    c = rec.content
    target, kind = _target(c, rec, lang)
    level = c.get("level")
    head = f"{t('reverse_title', lang)}: {target} ≥ {fmt(level, kind, lang=lang)}" if level is not None else \
        f"{t('reverse_title', lang)}: {target}"
    sigma = c.get("shift_sigma")
    if sigma is None or math.isnan(sigma):
        return section(head, dbc.Alert(t("reverse_none", lang)), id_=f"reverse-block-{rec.id}")
    path = c.get("tech_cycle_path", [])
    fig = go.Figure(go.Scatter(x=list(range(len(path))), y=path, mode="lines+markers", name=t("reverse_path", lang)))
    fig.update_layout(title=t("reverse_path", lang), xaxis_title=t("reverse_quarter", lang), yaxis_title="σ",
                      margin={"t": 40})
    checks = reverse_checks_frame(c.get("checks", []), lang)
    headers = {"path": t("reverse_check_path", lang), "shift_sigma": t("reverse_shift", lang),
               "value": t("reverse_value", lang), "se": t("stress_se", lang), "breached": t("reverse_breached", lang)}
    norm = c.get("mahalanobis_norm")
    return section(
        head,
        html.P(f"{t('reverse_found', lang)} {sigma:+.2f}σ({_window(c, lang)});"
               f"{t('reverse_norm', lang)} {fmt_number(norm)}" if lang != "en" else
               f"{t('reverse_found', lang)} {sigma:+.2f}σ ({_window(c, lang)}); "
               f"{t('reverse_norm', lang)} {fmt_number(norm)}", className="reverse-found"),
        graph(f"reverse-path-{rec.id}", fig),
        html.H5(t("reverse_checks", lang)),
        grid(f"reverse-checks-{rec.id}", checks, headers=headers, lang=lang,
             kinds={"value": kind, "se": kind, "shift_sigma": Kind.NUMBER}),
        id_=f"reverse-block-{rec.id}",
    )


def _link_block(data, run_id: int, lang: str):
    """The run's equity–credit link (run table ``equity_credit_link``), or None when not stored."""
    from fundsvc.catalogue import label
    from fundsvc.simulation.registry import TableName
    from fundsvc.stress.link import link_view

    table = data.table(run_id, TableName.EQUITY_CREDIT_LINK)
    if not table.height:
        return None
    return section(f"{label('equity_credit_link', lang)} ({int(table['paths'][0]):,})",
                   html.P(t("link_note", lang), className="text-muted small"),
                   grid("equity-credit-link", link_view(table, lang), lang=lang), id_="equity-credit-link-section")


def layout(data, run_id: int, lang: str):
    records = data.store.stress_results.list(run_id)
    link = _link_block(data, run_id, lang)
    if not records:
        return html.Div([html.H2(t("stress_title", lang)), link, dbc.Alert(t("stress_none", lang), color="secondary",
                                                                            id="stress-none")])
    blocks = [(_reverse_block if r.kind == "reverse" else _stress_block)(r, lang) for r in records]
    return html.Div([html.H2(t("stress_title", lang)), link, html.P(t("stress_crn", lang)), *blocks])


def register(app, data, jobs) -> None:
    return None
