"""Which code produced a run: the fundsvc version plus the git commit when available."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def package_version() -> str:
    """Installed version of the ``fundsvc`` distribution (``"unknown"`` if not installed)."""
    try:
        return metadata.version("fundsvc")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit(directory: Path = _PACKAGE_DIR) -> str | None:
    """Short commit of the checkout holding ``directory``, ``+dirty`` if it has changes.

    ``None`` when git or the repository is unavailable (e.g. an installed wheel: only a
    checkout whose top level holds the ``fundsvc`` package is asked).
    """
    if not (directory.parent / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty=+dirty", "--abbrev=12", "--exclude=*"],
            cwd=directory, capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit or None


def code_version() -> str:
    """``"<version>"`` or ``"<version>+g<commit>"``, e.g. ``"0.1.0+g1a2b3c4d5e6f+dirty"``."""
    version = package_version()
    commit = git_commit()
    return f"{version}+g{commit}" if commit else version
