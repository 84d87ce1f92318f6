"""Dash dashboards of fundsvc: ``from dashboards.app import create_app``.

Nothing is imported eagerly: ``create_app`` is resolved on first access.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from dashboards.app import create_app

        return create_app
    raise AttributeError(f"module 'dashboards' has no attribute {name!r}")
