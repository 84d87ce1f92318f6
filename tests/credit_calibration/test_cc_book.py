"""Calibration of LGD by product and a bundled book priced by its own model (issue 12, items 1–2).

Cited ranges (see scenarios/profiles/recovery_sources.toml):
* LGD after every recovery, before sharing: within [25 %, 75 %] — the A-IRB floor for unsecured
  corporate exposures (BCBS CRE32.16) and the F-IRB LGD of subordinated claims (CRE32.5); the
  F-IRB senior unsecured value is 40 % (non-financial corporates, Basel 3.1; 45 % before).
* Annual credit-loss rate of the book before sharing (PD × LGD): within [0.7 %, 2.1 %] — the
  commercial banks' NPL ratio 1.62 % (NFRA, Q1 2023) and that plus the 3 percentage points of NPL
  tolerance allowed for inclusive small and micro business loans (CBIRC, 关于2019年进一步提升小微企业
  金融服务质效的通知, March 2019: "no more than 3 percentage points above the overall ratio", as reported
  by Xinhua on 2019-03-13), times the F-IRB 45 % LGD (a derived range).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.credit.pricing.book import book_report, book_summary, price_book
from fundsvc.credit.pricing.loan import price_loan
from fundsvc.inputs.loader import load_scenario
from fundsvc.loangen import LoanBookProfile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(ROOT / "scenarios/hangzhou_baseline.toml").scenario


@pytest.fixture(scope="module")
def priced(baseline):
    return price_book(baseline)


def _lgd(sc, product, mode=None, **kw):
    fields = {"amount_cny": 3e6, "term_years": 1, "pd": 0.02, "product": product, "recovery": sc.ip_recovery,
              "recovery_sources": sc.recovery_sources, "quoted_rate": 0.05} | kw
    if mode:
        fields["lgd_mode"] = mode
    return price_loan(**fields)


@pytest.mark.parametrize("product", ["achievement", "sci_tech", "talent"])
def test_lgd_by_product_and_collateral_within_cited_range_and_ordered(baseline, product):
    pure = _lgd(baseline, product)
    ip = _lgd(baseline, product, pledge_rate=0.4)
    guar = _lgd(baseline, product, guarantee_share=0.5)
    down = _lgd(baseline, product, "downturn", pledge_rate=0.4)
    for r in (pure, ip, down):
        assert 0.25 <= r.lgd_after_collateral <= 0.75
    assert ip.lgd_after_collateral < pure.lgd_after_collateral  # the pledge recovers something
    assert guar.lgd_after_sharing < 0.55 * pure.lgd_after_sharing  # a 50 % guarantee, less its failures
    assert guar.lgd_after_sharing > 0.5 * pure.lgd_after_sharing  # … the guarantor sometimes fails
    assert down.lgd_after_collateral > ip.lgd_after_collateral  # downturn LGD above the default-weighted one


def test_talent_loans_recover_least(baseline):
    lg = {p: _lgd(baseline, p).lgd_after_collateral for p in ("achievement", "sci_tech", "talent")}
    assert lg["talent"] > lg["achievement"] > lg["sci_tech"]


def test_bundled_book_lgd_and_loss_rate_within_cited_ranges(priced):
    s = book_summary(priced)
    assert 0.25 <= s["lgd"] <= 0.75
    assert 0.007 <= s["loss_rate_before_sharing"] <= 0.021


def test_no_grade_priced_below_its_break_even_and_raroc_plausible(priced):
    """Amount-weighted per grade: contract rate ≥ break-even (the spread's mean is +0.4 %), so
    RAROC ≥ the 10 % hurdle, and RAROC stays below 20 % (a competitive market)."""
    rep = book_report(priced, ("grade",))
    assert (rep["rate"] >= rep["break_even"]).all()
    assert rep["raroc"].min() >= 0.10 and rep["raroc"].max() <= 0.20
    # the pool lowers the break-even rate of every grade (pooled loans are in every grade)
    assert (rep["break_even_no_pool"] >= rep["break_even"]).all()


def test_contract_rates_are_break_even_plus_the_stated_spread(baseline, priced):
    """rate − break-even = spread ~ N(0.4 %, 0.3 %) (rounding to 0.01 % adds ±0.005 %): mean within
    4 standard errors, standard deviation within 15 %."""
    prof = LoanBookProfile()
    # pooled loans are priced with the pool's cover, the others without; price_book's break_even is
    # the with-pool leg, which equals the no-pool leg for unpooled loans
    spread = (priced["rate"] - priced["break_even"]).to_numpy()
    n = spread.size
    assert abs(spread.mean() - prof.spread_mean) < 4 * prof.spread_sd / np.sqrt(n) + 1e-4
    assert spread.std() == pytest.approx(prof.spread_sd, rel=0.15)


def test_book_report_weights_by_amount():
    """Hand-worked: two loans of 1 and 3 (CNY) → weights 1/4 and 3/4."""
    df = pl.DataFrame({"grade": ["B1", "B1"], "product": ["talent", "talent"], "amount_cny": [1.0, 3.0],
                       **{c: [0.1, 0.2] for c in ("pd", "lgd", "el_rate", "break_even", "raroc", "el_rate_no_pool",
                                                  "break_even_no_pool", "raroc_no_pool")},
                       "rate": [0.05, 0.3]})
    row = book_report(df).row(0, named=True)
    assert row["lgd"] == pytest.approx(0.175)
    assert row["rate"] == pytest.approx(0.2375)
    assert row["below_break_even"] == pytest.approx(0.25)  # loan 1: 0.05 < 0.1


def test_book_report_cli(tmp_path):
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    data_dir = tmp_path / "data"
    with Store.open(get_settings(data_dir=data_dir, database_url=None), upgrade=True) as store:
        run = simulate_and_store(store, load_scenario(ROOT / "scenarios/quick.toml"), paths=200, seed=3)
    runner = CliRunner()
    res = runner.invoke(build_app(), ["book-report", str(run.run_id), "--json", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    grades = {r["grade"] for r in out["by_grade"]}
    assert {"B2", "pd"} <= grades
    assert sum(r["n_loans"] for r in out["by_grade"]) == 48
    assert set(out["by_grade"][0]) >= {"el_rate", "lgd", "rate", "break_even", "raroc", "raroc_no_pool",
                                        "break_even_no_pool", "el_rate_no_pool"}
    res = runner.invoke(build_app(), ["book-report", str(run.run_id), "--data-dir", str(data_dir)])
    assert res.exit_code == 0 and "RAROC" in res.output
    res = runner.invoke(build_app(), ["book-report", "999", "--data-dir", str(data_dir)])
    assert res.exit_code == 2 and "999" in res.output
