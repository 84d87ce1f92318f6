"""The bundled scenarios load, validate and hold what scenarios/README.md says they hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fundsvc.inputs import LOAN_BOOK_COLUMNS, load_scenario
from models.common import PRIORITY_SECTORS, YI
from models.credit import IPType, Party, ReplenishmentRule, SharingRule
from models.market import Regime
from models.scenario import Scenario
from models.venture import BuyoutExercise, FundStage, SubFundMode

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUNDLED = ("quick.toml", "hangzhou_baseline.toml", "tech_downturn.toml")


@pytest.fixture(scope="module")
def loaded() -> dict[str, Scenario]:
    return {name: load_scenario(SCENARIOS / name).scenario for name in BUNDLED}


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads(loaded, name):
    s = loaded[name]
    assert s.name == name.removesuffix(".toml")
    corr = s.market.sector_correlation()
    assert np.linalg.eigvalsh(corr).min() > 0
    for loan in s.loans:  # every loan has a usable PD
        assert 0 < s.loan_pd(loan) < 1


# --- baseline ----------------------------------------------------------------------------------

def test_baseline_guidance_fund(loaded):
    s = loaded["hangzhou_baseline.toml"]
    gf = s.guidance_fund
    committed = sum(f.guidance_commitment_cny for f in s.sub_funds)
    assert gf.size_cny == 20 * YI
    assert 15 * YI <= committed <= 25 * YI and committed <= gf.size_cny
    assert 10 <= len(s.sub_funds) <= 14
    assert {f.strategy for f in s.sub_funds} == set(FundStage)
    covered = {sec for f in s.sub_funds for sec in f.sector_weights}
    assert set(PRIORITY_SECTORS) <= covered
    leverage = sum(f.commitment_cny for f in s.sub_funds) / committed
    assert 3 <= leverage <= 6


def test_baseline_sub_fund_terms(loaded):
    funds = loaded["hangzhou_baseline.toml"].sub_funds
    assert all(0.2 <= f.guidance_share <= 0.3 for f in funds)
    assert all(1.5 <= f.local_reinvestment_multiple <= 2.0 for f in funds)
    assert all(f.waterfall.hurdle_rate == 0.08 and f.waterfall.carry == 0.2 for f in funds)
    assert all(f.fees.management_fee_rate in (0.02, 0.015) for f in funds)
    assert 1 <= sum(f.mode is SubFundMode.TAKAHASHI_ALEXANDER for f in funds) <= 2
    assert any(f.profit_concession is not None for f in funds)
    assert any(f.buyout.exercise is not BuyoutExercise.NEVER for f in funds)
    s = loaded["hangzhou_baseline.toml"]
    assert all(f.vintage >= s.guidance_fund.inception for f in funds)
    # every fund's life (with extension) ends within the simulated horizon
    for f in funds:
        end_year = f.vintage.year + f.vintage.month / 12 + f.life_years + f.extension_years
        assert end_year <= s.simulation.end_date.year + 1


def test_baseline_pools(loaded):
    s = loaded["hangzhou_baseline.toml"]
    city, district = s.pool("city-ip"), s.pool("district-ip")
    assert city.initial_balance_cny == 1 * YI
    assert city.shares == {Party.POOL: 0.4, Party.GUARANTOR: 0.4, Party.BANK: 0.2}
    assert 7 <= city.leverage_multiplier <= 10
    assert district.initial_balance_cny == 2_000 * 10_000
    assert district.sharing_rule is SharingRule.POOL_FIRST and city.sharing_rule is SharingRule.PRO_RATA
    assert district.per_loan_cap_cny is not None
    assert district.replenishment.rule is not ReplenishmentRule.NONE
    grades = {g.grade for g in s.pd_master_scale.grades}
    for pool in (city, district):
        prog = pool.lending_programme
        assert prog is not None and set(prog.profile.rating_mix) <= grades
        pooled = sum(ln.amount_cny for ln in s.loans if ln.pool_id == pool.id)
        assert 0 < pooled <= pool.initial_balance_cny * pool.leverage_multiplier


def test_baseline_loan_book(loaded):
    s = loaded["hangzhou_baseline.toml"]
    loans = s.loans
    assert 1800 <= len(loans) <= 2200
    assert len({ln.bank for ln in loans}) >= 4
    assert {ln.product.value for ln in loans} >= {"achievement", "sci_tech", "talent"}
    total = sum(ln.amount_cny for ln in loans)
    assert 30 * YI <= total <= 100 * YI
    assert all(ln.maturity > s.simulation.start_date for ln in loans)


def test_baseline_market(loaded):
    m = loaded["hangzhou_baseline.toml"].market
    assert m.residual_correlation is not None and m.regime is not None and m.regime.enabled
    assert np.linalg.eigvalsh(np.asarray(m.residual_correlation)).min() > 0
    assert len(m.sectors) == 6


# --- stress ------------------------------------------------------------------------------------

def test_downturn_changes_only_market_and_credit_profiles(loaded):
    base, stress = loaded["hangzhou_baseline.toml"], loaded["tech_downturn.toml"]
    assert stress.sub_funds == base.sub_funds
    assert stress.pools == base.pools
    assert stress.loans == base.loans
    assert stress.guidance_fund == base.guidance_fund
    assert stress.stage_profiles == base.stage_profiles
    assert stress.simulation == base.simulation


def test_downturn_market_is_worse(loaded):
    b, s = loaded["hangzhou_baseline.toml"].market, loaded["tech_downturn.toml"].market
    assert all(s.tech_cycle_loading[k] > b.tech_cycle_loading[k] for k in b.sectors)
    assert s.persistence > b.persistence
    assert s.regime.initial[Regime.COLD] > b.regime.initial[Regime.COLD]
    assert s.regime.transition[2][2] > b.regime.transition[2][2]
    assert s.public_index.drift < b.public_index.drift
    assert s.residual_correlation == b.residual_correlation  # inherited


def test_downturn_credit_is_worse(loaded):
    """Point in time: the downturn keeps the cycle-average PD scale and moves the factors instead;
    the stressed PD scale survives only in the explicit option tech_downturn_cycle_average.toml."""
    b, s = loaded["hangzhou_baseline.toml"], loaded["tech_downturn.toml"]
    assert s.pd_master_scale == b.pd_master_scale
    assert b.factor_shift is None and s.factor_shift.tech_cycle_shift < 0
    opt = load_scenario(SCENARIOS / "tech_downturn_cycle_average.toml").scenario
    assert [g.grade for g in opt.pd_master_scale.grades] == [g.grade for g in b.pd_master_scale.grades]
    assert all(gs.pd > gb.pd for gs, gb in zip(opt.pd_master_scale.grades, b.pd_master_scale.grades))
    assert opt.factor_shift.tech_cycle_shift == 0.0
    assert all(s.ip_recovery.mean_fraction[t] < b.ip_recovery.mean_fraction[t] for t in IPType)
    assert s.ip_recovery.p_no_sale > b.ip_recovery.p_no_sale
    assert s.ip_recovery.mean_disposal_years > b.ip_recovery.mean_disposal_years


# --- quick -------------------------------------------------------------------------------------

def test_quick_keeps_its_ids_and_covers_each_loan_kind(loaded):
    s = loaded["quick.toml"]
    assert [f.id for f in s.sub_funds] == ["seed-iot", "vc-bio", "ta-green"]
    assert [p.id for p in s.pools] == ["city-ip"]
    assert s.simulation.paths <= 5000
    loans = s.loans
    assert 40 <= len(loans) <= 60
    assert any(ln.pd is not None for ln in loans) and any(ln.rating is not None for ln in loans)
    assert any(ln.ip is not None for ln in loans) and any(ln.ip is None for ln in loans)
    assert any(ln.pool_id == "city-ip" for ln in loans) and any(ln.pool_id is None for ln in loans)


# --- documentation -----------------------------------------------------------------------------

def test_readme_documents_every_section_and_column():
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    for column in LOAN_BOOK_COLUMNS:
        assert f"`{column.name}`" in readme, column.name
    for section in Scenario.model_fields:
        if section in ("stage_profiles", "pd_master_scale", "ip_recovery", "loans"):
            continue  # given through [profiles] and [loan_book]
        assert section in readme, section
    for key in ("[profiles]", "[loan_book]", "extends"):
        assert key in readme
