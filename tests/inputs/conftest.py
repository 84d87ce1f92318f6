"""Fixtures for the input tests: writable copies of the bundled scenarios and small edit helpers."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from fundsvc.errors import InputError
from fundsvc.inputs import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of ``scenarios/`` (TOML files, profiles, loan books) in a temporary folder."""
    dest = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, dest, ignore=shutil.ignore_patterns("README.md", "*.pyc", "__pycache__"))
    return dest


def edit_text(path: Path, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` in a text file (fails if absent)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_csv_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set the cell of 1-based data row ``row`` and ``column`` in a CSV file."""
    header, rows = read_csv_rows(path)
    rows[row - 1][header.index(column)] = value
    write_csv_rows(path, header, rows)


def load_problems(path: Path):
    """Load a scenario that must fail; return its problems."""
    with pytest.raises(InputError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert problems and all(p.message for p in problems)
    return problems


@pytest.fixture
def helpers():
    """Edit helpers as a namespace (tests run with --import-mode=importlib, so no shared imports)."""

    class H:
        edit = staticmethod(edit_text)
        read_csv = staticmethod(read_csv_rows)
        write_csv = staticmethod(write_csv_rows)
        set_cell = staticmethod(set_cell)
        problems = staticmethod(load_problems)

    return H
