"""Validation page: Monte Carlo precision of the run's headline figures and the backtests of the
bundled loan histories (calibrated and mis-specified)."""

from __future__ import annotations

import polars as pl
from dash import html

from dashboards.components import grid, section
from dashboards.i18n import t


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
        rows.append({"tape": name, "passed": r.passed, "auc": round(r.auc, 3), "gini": round(r.gini, 3),
                     "grades_failing": int((~r.calibration["passed"]).sum()),
                     "lgd_p_value": r.lgd.get("p_value")})
    return pl.DataFrame(rows)


def layout(data, run_id: int, lang: str):
    heads = data.table(run_id, "headlines")
    shown = heads.select("figure", "estimate", "lo", "hi", "rel_half_width", "paths") if heads.height else heads
    bt = _backtests()
    verdicts = [html.Li(f"{r['tape']}: " + (t("backtest_pass", lang) if r["passed"] else t("backtest_fail", lang)),
                        className="backtest-verdict") for r in bt.iter_rows(named=True)]
    return html.Div([
        html.H2(t("nav_validation", lang)),
        section(t("mc_precision", lang),
                html.P(t("mc_precision_note", lang)) if heads.height else html.P(t("no_headlines", lang)),
                grid("validation-headlines", shown, lang=lang)),
        section(t("backtests", lang), html.Ul(verdicts, id="backtest-verdicts"), grid("validation-backtests", bt, lang=lang)),
    ])


def register(app, data, jobs) -> None:
    """No callbacks: the page is built from stored results and the bundled histories."""
