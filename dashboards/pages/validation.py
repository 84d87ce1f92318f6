"""Validation page: Monte Carlo precision of the run's headline figures and the backtests of the
bundled loan histories (calibrated and mis-specified)."""

from __future__ import annotations

import polars as pl
from dash import html

from dashboards.components import grid, section
from dashboards.i18n import code_label, t
from fundsvc.catalogue import figure_label
from fundsvc.formatting import Kind, figure_kind


def _backtests() -> pl.DataFrame:
    """Backtest summary of each bundled tape: name, passed, AUC, Gini, failing grades, LGD p."""
    from fundsvc.inputs.bundled import resolve_data_file
    from fundsvc.validation.backtest import backtest_loans
    from fundsvc.validation.tape import read_tape

    rows = []
    for name in ("backtest_loans_pass", "backtest_loans_fail"):
        p = resolve_data_file(name)
        if not p.exists():
            continue
        r = backtest_loans(read_tape(p))
        rows.append({"tape": name, "passed": r.passed, "auc": r.auc, "gini": r.gini,
                     "grades_failing": int((~r.calibration["passed"]).sum()),
                     "lgd_p_value": r.lgd.get("p_value")})
    return pl.DataFrame(rows)


def headlines_frame(heads: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The run's headline figures for the grid: translated name, estimate, s.e. and 95 % interval
    (each row in its own kind: TVPI ×, probabilities %, losses money), relative half-width, paths."""
    if heads.height == 0:
        return heads
    names = heads["figure"].to_list()
    # the stored display kind (runs before the ``display`` column: from the figure's name)
    shown = heads["display"].to_list() if "display" in heads.columns else [None] * heads.height
    kinds = [Kind(d).value if d else figure_kind(f).value for f, d in zip(names, shown, strict=True)]
    return heads.select("estimate", "se", "lo", "hi", "rel_half_width", "paths").with_columns(
        pl.Series("figure", [figure_label(f, lang) for f in names]), pl.Series("__kind", kinds),
    ).select("figure", "estimate", "se", "lo", "hi", "rel_half_width", "paths", "__kind")


def layout(data, run_id: int, lang: str):
    heads = data.table(run_id, "headlines")
    shown = headlines_frame(heads, lang)
    bt = _backtests()
    verdicts = [html.Li(f"{code_label(r['tape'], lang)}: "
                        + (t("backtest_pass", lang) if r["passed"] else t("backtest_fail", lang)),
                        className="backtest-verdict") for r in bt.iter_rows(named=True)]
    return html.Div([
        html.H2(t("nav_validation", lang)),
        section(t("mc_precision", lang),
                html.P(t("mc_precision_note", lang)) if heads.height else html.P(t("no_headlines", lang)),
                grid("validation-headlines", shown, lang=lang,
                     kinds={"rel_half_width": Kind.PERCENT, "paths": Kind.COUNT})),
        section(t("backtests", lang), html.Ul(verdicts, id="backtest-verdicts"),
                grid("validation-backtests", bt, lang=lang, kinds={"auc": Kind.NUMBER, "gini": Kind.NUMBER,
                                                                   "lgd_p_value": Kind.NUMBER})),
    ])


def register(app, data, jobs) -> None:
    """No callbacks: the page is built from stored results and the bundled histories."""
