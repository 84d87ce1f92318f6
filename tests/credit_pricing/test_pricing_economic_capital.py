"""Economic capital through the credit engine: request → engine loan, and the simulated rates."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from fundsvc.cli import pricing as pricing_cli
from fundsvc.cli.app import _ErrorHandlingGroup
from fundsvc.credit import CapitalMethod, economic_capital_rates, make_request, price_loan_simulated
from fundsvc.credit.pricing.economic_capital import PRICED_LOAN_ID, engine_loan
from fundsvc.errors import InputError
from fundsvc.inputs import load_scenario
from models.common import Sector


@pytest.fixture(scope="module")
def quick(scenarios_dir):
    return load_scenario(scenarios_dir / "quick.toml").scenario


def _req(quick, **extra):
    pool = next(p for p in quick.pools if p.id == "city-ip")
    fields = {"amount_cny": 5e6, "term_years": 2, "pd": 0.03, "ip_appraisal_cny": 1.2e7, "pool": pool,
              "quoted_rate": 0.05, "recovery": quick.ip_recovery} | extra
    return make_request(fields)


def test_engine_loan_mapping(quick):
    req = _req(quick)
    loan = engine_loan(req, quick)
    assert loan.loan_id == PRICED_LOAN_ID and loan.pool_id == "city-ip"
    assert (loan.guarantee_share, loan.insurance_share) == (0.0, 0.0)
    assert loan.origination == quick.simulation.start_date
    assert loan.term_years == pytest.approx(2.0, abs=1e-3)
    assert loan.ip.appraised_value_cny == 1.2e7 and loan.pd == 0.03 and loan.rate == 0.05
    assert loan.bank in {ln.bank for ln in quick.loans}
    alone = engine_loan(req, quick, with_pool=False, bank="bank_b", sector=Sector.BIOMEDICINE)
    assert alone.pool_id is None and alone.guarantee_share == 0.4  # the pool's guarantor share stays
    assert (alone.bank, alone.sector) == ("bank_b", Sector.BIOMEDICINE)


def test_engine_loan_rejects_what_the_simulation_cannot_model(quick):
    with pytest.raises(InputError, match="instead of lgd"):
        engine_loan(make_request(amount_cny=5e6, term_years=2, pd=0.03, lgd=0.5), quick)
    with pytest.raises(InputError, match="not just a pool share"):
        engine_loan(make_request(amount_cny=5e6, term_years=2, pd=0.03, pledge_rate=0.4, pool_share=0.4), quick)
    other = quick.pools[0].model_copy(update={"id": "elsewhere"})
    with pytest.raises(InputError, match="not in scenario 'quick'"):
        engine_loan(_req(quick, pool=other), quick)


def test_simulated_capital_feeds_pricing(quick):
    """Common random numbers: with the pool's cover the bank's capital is lower than without it."""
    result, ec = price_loan_simulated(
        {"amount_cny": 5e6, "term_years": 2, "pd": 0.03, "ip_appraisal_cny": 1.2e7,
         "pool": quick.pools[0], "recovery": quick.ip_recovery, "capital_method": "economic",
         "quoted_rate": 0.05},
        quick, n_paths=4000, seed=3, level=0.99,
    )
    assert ec.with_pool.n_paths == 4000 and ec.with_pool.level == 0.99
    assert 0.0 <= ec.rate_with_pool < ec.rate_without_pool
    assert result.capital_method is CapitalMethod.ECONOMIC
    assert result.capital_rate == ec.rate_with_pool
    assert result.without_pool.capital.capital_rate == ec.rate_without_pool
    assert result.subsidy_rate > 0
    again = economic_capital_rates(_req(quick), quick, n_paths=4000, seed=3, level=0.99)
    assert again.rate_with_pool == ec.rate_with_pool  # reproducible for a seed


def test_cli_simulates_economic_capital(quick):
    app = typer.Typer(cls=_ErrorHandlingGroup)

    @app.callback()
    def _root() -> None:
        """Test root."""

    pricing_cli.register(app)
    r = CliRunner().invoke(app, ["price-loan", "--amount", "5e6", "--term", "2", "--pd", "0.03", "--ip-appraisal",
                                 "1.2e7", "--scenario", "quick", "--pool", "city-ip", "--method", "economic",
                                 "--paths", "3000", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    sim = data["economic_capital_simulation"]
    assert sim["n_paths"] == 3000 and sim["window"] == "year_1"
    assert data["capital_rate"] == pytest.approx(max(sim["with_pool"]["capital_rate"], 0.0))
