"""Backtest results as a report workbook (sheets: summary, PD calibration)."""

from __future__ import annotations

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
