"""Where the bundled scenarios live."""

from __future__ import annotations

import os
from pathlib import Path


def bundled_dir() -> Path:
    """The folder of bundled scenarios.

    ``FUNDSVC_SCENARIOS_DIR`` if set; else ``./scenarios`` when the current folder is a
    fundsvc checkout; else the ``scenarios`` folder next to the installed package (editable
    installs and clones).
    """
    env = os.environ.get("FUNDSVC_SCENARIOS_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if (here / "quick.toml").exists():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> list[Path]:
    """Scenario files in :func:`bundled_dir`, sorted by name."""
    d = bundled_dir()
    return sorted(p for p in d.glob("*.toml")) if d.is_dir() else []


def resolve_scenario(name_or_path: str) -> Path:
    """A path as given, or the bundled scenario of that name (with or without ``.toml``)."""
    p = Path(name_or_path)
    if p.exists():
        return p
    cand = bundled_dir() / (name_or_path if name_or_path.endswith(".toml") else f"{name_or_path}.toml")
    return cand if cand.exists() else p


def resolve_data_file(name_or_path: str) -> Path:
    """A path as given, or the bundled data file ``scenarios/data/<name>.csv`` of that name."""
    p = Path(name_or_path)
    if p.exists():
        return p
    cand = bundled_dir() / "data" / (name_or_path if name_or_path.endswith(".csv") else f"{name_or_path}.csv")
    return cand if cand.exists() else p
