"""Backtest results as a report workbook (sheets: summary, PD calibration) and as tables of the
periodic report (``fundsvc report RUN --backtest TAPE``)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl


def write_backtest_workbook(path: str | Path, result) -> Path:
    """Write a :class:`~fundsvc.validation.backtest.LoanBacktest` to an xlsx file (two sheets)."""
    import xlsxwriter

    path = Path(path)
    summary = result.summary().vstack(pl.DataFrame({"measure": ["overall passed"], "value": [float(result.passed)],
                                                    "se": [None], "p_value": [None]},
                                                   schema=result.summary().schema))
    with xlsxwriter.Workbook(path) as wb:
        summary.write_excel(wb, worksheet="backtest summary")
        result.calibration.write_excel(wb, worksheet="PD calibration")
    return path


def _p_text(p) -> str | None:
    """A p-value as shown: three decimals, ``<0.001`` below that, None when there is none."""
    if p is None or math.isnan(p):
        return None
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def backtest_report_tables(loans=None, funds=None) -> dict[str, pl.DataFrame]:
    """Backtest results as extra tables of the periodic report (:func:`fundsvc.assessment.reports.write_report`).

    Rows are keyed by ``measure`` codes of the catalogue (:mod:`fundsvc.catalogue`), whose kinds the
    formatting layer knows (:data:`fundsvc.formatting.INDICATOR_KINDS`: AUC and Gini plain numbers,
    LGD and coverage as percentages, counts as counts); p-values are shown as text (three
    decimals, ``<0.001``) and each test's outcome as ``pass`` / ``fail``.

    Parameters
    ----------
    loans : LoanBacktest, optional
        From :func:`fundsvc.validation.backtest.backtest_loans`: gives ``backtest_loans`` (AUC, Gini,
        PD grades failing, LGD predicted and realised, overall result) and
        ``backtest_pd_calibration`` (one row per grade: loans, defaults, PD, default rate, p-values).
    funds : FundBacktest, optional
        From :func:`fundsvc.validation.backtest.backtest_pit`: gives ``backtest_funds`` (observations,
        PIT uniformity, coverage of the simulated 90 % band, overall result).

    Returns
    -------
    dict of str to polars.DataFrame
        Only the tables whose input was given.
    """
    schema = {"measure": pl.Utf8, "value": pl.Float64, "se": pl.Float64, "p_value": pl.Utf8, "result": pl.Utf8}
    verdict = {True: "pass", False: "fail"}
    out: dict[str, pl.DataFrame] = {}
    if loans is not None:
        cal = loans.calibration
        rows = [("auc", loans.auc, loans.auc_se, None, verdict[loans.auc_passed]),
                ("gini", loans.gini, 2 * loans.auc_se, None, None),
                ("pd_grades_failing", float((~cal["passed"]).sum()), None, None, verdict[loans.grades_passed])]
        if "lgd_realised" in loans.lgd:
            lg = loans.lgd
            rows += [("lgd_predicted", lg["lgd_predicted"], None, None, None),
                     ("lgd_realised", lg["lgd_realised"], None, _p_text(lg["p_value"]), verdict[bool(lg["passed"])])]
        rows.append(("backtest_overall", None, None, None, verdict[bool(loans.passed)]))
        out["backtest_loans"] = pl.DataFrame(rows, schema=schema, orient="row")
        out["backtest_pd_calibration"] = cal.select(
            "grade", pl.col("loans").cast(pl.Int64), pl.col("defaults").cast(pl.Int64), "pd", "default_rate",
            pl.col("p_binomial").map_elements(_p_text, return_dtype=pl.Utf8),
            pl.col("p_jeffreys").map_elements(_p_text, return_dtype=pl.Utf8),
            pl.col("passed").replace_strict(verdict, return_dtype=pl.Utf8).alias("result"))
    if funds is not None:
        rows = [("observations", float(funds.pit.size), None, None, None),
                ("pit_uniformity", None, None, _p_text(funds.p_uniform), verdict[funds.uniform_passed]),
                ("coverage_90", funds.coverage_90, None, _p_text(funds.p_coverage),
                 verdict[funds.coverage_passed]),
                ("backtest_overall", None, None, None, verdict[bool(funds.passed)])]
        out["backtest_funds"] = pl.DataFrame(rows, schema=schema, orient="row")
    return out
