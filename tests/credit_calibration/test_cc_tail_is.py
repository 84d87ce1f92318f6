"""Multi-year importance sampling on the real credit model (fundsvc/credit/engine/tail_is.py).

References: Glasserman, P. & Li, J. (2005), 'Importance sampling for portfolio credit risk',
Management Science 51(11) (mean shift of the factors); the Gaussian likelihood ratio of a mean
shift is exact, so the checks are: the annual covariance against simulated aggregates, unbiased
weights on a Gaussian event with a known probability, and agreement with plain Monte Carlo on
the full model within standard errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtr

from fundsvc.credit.engine.tail_is import _law, _market, annual_cycle_covariance, credit_tail_run
from fundsvc.inputs.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick():
    return load_scenario(ROOT / "scenarios/quick.toml").scenario


def test_annual_covariance_of_the_aggregated_cycle(quick):
    """Σ against the sample covariance of 20,000 simulated annual tech-cycle paths (SE ≈ 0.007)."""
    m = _market(quick, 20_000, 1, 0)
    c = m.tech_cycle[:, :4]
    emp = np.cov(c, rowvar=False)
    exact = annual_cycle_covariance(quick.market.persistence, 4)
    np.testing.assert_allclose(np.diag(exact), 1.0)
    np.testing.assert_allclose(emp, exact, atol=0.04)
    # the lag-1 correlation of annual means exceeds φ_year (averaging smooths), so φ⁴ would be wrong
    assert exact[0, 1] > quick.market.persistence


def test_likelihood_ratio_is_unbiased_on_a_gaussian_event(quick):
    """Shift X by λ·Γg/σ_g with an arbitrary direction g; then E[w] = 1 and
    E[w·1{C_1 < −2}] = Φ(−2) = 0.02275 within 4 standard errors."""
    law = _law(quick, 10)
    g = np.zeros((10, 1 + law.beta.size))
    g[:3, 0] = 1.0
    g[:2, 1:] = 0.5
    gg = law.gamma_times(g)
    sd = float(np.sqrt(np.sum(g * gg)))
    lam = 2.0
    m = law.shifted(_market(quick, 20_000, 4, 0), lam * gg / sd)
    z = np.einsum("ptk,tk->p", law.coordinates(m, 10), g) / sd
    w = np.exp(-lam * z + 0.5 * lam**2)
    assert abs(w.mean() - 1) < 4 * w.std() / np.sqrt(w.size)
    hit = w * (m.tech_cycle[:, 1] < -2)
    assert abs(hit.mean() - ndtr(-2)) < 4 * hit.std() / np.sqrt(w.size)


def test_importance_sampling_agrees_with_plain_monte_carlo(quick):
    """Quick scenario (book, lending programme, pool with caps and triggers): P(bank loss > x) at
    the plain run's 99 % quantile and the VaR 99 % agree within 4 combined standard errors.

    (The quick book has 48 loans, so its tail is mostly idiosyncratic and a factor shift does not
    reduce the variance here; the gain on the 2,000-loan baseline is measured in
    bench/bench_tail_is.py.)"""
    plain = credit_tail_run(quick, 3000, 11)
    is_run = credit_tail_run(quick, 600, 12, lam=1.0, n_pilot=300)
    x = float(np.quantile(plain.bank_loss, 0.99))
    a, b = plain.p_exceed(x), is_run.p_exceed(x)
    assert abs(a.value - b.value) < 4 * np.hypot(a.se, b.se)
    va, _ = plain.var_es(0.99)
    vb, _ = is_run.var_es(0.99)
    assert abs(va.value - vb.value) < 4 * np.hypot(va.se, vb.se)
    for pid, est in is_run.p_depleted().items():
        ref = plain.p_depleted()[pid]
        assert abs(est.value - ref.value) < 4 * np.hypot(est.se, ref.se) + 1e-9


def test_pool_depletion_agrees_where_pools_do_deplete(quick):
    """The quick scenario's pool never depletes, so the check above is vacuous for depletion; with
    the city pool cut from 2000万 to 200万 it depletes in about 2 % of paths (plain MC, 3,000
    paths), and importance sampling must agree within 4 combined standard errors. Both estimates
    must be clearly non-zero so the comparison means something."""
    pool = quick.pools[0]
    small = quick.model_copy(update={"pools": [pool.model_copy(
        update={"funders": {k: 2_000_000.0 for k in pool.funders}})]})
    plain = credit_tail_run(small, 3000, 11).p_depleted()[pool.id]
    is_est = credit_tail_run(small, 600, 12, lam=1.0, n_pilot=300).p_depleted()[pool.id]
    assert plain.value > 4 * plain.se and is_est.value > 2 * is_est.se
    assert abs(plain.value - is_est.value) < 4 * np.hypot(plain.se, is_est.se)


def test_simulate_tail_cli():
    import json

    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app

    runner = CliRunner()
    r = runner.invoke(build_app(), ["simulate", "quick", "--tail", "is", "--paths", "200", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["method"] == "is" and out["paths"] == 200 and out["lam"] == 2.5
    assert out["bank_var999_cny"][0] > 0 and out["bank_var999_cny"][1] > 0
    assert set(out["p_depleted"]) == {"city-ip"}
    r = runner.invoke(build_app(), ["simulate", "quick", "--tail", "mc", "--paths", "200"])
    assert r.exit_code == 0 and "VaR 99.9%" in r.output
    r = runner.invoke(build_app(), ["simulate", "quick", "--tail", "is", "--tail-lambda", "9"])
    assert r.exit_code == 2 and "--tail-lambda" in r.output


def _shifted_lagged(quick):
    from models.factor_shift import FactorShift

    return quick.model_copy(update={
        "factor_shift": FactorShift(tech_cycle_shift=-1.5, start_year=1, end_year=3),
        "market": quick.market.model_copy(update={"credit_factor_lag_years": 1})})


def test_target_mean_is_the_scenarios_own_shift_and_lag(quick):
    """The likelihood ratio centres X on its mean under the scenario's law: with a [factor_shift]
    (one mechanism: shifted innovations) and a credit lag of 1 year, the mean coordinates from the
    factor code on zero noise equal the sample mean of 20,000 paths (s.e. ≈ 0.007; 5 s.e.), and
    the shift shows in years 2–3 (the lag moves the 2027–2028 window one year later)."""
    sc = _shifted_lagged(quick)
    t = 5
    law = _law(sc, t)
    emp = law.coordinates(_market(sc, 20_000, 3, 0), t).mean(axis=0)
    np.testing.assert_allclose(emp, 0.0, atol=0.035)
    assert abs(law.target[0, 0]) < 1e-12 and abs(law.target[1, 0]) < 1e-12  # before the lagged window
    assert law.target[2, 0] < -1.5 and law.target[3, 0] < -1.5


def test_importance_sampling_agrees_with_plain_monte_carlo_on_a_shifted_lagged_scenario(quick):
    """As above on the unified shift mechanism with a credit lag: P(bank loss > x) at plain's 99 %
    quantile within 4 combined standard errors."""
    sc = _shifted_lagged(quick)
    plain = credit_tail_run(sc, 3000, 11)
    is_run = credit_tail_run(sc, 600, 12, lam=1.0, n_pilot=300)
    x = float(np.quantile(plain.bank_loss, 0.99))
    a, b = plain.p_exceed(x), is_run.p_exceed(x)
    assert abs(a.value - b.value) < 4 * np.hypot(a.se, b.se)


def test_importance_sampling_refuses_imposed_paths(quick):
    import datetime as dt

    from fundsvc.errors import InputError
    from models.stress import FactorImposition, ImposedFactor

    sc = quick.model_copy(update={"market_conditions": [FactorImposition(
        factor=ImposedFactor.TECH_CYCLE, start=dt.date(2027, 1, 1), quarters=4, value=-2.0)]})
    with pytest.raises(InputError, match="shifts only"):
        credit_tail_run(sc, 100, 1, lam=1.0)
