"""Formatting amounts the way Chinese finance users read them (万元 / 亿元)."""

from __future__ import annotations

import math

from models.common import WAN, YI


def fmt_cny(amount: float, *, digits: int = 2) -> str:
    """Format an amount in CNY as 亿元 (>= 1e8), 万元 (>= 1e4) or plain CNY.

    >>> fmt_cny(2.0e9)
    '20.00亿元'
    >>> fmt_cny(3_500_000)
    '350.00万元'
    """
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "–"
    a = abs(amount)
    if a >= YI:
        return f"{amount / YI:,.{digits}f}亿元"
    if a >= WAN:
        return f"{amount / WAN:,.{digits}f}万元"
    return f"{amount:,.0f}元"


def fmt_pct(x: float, digits: int = 1) -> str:
    """Format a decimal share or rate as a percentage; NaN as an en dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:.{digits}f}%"
