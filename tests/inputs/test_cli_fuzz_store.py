"""Fuzz (hypothesis) the CLI with mutated scenario, loan-book and actuals files: the exit status
is 0 or 2, there is never a traceback, and on 2 nothing at all is written to the store.

A mutation replaces one value of the file (a TOML value, a CSV cell) with something a user or a
broken export might produce (text, huge or non-finite numbers, far dates, booleans, empty) and
re-encodes the file in one of the encodings met in practice (UTF-8 with or without BOM, UTF-16,
GBK). Scenario and loan-book mutations run ``fundsvc simulate`` (10 paths); actuals mutations run
``fundsvc assess`` on a stored run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.store.testing import store_snapshot as snapshot

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
VALUES = st.sampled_from([
    "", "0", "-1", "1e300", "-1e300", "nan", "inf", "-inf", "1e-320", "true", "9999-01-01", "0001-01-01",
    "2026-13-45", "abc", "中文", "\"x\"", "[1, 2]", "{ a = 1 }", "99999999999999999999", "0.5", "2045-01-01",
    "1.7976931348623157e308", "NaN", "1_000", "0x10",
])
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "gbk"])
FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _invoke(args: list[str], data: Path):
    result = CliRunner().invoke(build_app(), [*args, "--data-dir", str(data)])
    text = result.output + result.stderr
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), (result.exit_code, text)
    return result.exit_code


def _encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(SCENARIOS, root / "pristine", ignore=shutil.ignore_patterns("README.md"))
    store = root / "store"
    assert _invoke(["simulate", str(root / "pristine" / "quick.toml"), "--paths", "20"], store) == 0
    return root


def _fresh(work: Path) -> Path:
    dest = work / "case"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(work / "pristine", dest)
    return dest


def _store_copy(work: Path) -> Path:
    dest = work / "case-store"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(work / "store", dest)
    return dest


_TOML_VALUE = re.compile(r"^(\s*[A-Za-z_][\w.]*\s*=\s*)(.+)$", re.MULTILINE)


@FUZZ
@given(pick=st.integers(0, 10_000), value=VALUES, encoding=ENCODINGS)
def test_fuzz_scenario_file(work, pick, value, encoding):
    bundle = _fresh(work)
    q = bundle / "quick.toml"
    text = q.read_text(encoding="utf-8")
    lines = list(_TOML_VALUE.finditer(text))
    m = lines[pick % len(lines)]
    q.write_bytes(_encode(text[:m.start(2)] + value + text[m.end(2):], encoding))
    data = _store_copy(work)
    before = snapshot(data)
    if _invoke(["simulate", str(q), "--paths", "10"], data) == 2:
        assert snapshot(data) == before


@FUZZ
@given(row=st.integers(1, 48), col=st.integers(0, 19), value=VALUES, encoding=ENCODINGS)
def test_fuzz_loan_book(work, row, col, value, encoding):
    bundle = _fresh(work)
    path = bundle / "data" / "quick_loans.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[row].split(",")
    cells[col % len(cells)] = value.replace(",", ";")
    lines[row] = ",".join(cells)
    path.write_bytes(_encode("\n".join(lines) + "\n", encoding))
    data = _store_copy(work)
    before = snapshot(data)
    if _invoke(["simulate", str(bundle / "quick.toml"), "--paths", "10"], data) == 2:
        assert snapshot(data) == before


@FUZZ
@given(row=st.integers(1, 20), col=st.integers(0, 8), value=VALUES, encoding=ENCODINGS)
def test_fuzz_actuals(work, row, col, value, encoding):
    src = (SCENARIOS / "data" / "quick_actuals.csv").read_text(encoding="utf-8").splitlines()
    row = row % (len(src) - 1) + 1
    cells = src[row].split(",")
    cells[col % len(cells)] = value.replace(",", ";")
    src[row] = ",".join(cells)
    path = work / "actuals.csv"
    path.write_bytes(_encode("\n".join(src) + "\n", encoding))
    data = _store_copy(work)
    before = snapshot(data)
    if _invoke(["assess", "1", "--actuals", str(path)], data) == 2:
        assert snapshot(data) == before
