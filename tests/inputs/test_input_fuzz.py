"""Mutated bundled scenarios either load or fail with an :class:`InputError` — never a traceback.

Hypothesis mutates the parsed TOML of the bundled scenarios (wrong types, missing keys, unknown
keys, out-of-range numbers) and the cells and lines of the quick loan book, writes the result to
files and calls :func:`load_scenario`. Whatever it produces, the loader must either succeed or
raise ``InputError`` whose every problem has a non-empty source and message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundsvc.errors import InputError
from fundsvc.inputs import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_counter = itertools.count()


# --- a small TOML writer (inline tables only), enough for mutated scenario dicts -----------------

def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(type(v))


def dumps(data: dict[str, Any]) -> str:
    return "\n".join(f"{_key(k)} = {_value(v)}" for k, v in data.items() if v is not None) + "\n"


# --- mutations ---------------------------------------------------------------------------------

def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside nested dicts and lists."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(prefix + (i,))
            out += _paths(v, prefix + (i,))
    return out


def _parent(data: Any, path: tuple) -> Any:
    node = data
    for p in path[:-1]:
        node = node[p]
    return node


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 2, 1e9, -1e-9, 0.999999, 1.000001, 1e300]),
    st.text(max_size=12),
    st.sampled_from(["", "smart_iot", "fintech", "B2", "ZZ", "pool_first", "quarter", "2026-01-01", "../x.csv"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=8), _scalars, max_size=2),
)


@st.composite
def toml_mutation(draw, data: dict) -> dict:
    """Replace, delete or add one value somewhere in ``data`` (a deep copy is mutated)."""
    data = json.loads(json.dumps(data, default=str))  # deep copy; dates become strings
    data = _restore_dates(data)
    n = draw(st.integers(min_value=1, max_value=3))
    for _ in range(n):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        kind = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if kind == "replace":
            parent[path[-1]] = draw(_values)
        elif kind == "delete":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        else:
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=10))] = draw(_values)
    return data


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _restore_dates(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _restore_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_restore_dates(v) for v in node]
    if isinstance(node, str) and _DATE.match(node):
        return dt.date.fromisoformat(node)
    return node


_cells = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["", "-1", "0", "nan", "inf", "1e400", "2025-02-30", "1.5", "B9", "city-ip", "none",
                     "bullet", "achievement", "\"", ",", "0x10", " 3 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)


@st.composite
def csv_mutation(draw, text: str) -> str:
    """Change cells of the loan book, or corrupt a raw line."""
    rows = list(csv.reader(io.StringIO(text)))
    kind = draw(st.sampled_from(["cells", "cells", "cells", "raw", "drop_column", "header"]))
    if kind == "cells":
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            r = draw(st.integers(min_value=1, max_value=len(rows) - 1))
            c = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
            rows[r][c] = draw(_cells)
    elif kind == "drop_column":
        c = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
        rows = [row[:c] + row[c + 1:] for row in rows]
    elif kind == "header":
        c = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
        rows[0][c] = draw(st.text(max_size=10))
    else:
        lines = text.splitlines()
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        lines[i] = draw(st.sampled_from([lines[i] + ",", lines[i][: len(lines[i]) // 2], draw(st.text(max_size=30)), ""]))
        return "\n".join(lines) + "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


# --- the property ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("fuzz") / "scenarios"
    shutil.copytree(SCENARIOS, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def _base(name: str) -> dict:
    return tomllib.loads((SCENARIOS / name).read_text(encoding="utf-8"))


QUICK = _base("quick.toml")
DOWNTURN = _base("tech_downturn.toml")
QUICK_CSV = (SCENARIOS / "data" / "quick_loans.csv").read_text(encoding="utf-8")


def _assert_loads_or_input_error(path: Path) -> None:
    try:
        load_scenario(path)
    except InputError as exc:
        assert exc.problems
        for p in exc.problems:
            assert isinstance(p.message, str) and p.message.strip(), p
            assert isinstance(p.source, str) and p.source.strip(), p


_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@_SETTINGS
@given(data=st.data())
def test_mutated_quick_scenario_never_crashes(work, data):
    mutated = data.draw(toml_mutation(QUICK))
    i = next(_counter)
    path = work / f"fuzz_{i}.toml"
    if data.draw(st.booleans()):
        csv_name = f"data/fuzz_{i}.csv"
        (work / csv_name).write_text(data.draw(csv_mutation(QUICK_CSV)), encoding="utf-8")
        if isinstance(mutated.get("loan_book"), dict):
            mutated["loan_book"]["path"] = csv_name
    path.write_text(dumps(mutated), encoding="utf-8")
    _assert_loads_or_input_error(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_extending_scenario_never_crashes(work, data):
    """Mutations of a scenario that ``extends`` another (deep merge of the two)."""
    mutated = data.draw(toml_mutation(DOWNTURN))
    path = work / f"fuzz_ext_{next(_counter)}.toml"
    path.write_text(dumps(mutated), encoding="utf-8")
    _assert_loads_or_input_error(path)


def test_writer_round_trips_the_bundled_scenarios():
    """The test's TOML writer reproduces each bundled scenario's data exactly."""
    for name in ("quick.toml", "hangzhou_baseline.toml", "tech_downturn.toml"):
        data = _base(name)
        assert tomllib.loads(dumps(data)) == data


def test_unmutated_copy_loads(work):
    path = work / "fuzz_plain.toml"
    path.write_text(dumps(QUICK), encoding="utf-8")
    assert len(load_scenario(path).scenario.loans) == 48


SELF_CONTAINED = {k: v for k, v in QUICK.items() if k not in ("profiles", "loan_book", "extends")}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_upload_never_crashes(data):
    """``load_scenario_bytes`` (uploads: no file references) under the same mutations."""
    from fundsvc.inputs import load_scenario_bytes

    raw = dumps(data.draw(toml_mutation(SELF_CONTAINED))).encode()
    try:
        load_scenario_bytes(raw, "upload.toml")
    except InputError as exc:
        assert all(p.message.strip() and p.source == "upload.toml" for p in exc.problems)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("scenario", "{a = " * 400 + "1" + "}" * 400),   # nested inline tables
        ("scenario", "[" * 1000 + "1" + "]" * 1000),     # nested arrays
        ("profile", "[" * 1000 + "1" + "]" * 1000),
    ],
)
def test_deeply_nested_toml_is_an_input_error(work, where, value):
    """A file nested deeper than the TOML parser's recursion limit is reported, not a traceback.

    Found by this suite: ``tomllib`` raises ``RecursionError``, which ``parse_toml_bytes`` does not
    catch (it catches only ``TOMLDecodeError``), so the traceback reaches the user.
    """
    i = next(_counter)
    path = work / f"deep_{i}.toml"
    text = (SCENARIOS / "quick.toml").read_text(encoding="utf-8")
    if where == "scenario":
        text = text.replace("persistence = 0.5", f"persistence = {value}")
    else:
        prof = work / "profiles" / f"deep_{i}.toml"
        prof.write_text(f"name = \"deep\"\nstages = {value}\n", encoding="utf-8")
        text = text.replace('stages = ["profiles/stages_default.toml"]', f'stages = ["profiles/deep_{i}.toml"]')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    expected = path.name if where == "scenario" else f"deep_{i}.toml"
    assert any(Path(p.source).name == expected and p.message for p in info.value.problems)
