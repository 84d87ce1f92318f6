"""Capital done properly: LGD floors and the three ways the pool can count as credit-risk
mitigation, each with a hand-worked case (formulas in fundsvc/credit/mitigation.py).

Sources: BCBS CRE32.16 (A-IRB LGD floor 25 % for unsecured corporate exposures), CRE22.79–22.81
(substitution of the protection provider's risk weight for the protected portion), Basel 3.1
F-IRB senior unsecured LGD 40 % (PRA PS1/26 Art. 161(1)(aa)); Basel II §272 for K.
"""

from __future__ import annotations

import pytest

from fundsvc.credit import price_loan
from fundsvc.credit.analytics import irb
from fundsvc.errors import InputError

LOAN = {"amount_cny": 5e6, "term_years": 1, "pd": 0.02, "lgd": 0.30, "funding_cost_rate": 0.02,
        "operating_cost_rate": 0.01, "tax_rate": 0.0, "hurdle_rate": 0.12, "pool_share": 0.4,
        "capital_ratio": 0.08, "quoted_rate": 0.05}
IRB = {"capital_method": "irb", "asset_correlation": 0.15, "irb_maturity_years": 2.5}


def _k(lgd):
    return float(irb.capital_requirement(0.02, lgd, maturity=2.5, correlation=0.15, pd_floor=0.0005))


def test_standardised_substitution_worked_example():
    """RW = (1 − 0.4)·75 % + 0.4·20 % = 53 %; capital = 8 % × 53 % = 4.24 %."""
    r = price_loan(**LOAN, crm="substitution")
    assert r.with_pool.capital.risk_weight == pytest.approx(0.53)
    assert r.capital_rate == pytest.approx(0.0424)
    assert r.without_pool.capital.risk_weight == pytest.approx(0.75)


def test_standardised_substitution_respects_the_cap():
    """Cap 1m on a 5m bullet loan: covered share min(0.4, 0.2) = 0.2 → RW = 0.8·75 % + 0.2·20 % = 64 %."""
    r = price_loan(**LOAN, crm="substitution", pool_cap_cny=1e6)
    assert r.with_pool.capital.risk_weight == pytest.approx(0.64)


def test_standardised_none_keeps_the_borrower_weight():
    r = price_loan(**LOAN, crm="none")
    assert r.with_pool.capital.risk_weight == pytest.approx(0.75)
    assert r.with_pool.capital.capital_rate == r.without_pool.capital.capital_rate


def test_irb_lgd_adjustment_is_floored_at_25_percent():
    """Bank LGD after the pool = 0.6 × 0.30 = 0.18 < 25 % floor → K(PD 2 %, LGD 25 %)."""
    r = price_loan(**LOAN, **IRB, crm="lgd_adjustment")
    assert r.with_pool.capital.lgd == pytest.approx(0.25)
    assert r.with_pool.capital.capital_rate == pytest.approx(_k(0.25))
    assert r.without_pool.capital.lgd == pytest.approx(0.30)
    unfloored = price_loan(**LOAN, **IRB, crm="lgd_adjustment", lgd_floor=0.0)
    assert unfloored.with_pool.capital.lgd == pytest.approx(0.18)
    assert unfloored.capital_rate < r.capital_rate


def test_irb_none_uses_the_lgd_before_the_pool():
    r = price_loan(**LOAN, **IRB, crm="none")
    assert r.with_pool.capital.lgd == pytest.approx(0.30)
    assert r.with_pool.capital.capital_rate == pytest.approx(_k(0.30))
    assert r.expected_loss_rate == pytest.approx(0.02 * 0.18)  # the EL benefit stays


def test_irb_substitution_worked_example():
    """RW = 0.6 × 12.5·K(LGD 30 %) + 0.4 × 20 %."""
    r = price_loan(**LOAN, **IRB, crm="substitution")
    rw = 0.6 * 12.5 * _k(0.30) + 0.4 * 0.2
    assert r.with_pool.capital.risk_weight == pytest.approx(rw)
    assert r.capital_rate == pytest.approx(0.08 * rw)


def test_foundation_irb_uses_the_supervisory_lgd():
    r = price_loan(**LOAN, **IRB, irb_approach="foundation")
    assert r.with_pool.capital.lgd == pytest.approx(0.40)
    assert r.without_pool.capital.lgd == pytest.approx(0.40)


def test_downturn_lgd_raises_capital_and_break_even():
    base = {"amount_cny": 3e6, "term_years": 2, "pd": 0.03, "pledge_rate": 0.4, "capital_method": "irb",
            "recovery_sources": None, "quoted_rate": 0.06}
    avg = price_loan(**base, lgd_mode="default_weighted")
    down = price_loan(**base, lgd_mode="downturn")
    assert down.lgd_after_collateral > avg.lgd_after_collateral
    assert down.capital_rate > avg.capital_rate and down.break_even_rate > avg.break_even_rate


def test_lgd_adjustment_needs_irb():
    with pytest.raises(InputError) as e:
        price_loan(**LOAN, crm="lgd_adjustment")
    assert "crm" in str(e.value) and "IRB" in str(e.value)


def test_side_by_side_lists_each_choice_with_its_own_capital():
    from fundsvc.credit.pricing.crm_compare import compare_mitigation

    rows = {r["crm"]: r for r in compare_mitigation({**LOAN, **IRB})}
    assert set(rows) == {"none", "substitution", "lgd_adjustment"}
    assert rows["lgd_adjustment"]["chosen"] and not rows["none"]["chosen"]
    assert rows["none"]["capital_rate"] == pytest.approx(_k(0.30))
    assert rows["lgd_adjustment"]["irb_lgd"] == pytest.approx(0.25)
    # the subsidy is smallest when the pool does not count for capital
    assert rows["none"]["subsidy_bp"] < rows["lgd_adjustment"]["subsidy_bp"]
    std = compare_mitigation(LOAN)
    assert [r["crm"] for r in std] == ["none", "substitution"]
    assert compare_mitigation({**LOAN, "pool_share": 0.0}) == []


def test_price_loan_cli_shows_the_choices_side_by_side():
    import json

    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app

    args = ["price-loan", "--amount", "3000000", "--term", "2", "--rating", "B2", "--scenario", "quick",
            "--pool", "city-ip", "--pledge-rate", "0.4", "--method", "irb", "--quoted-rate", "0.05"]
    runner = CliRunner()
    r = runner.invoke(build_app(), [*args, "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["crm_comparison"]
    assert [x["crm"] for x in rows] == ["none", "substitution", "lgd_adjustment"]
    r = runner.invoke(build_app(), args, env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "substitution" in r.output and "lgd_adjustment" in r.output
    r = runner.invoke(build_app(), [*args[:-4], "--crm", "lgd_adjustment"])
    assert r.exit_code == 2 and "--crm" in r.output
