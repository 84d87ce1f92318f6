"""Every bad input the tester of issue 15 found unclean: exit status 2, a message naming the file
and field/row and the reason, no traceback, and nothing written to the store.

One test per case of the issue's list (tracebacks; written despite an error; accepted silently
or misleading). Each runs the real CLI in-process against a data directory of its own and compares
the store (row counts of every table and the files under the data directory) before and after.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.store.testing import store_snapshot as snapshot

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    """A data directory holding one succeeded run of quick.toml (200 paths)."""
    data = tmp_path_factory.mktemp("issue15-store")
    result = CliRunner().invoke(build_app(), ["simulate", str(SCENARIOS / "quick.toml"), "--paths", "200",
                                              "--data-dir", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return data


@pytest.fixture
def store_dir(base_store, tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(base_store, dest)
    return dest


@pytest.fixture
def bundle(tmp_path):
    dest = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


def run_cli(args: list[str], data: Path | None = None):
    argv = [*args, "--data-dir", str(data)] if data is not None else args
    result = CliRunner().invoke(build_app(), argv)
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    return result.exit_code, " ".join(text.split())


def refused(args, data: Path | None, *needles: str):
    """Run ``args``; assert exit 2, every needle in the message, and an unchanged store.

    ``data=None``: a command without a store option (``price-loan``); the store checked is the
    test's default data directory (``FUNDSVC_DATA_DIR``)."""
    before = snapshot(data or Path(os.environ["FUNDSVC_DATA_DIR"]))
    code, text = run_cli(args, data)
    assert code == 2, text
    for needle in needles:
        assert needle in text, f"{needle!r} not in: {text}"
    assert snapshot(data or Path(os.environ["FUNDSVC_DATA_DIR"])) == before
    return text


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# --- tracebacks ----------------------------------------------------------------------------

def test_start_date_far_in_the_future_is_refused_before_simulating(bundle, tmp_path):
    data = tmp_path / "fresh"
    q = edit(bundle / "quick.toml", "start_date = 2026-01-01", "start_date = 9999-01-01")
    refused(["simulate", str(q), "--paths", "50"], data, "quick.toml", "simulation.start_date", "9999-01-01")


def test_file_reference_with_a_nul_byte(bundle, tmp_path):
    q = edit(bundle / "quick.toml", 'path = "data/quick_loans.csv"', 'path = "data/quick\\u0000loans.csv"')
    refused(["simulate", str(q), "--paths", "50"], tmp_path / "fresh", "quick.toml", "loan_book.path", "NUL")


@pytest.mark.parametrize("option", [["--paths", "0"], ["--paths", "-5"], ["--seed", "-1"]])
def test_price_loan_economic_bad_paths_or_seed(option, tmp_path):
    text = refused(["price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.02", "--method", "economic",
                    "--ip-appraisal", "6000000", "--scenario", "quick", *option], None, option[0])
    assert "must be" in text


def test_simulate_paths_above_the_cap_stores_nothing(store_dir):
    refused(["simulate", "quick", "--paths", "1000000000000"], store_dir, "--paths", "100,000,000")


def test_report_out_is_an_existing_directory(store_dir, tmp_path):
    (tmp_path / "out").mkdir()
    refused(["report", "1", "--period", "2027-Q1", "--out", str(tmp_path / "out")], store_dir,
            "--out", "is a directory")


# --- written to the store despite an error -------------------------------------------------

def _actuals(tmp_path: Path, mutate) -> Path:
    rows = (SCENARIOS / "data" / "quick_actuals.csv").read_text(encoding="utf-8").splitlines()
    out = tmp_path / "actuals.csv"
    out.write_text("\n".join(mutate(rows)) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("date", ["2099-12-31", "2020-03-31"])
def test_actuals_row_outside_the_simulated_quarters(store_dir, tmp_path, date):
    def mutate(rows):
        fields = rows[-1].split(",")
        fields[1] = date
        return [*rows, ",".join(fields)]

    path = _actuals(tmp_path, mutate)
    n = len(path.read_text().splitlines())
    refused(["assess", "1", "--actuals", str(path)], store_dir, "actuals.csv", f"row {n - 1}", "period_end", date)


@pytest.mark.parametrize("as_of", ["2200-12-31", "1990-03-31"])
def test_as_of_out_of_range_names_the_option(store_dir, as_of):
    refused(["assess", "1", "--actuals", str(SCENARIOS / "data" / "quick_actuals.csv"), "--as-of", as_of],
            store_dir, "--as-of", as_of)


# --- accepted silently or misleading -------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "needle"), [
    ("nav_cny", "nan", "not a finite number"), ("nav_cny", "inf", "not a finite number"),
    ("calls_cny", "1e300", "above"),
])
def test_actuals_non_finite_or_huge_amounts(store_dir, tmp_path, column, value, needle):
    def mutate(rows):
        header = rows[0].split(",")
        fields = rows[1].split(",")
        fields[header.index(column)] = value
        return [rows[0], ",".join(fields), *rows[2:]]

    refused(["assess", "1", "--actuals", str(_actuals(tmp_path, mutate))], store_dir,
            "actuals.csv", "row 1", column, needle)


def test_loan_of_1e300_cny(bundle, tmp_path):
    path = bundle / "data" / "quick_loans.csv"
    edit(path, ",3550000,", ",1e300,")
    refused(["simulate", str(bundle / "quick.toml"), "--paths", "50"], tmp_path / "fresh",
            "quick_loans.csv", "amount_cny", "row 1")


@pytest.mark.parametrize(("old", "new", "field"), [
    ("size_cny = 500_000_000", "size_cny = 1e300", "guidance_fund.size_cny"),
    ("commitment_cny = ", "commitment_cny = 1e300 #", "commitment_cny"),
])
def test_fund_amounts_of_1e300_cny(bundle, tmp_path, old, new, field):
    edit(bundle / "quick.toml", old, new)
    refused(["simulate", str(bundle / "quick.toml"), "--paths", "50"], tmp_path / "fresh", field,
            "less than or equal to 10000000000000")


def test_price_loan_amount_1e300(tmp_path):
    refused(["price-loan", "--amount", "1e300", "--term", "3", "--pd", "0.02"], None, "--amount",
            "less than or equal to 10000000000000")


def test_paths_true_is_not_one_path(bundle, tmp_path):
    edit(bundle / "quick.toml", "paths = 2000", "paths = true")
    refused(["simulate", str(bundle / "quick.toml")], tmp_path / "fresh", "simulation.paths", "valid integer", "True")


def test_sub_fund_vintage_after_the_horizon(bundle, tmp_path):
    q = bundle / "quick.toml"
    text = q.read_text(encoding="utf-8")
    start = text.index("[[sub_funds]]")
    i = text.index("vintage = ", start)
    j = text.index("\n", i)
    q.write_text(text[:i] + "vintage = 2045-01-01" + text[j:], encoding="utf-8")
    refused(["simulate", str(q), "--paths", "50"], tmp_path / "fresh", "sub_funds[0]", "vintage", "horizon")


def test_price_loan_unknown_bank(tmp_path):
    refused(["price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.02", "--method", "economic",
             "--ip-appraisal", "6000000", "--scenario", "quick", "--bank", "nobank", "--paths", "100"], None,
            "--bank", "nobank", "bank_a")


def test_schema_version_as_text(bundle, tmp_path):
    edit(bundle / "quick.toml", "schema_version = 1", 'schema_version = "1"')
    text = refused(["simulate", str(bundle / "quick.toml"), "--paths", "50"], tmp_path / "fresh",
                   "schema_version", "the integer 1")
    assert "this fundsvc reads 1)" not in text


def test_toml_with_a_byte_order_mark_is_accepted(bundle):
    q = bundle / "quick.toml"
    q.write_bytes(b"\xef\xbb\xbf" + q.read_bytes())
    code, text = run_cli(["validate", str(q)])
    assert code == 0, text


@pytest.mark.parametrize(("encoding", "name"), [("utf-16", "UTF-16"), ("gbk", "GBK")])
def test_loan_book_in_another_encoding_is_named(bundle, tmp_path, encoding, name):
    path = bundle / "data" / "quick_loans.csv"
    text = path.read_text(encoding="utf-8")
    if encoding == "gbk":
        text = text.replace("Q-F00001", "企业-F00001")
    path.write_bytes(text.encode(encoding))
    msg = refused(["simulate", str(bundle / "quick.toml"), "--paths", "50"], tmp_path / "fresh",
                  "quick_loans.csv", name, "UTF-8")
    assert msg.count("unknown column") == 0


def test_parquet_loan_book_with_integer_day_dates(bundle, tmp_path):
    df = pl.read_csv(bundle / "data" / "quick_loans.csv", try_parse_dates=True)
    df = df.with_columns(pl.col("origination").cast(pl.Int32), pl.col("maturity").cast(pl.Int32))
    df.write_parquet(bundle / "data" / "quick_loans.parquet")
    edit(bundle / "quick.toml", 'path = "data/quick_loans.csv"', 'path = "data/quick_loans.parquet"')
    text = refused(["simulate", str(bundle / "quick.toml"), "--paths", "50"], tmp_path / "fresh",
                   "quick_loans.parquet", "origination", "maturity", "dates")
    assert text.count("Datetimes provided") == 0 and text.count("problem") <= 3


@pytest.mark.parametrize("kwargs", [{"paths": 0}, {"paths": 10**12}, {"seed": -1}, {"paths": 5, "chunk_size": 0}])
def test_python_api_bounds_the_run_before_any_work(kwargs):
    """The Python API applies the same bounds as the CLI and the run queue (one place:
    fundsvc.simulation.limits)."""
    import fundsvc
    from fundsvc.errors import InputError

    field = next(iter(k for k in kwargs if k != "paths" or len(kwargs) == 1))
    with pytest.raises(InputError, match=field):
        fundsvc.simulate("quick", **kwargs)
