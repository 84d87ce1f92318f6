"""Formatting amounts the way Chinese finance users read them (万元 / 亿元).

Kept for existing imports; the formatting layer is :mod:`fundsvc.formatting`.
"""

from __future__ import annotations

from fundsvc.formatting import fmt_pct


def fmt_cny(amount: float, *, digits: int = 2) -> str:
    """Format an amount in CNY as 亿元 (>= 1e8) or 万元, with its unit.

    >>> fmt_cny(2.0e9)
    '20.00亿元'
    >>> fmt_cny(3_500_000)
    '350.00万元'
    """
    from fundsvc.formatting import fmt_money_auto

    return fmt_money_auto(amount, digits)


__all__ = ["fmt_cny", "fmt_pct"]
