"""fundsvc: guidance funds, venture sub-funds, tech loans and risk-sharing pools, simulated jointly.

The heavy modules load on first use: ``import fundsvc`` is cheap and creates no state.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "load_scenario", "price_loan", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "simulate":
        from fundsvc.api import simulate

        return simulate
    if name == "load_scenario":
        from fundsvc.inputs.loader import load_scenario

        return load_scenario
    if name == "price_loan":
        from fundsvc.credit import price_loan

        return price_loan
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("fundsvc")
        except PackageNotFoundError:
            return "0+unknown"
    raise AttributeError(f"module 'fundsvc' has no attribute {name!r}")
