"""The loan-book generator: reproducible, valid, and distributed as documented."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.cli.loans import build_loan_book
from fundsvc.inputs import LOAN_BOOK_COLUMNS, read_loan_book
from fundsvc.loangen import LoanBookProfile, _add_years, generate_loan_book, preset, write_loan_book

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hz() -> pl.DataFrame:
    return preset("hangzhou").generate()


def _within(share: float, p: float, n: int, k: float = 4.0) -> bool:
    """|share − p| within k binomial standard errors."""
    return abs(share - p) <= k * math.sqrt(p * (1 - p) / n)


# --- reproducibility and the shipped files --------------------------------------------------------

def test_same_seed_same_bytes(tmp_path):
    a = write_loan_book(preset("quick").generate(seed=11), tmp_path / "a.csv").read_bytes()
    b = write_loan_book(preset("quick").generate(seed=11), tmp_path / "b.csv").read_bytes()
    c = write_loan_book(preset("quick").generate(seed=12), tmp_path / "c.csv").read_bytes()
    assert a == b
    assert a != c


def test_same_seed_same_parquet_table(tmp_path):
    p1 = write_loan_book(preset("quick").generate(), tmp_path / "a.parquet")
    p2 = write_loan_book(preset("quick").generate(), tmp_path / "b.parquet")
    assert pl.read_parquet(p1).equals(pl.read_parquet(p2))


@pytest.mark.parametrize(
    ("name", "n", "seed", "shipped"),
    [("hangzhou", 2000, 1, "scenarios/data/hangzhou_loans.csv"), ("quick", 48, 7, "scenarios/data/quick_loans.csv")],
)
def test_shipped_loan_books_equal_regenerated(tmp_path, name, n, seed, shipped):
    """``fundsvc generate-loans --preset NAME --n N --seed S`` rebuilds the shipped file byte for byte."""
    out = tmp_path / Path(shipped).name
    build_loan_book(name, n, seed, out)
    assert out.read_bytes() == (ROOT / shipped).read_bytes()
    assert preset(name).out == shipped and preset(name).n_loans == n and preset(name).seed == seed


def test_cli_generates_valid_parquet(tmp_path):
    out = tmp_path / "book.parquet"
    result = CliRunner().invoke(build_app(), ["generate-loans", "--preset", "quick", "--n", "30", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "30 loans" in result.output and "亿元" in result.output
    assert len(read_loan_book(out)) == 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "shanghai"], "unknown preset 'shanghai'"),
        (["--n", "0"], "must be between 1 and 1,000,000"),
        (["--out-suffix", ".xlsx"], "unsupported format '.xlsx'"),
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, args, message):
    out = tmp_path / "book.csv"
    if args[0] == "--out-suffix":
        out, args = tmp_path / f"book{args[1]}", []
    result = CliRunner().invoke(build_app(), ["generate-loans", "--out", str(out), *args])
    assert result.exit_code == 2
    assert message in result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert not out.exists()


# --- shape and validity ------------------------------------------------------------------------

def test_columns_are_exactly_the_loan_book_columns(hz):
    assert hz.columns == [c.name for c in LOAN_BOOK_COLUMNS]
    assert hz.height == 2000
    assert hz["loan_id"].n_unique() == 2000


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_output_passes_the_loader(tmp_path, hz, suffix):
    loans = read_loan_book(write_loan_book(hz, tmp_path / f"book{suffix}"))
    assert len(loans) == hz.height
    assert sum(ln.amount_cny for ln in loans) == pytest.approx(float(hz["amount_cny"].sum()))


def test_every_loan_outstanding_at_as_of(hz):
    p = preset("hangzhou")
    assert hz["origination"].min() >= p.start and hz["origination"].max() <= p.end
    assert hz["maturity"].min() > p.as_of
    assert (hz["maturity"] > hz["origination"]).all()


def test_add_years_keeps_the_day_and_handles_29_february():
    d = np.array(["2024-02-29", "2025-03-31", "2023-12-31"], dtype="datetime64[D]")
    out = _add_years(d, np.array([1, 2, 3]))
    assert out.astype(str).tolist() == ["2025-02-28", "2027-03-31", "2026-12-31"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_loans": 0},
        {"pools": {"a": 0.7, "b": 0.5}},
        {"banks": {"x": 0.5}},
        {"end": dt.date(2023, 1, 1), "start": dt.date(2024, 1, 1)},
        {"as_of": dt.date(2024, 6, 1)},
    ],
)
def test_generator_rejects_bad_arguments(kwargs):
    args = {"n_loans": 5, "seed": 1, "start": dt.date(2024, 1, 1), "end": dt.date(2025, 1, 1), "banks": {"x": 1.0}}
    args.update(kwargs)
    with pytest.raises(ValueError):
        generate_loan_book(args.pop("n_loans"), **args)


# --- distributions as documented in fundsvc/loangen.py ------------------------------------------

def test_product_mix(hz):
    n = hz.height
    for product, p in LoanBookProfile().product_mix.items():
        assert _within(float((hz["product"] == product).mean()), p, n), product


def test_amounts_lognormal_in_the_documented_range(hz):
    ach = hz.filter(pl.col("product") == "achievement")["amount_cny"].to_numpy()
    # 成果贷 typically 100万–1000万元
    assert np.mean((ach >= 1e6) & (ach <= 1e7)) >= 0.75
    assert 2.0e6 <= np.median(ach) <= 3.5e6
    assert hz["amount_cny"].min() >= 300_000 and hz["amount_cny"].max() <= 30_000_000
    assert (hz["amount_cny"] % 10_000 == 0).all()  # whole 万元
    # log-amounts: sd close to the documented 0.6 plus the firm-size spread
    assert 0.55 <= float(np.std(np.log(ach))) <= 0.8


def test_terms_and_amortisation(hz):
    years = (hz["maturity"].dt.year() - hz["origination"].dt.year()).to_numpy()
    assert set(np.unique(years)) <= {1, 2, 3}
    for term, p in LoanBookProfile().term_mix.items():
        assert _within(float(np.mean(years == term)), p, hz.height), term
    mostly = hz["amortisation"].is_in(["bullet", "equal_principal"]).mean()
    assert mostly >= 0.85


def test_rates_between_3_5_and_6_percent_and_rising_with_risk(hz):
    assert hz["rate"].min() >= 0.035 and hz["rate"].max() <= 0.06
    rated = hz.filter(pl.col("rating").is_not_null())
    mean_by = dict(rated.group_by("rating").agg(pl.col("rate").mean()).iter_rows())
    assert mean_by["A1"] < mean_by["B2"] < mean_by["C2"]


def test_ratings_skewed_to_b_grades_and_pd_share(hz):
    rated = hz.filter(pl.col("rating").is_not_null())
    assert rated["rating"].is_in(["B1", "B2", "B3"]).mean() >= 0.65
    assert _within(float(hz["pd"].is_not_null().mean()), LoanBookProfile().pd_share, hz.height)
    assert ((hz["pd"].is_null()) ^ (hz["rating"].is_null())).all()  # exactly one of the two
    pds = hz["pd"].drop_nulls()
    assert pds.min() > 0 and pds.max() < 0.5


def test_firm_sizes_mostly_micro_and_small(hz):
    assert hz["firm_size"].is_in(["micro", "small"]).mean() >= 0.78
    micro = hz.filter((pl.col("firm_size") == "micro") & pl.col("annual_revenue_cny").is_not_null())
    assert micro["annual_revenue_cny"].max() <= 3_000_000


def test_ip_pledge_rate_between_30_and_50_percent(hz):
    ip = hz.filter(pl.col("ip_type").is_not_null())
    pledge = (ip["amount_cny"] / ip["ip_appraised_value_cny"]).to_numpy()
    assert pledge.min() >= 0.29 and pledge.max() <= 0.51
    ach = hz.filter(pl.col("product") == "achievement")
    n = ach.height
    assert _within(float(ach["ip_type"].is_not_null().mean()), 0.95, n)
    assert (ip["ip_items"] >= 1).all()
    no_ip = hz.filter(pl.col("ip_type").is_null())
    assert no_ip["ip_appraised_value_cny"].is_null().all() and no_ip["ip_items"].is_null().all()


def test_sector_mix_covers_the_five_ecosystems(hz):
    for sector, p in LoanBookProfile().sector_mix.items():
        assert _within(float((hz["sector"] == sector).mean()), p, hz.height), sector


def test_pools_banks_and_risk_transfer(hz):
    p = preset("hangzhou")
    for pool_id, share in p.pools.items():
        assert _within(float((hz["pool_id"].fill_null("") == pool_id).mean()), share, hz.height), pool_id
    for bank, share in p.banks.items():
        assert _within(float((hz["bank"] == bank).mean()), share, hz.height), bank
    pooled = hz.filter(pl.col("pool_id").is_not_null())
    assert (pooled["guarantee_share"] == 0).all() and (pooled["insurance_share"] == 0).all()
    assert ((hz["guarantee_share"] + hz["insurance_share"]) <= 1).all()


def test_generator_grades_match_the_master_scale():
    """The generator prices and draws ``pd`` from the same grade PDs as the bundled master scale."""
    scale = tomllib.loads((ROOT / "scenarios/profiles/pd_master_scale.toml").read_text(encoding="utf-8"))
    assert {g["grade"]: g["pd"] for g in scale["grades"]} == LoanBookProfile().grade_pd
    assert set(LoanBookProfile().rating_mix) <= set(LoanBookProfile().grade_pd)


def test_profile_override_changes_the_book():
    base = preset("quick")
    riskier = replace(base.profile, rating_mix={"C2": 0.5, "C3": 0.5}, pd_share=0.0)
    df = generate_loan_book(40, seed=1, start=base.start, end=base.end, banks=base.banks, profile=riskier)
    assert set(df["rating"].to_list()) <= {"C2", "C3"}
    assert df["pool_id"].is_null().all()
