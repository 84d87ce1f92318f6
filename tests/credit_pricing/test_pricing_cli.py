"""`fundsvc price-loan`: table and JSON output, and errors without a traceback."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from fundsvc.cli import pricing as pricing_cli
from fundsvc.cli.app import _ErrorHandlingGroup
from fundsvc.credit import price_loan

ARGS = ["price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--ip-appraisal", "12000000",
        "--guarantee", "0", "--pool-share", "0.4", "--quoted-rate", "0.045"]


@pytest.fixture(scope="module")
def app():
    app = typer.Typer(cls=_ErrorHandlingGroup)

    @app.callback()
    def _root() -> None:
        """Test root (keeps price-loan a sub-command)."""

    pricing_cli.register(app)
    return app


def invoke(app, *args):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "160"})


def test_table_output(app):
    r = invoke(app, *ARGS)
    assert r.exit_code == 0, r.output
    expected = price_loan(amount_cny=5e6, term_years=3, pd=0.02, ip_appraisal_cny=12e6, pool_share=0.4,
                          quoted_rate=0.045)
    for label in ("保本利率 Break-even rate", "资金池补贴价值 Pool subsidy value", "报价RAROC RAROC at quoted rate",
                  "预期损失 Expected loss", "资本成本 Capital charge", "含资金池 With pool", "无资金池 Without pool"):
        assert label in r.output
    assert f"{100 * expected.break_even_rate:.2f}%" in r.output
    assert f"{100 * expected.without_pool.break_even_rate:.2f}%" in r.output
    assert f"{100 * expected.raroc:.2f}%" in r.output
    assert f"{expected.subsidy_bp:,.1f} bp" in r.output


def test_json_output(app):
    r = invoke(app, *ARGS, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    expected = price_loan(amount_cny=5e6, term_years=3, pd=0.02, ip_appraisal_cny=12e6, pool_share=0.4,
                          quoted_rate=0.045)
    assert data["break_even_rate"] == pytest.approx(expected.break_even_rate, rel=1e-15)
    assert data["raroc"] == pytest.approx(expected.raroc, rel=1e-15)
    assert data["subsidy_bp"] == pytest.approx(expected.subsidy_bp, rel=1e-15)
    assert data["capital_method"] == "standardised"
    assert data["with_pool"]["components"]["total"] == pytest.approx(expected.break_even_rate, rel=1e-14)
    assert data["without_pool"]["break_even_rate"] == pytest.approx(expected.without_pool.break_even_rate)


def test_irb_with_scenario_rating_and_pool(app):
    r = invoke(app, "price-loan", "--amount", "3000000", "--term", "2", "--rating", "B2", "--scenario", "quick",
               "--pool", "city-ip", "--pledge-rate", "0.4", "--method", "irb", "--revenue", "40000000", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["pd_annual"] == 0.02  # B2 on the bundled tech_sme master scale
    assert data["capital_method"] == "irb"
    assert data["with_pool"]["capital"]["correlation"] is not None
    assert data["subsidy_bp"] > 0
    r = invoke(app, "price-loan", "--amount", "3000000", "--term", "2", "--rating", "B2", "--scenario", "quick",
               "--method", "irb")
    assert r.exit_code == 0, r.output
    assert "内部评级法 irb" in r.output and "资产相关性 Asset correlation R" in r.output


def test_bad_inputs_exit_2_name_options(app):
    r = invoke(app, "price-loan", "--amount", "-5", "--term", "3", "--pd", "1.2", "--pledge-rate", "0")
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "3 problems found" in r.output
    assert "--amount: Input should be greater than 0" in r.output
    assert "--pd: Input should be less than 1" in r.output
    assert "--pledge-rate: Input should be greater than or equal to 0.001 (got 0.0)" in r.output


def test_unknown_rating_and_pool(app):
    r = invoke(app, "price-loan", "--amount", "5e6", "--term", "3", "--rating", "Z9", "--scenario", "quick")
    assert r.exit_code == 2
    assert "unknown rating 'Z9'" in r.output and "A1, A2, B1, B2" in r.output
    r = invoke(app, "price-loan", "--amount", "5e6", "--term", "3", "--pd", "0.02", "--scenario", "quick",
               "--pool", "nope")
    assert r.exit_code == 2 and "unknown pool 'nope'" in r.output and "city-ip" in r.output
    r = invoke(app, "price-loan", "--amount", "5e6", "--term", "3", "--rating", "B2")
    assert r.exit_code == 2 and "--rating needs --scenario" in r.output
    assert "Traceback" not in r.output


def test_economic_method_needs_rate(app):
    r = invoke(app, "price-loan", "--amount", "5e6", "--term", "3", "--pd", "0.02", "--method", "economic")
    assert r.exit_code == 2 and "--economic-capital" in r.output
    r = invoke(app, "price-loan", "--amount", "5e6", "--term", "3", "--pd", "0.02", "--method", "economic",
               "--economic-capital", "0.06", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["capital_rate"] == 0.06
