"""The engine's recovery path, pinned: at a fixed sector factor the simulated mean recovery of
each source equals its analytic mean within the Monte Carlo error, and a downturn lowers it.

Analytic means are computed here from the model's parameters (scipy quadrature over the Beta
density, the Gamma moment-generating function), not from the engine's tables, so dropping the
disposal-cost haircut or flipping the sign of a factor loading in the engine fails these tests.
Tolerance: 4 standard errors of the simulated mean (plus 2e-3 for the 4096-cell tables).
"""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import ndtr, ndtri

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.claims import generate_claims
from fundsvc.credit.engine.synthetic import homogeneous_scenario
from fundsvc.credit.pricing.recovery_expectation import LGDMode, loss_moments, sourced_terms
from models.common import Sector
from models.credit import AssetCorrelationModel, IPCollateral, IPRecoveryModel, IPType, LoanProduct
from models.recovery import GuarantorCreditModel, RecoverySources, WorkoutRecoveryModel

WORKOUT = WorkoutRecoveryModel(
    mean_by_asset={p: {"cash": 0.05, "receivables": 0.2, "equipment": 0.1 + 0.05 * i}
                   for i, p in enumerate(LoanProduct)},
    concentration=2.0, factor_loading=0.4, workout_years=1.5, cost_share=0.1, discount_rate=0.05)
GUARANTOR = GuarantorCreditModel(pd=0.05, asset_correlation=0.24, recovery_on_failure=0.3)
IP = IPRecoveryModel(factor_loading=0.4, disposal_cost_share=0.15, p_no_sale=0.3)
N_LOANS, N_PATHS = 100, 200  # PD 0.5: about 10,000 defaults per case


def _records(z0: float, sources: RecoverySources, *, product=LoanProduct.ACHIEVEMENT, ip=None, guarantee=0.0,
             seed=3):
    loan_kwargs = {"product": product, "ip": ip, "guarantee_share": guarantee}
    sc = homogeneous_scenario(N_LOANS, 0.5, loan_kwargs=loan_kwargs)
    sc = sc.model_copy(update={"recovery_sources": sources, "ip_recovery": IP})
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=0.2), steps_per_year=1)
    sector = np.full((N_PATHS, 1, len(Sector)), z0)
    return m, generate_claims(m, sector, seed, 0, record_defaults=True).records


def _beta_probit_mean(mean: float, conc: float, loading: float, z: float) -> float:
    """E[Φ(Φ⁻¹(B) + λ·z)], B ~ Beta(mean·conc, (1 − mean)·conc), by quadrature."""
    a, b = mean * conc, (1 - mean) * conc
    f = lambda u: ndtr(ndtri(stats.beta.ppf(u, a, b)) + loading * z)
    return integrate.quad(f, 0, 1, limit=200)[0]


def _check(sim: np.ndarray, exact: float):
    se = sim.std(ddof=1) / np.sqrt(sim.size)
    assert sim.size > 2000
    assert abs(sim.mean() - exact) < 4 * se + 2e-3, (sim.mean(), exact, se)


@pytest.mark.parametrize("z0", [0.0, -1.5])
def test_workout_recovery_mean_matches_analytic(z0):
    """Pure credit: recovery / EAD = (1 − cost)(1 + r)^−T · E[Φ(Φ⁻¹(B) + λz)] per product."""
    src = RecoverySources(workout=WORKOUT)
    for product in (LoanProduct.ACHIEVEMENT, LoanProduct.TALENT):
        _, rec = _records(z0, src, product=product)
        exact = (0.9 * 1.05 ** -1.5) * _beta_probit_mean(WORKOUT.mean_fraction(product), 2.0, 0.4, z0)
        _check(rec.recovery / rec.exposure, exact)


@pytest.mark.parametrize("ip_type", [IPType.INVENTION_PATENT, IPType.UTILITY_MODEL])
@pytest.mark.parametrize("z0", [0.0, -1.5])
def test_ip_recovery_mean_matches_analytic(z0, ip_type):
    """IP only (appraisal = EAD, so the EAD limit never binds): recovery / appraisal =
    (1 − p_ns)·E[Φ(Φ⁻¹(X) + λz)]·(1 − cost)·E[(1 + r)^−τ], τ ~ Gamma: E = (1 + θ·ln(1 + r))^−k."""
    src = RecoverySources(guarantor=None, workout=None)
    _, rec = _records(z0, src, ip=IPCollateral(ip_type=ip_type, appraised_value_cny=1e6))
    k = 1 / IP.disposal_years_cv**2
    theta = IP.mean_disposal_years / k
    disc = (1 + theta * np.log1p(IP.discount_rate)) ** (-k)
    m = IP.mean_fraction[ip_type]
    exact = 0.7 * _beta_probit_mean(m, IP.concentration, 0.4, z0) * 0.85 * disc
    _check(rec.recovery / 1e6, exact)


def test_guarantor_pays_unless_it_fails_with_its_conditional_pd():
    """Guarantee 50 %, unpooled: the guarantor pays its share × (1 − q(z)·(1 − ρ)), with
    q(z) = Φ((Φ⁻¹(pd) − √R·z)/√(1 − R)) (Vasicek), at z = −1.5."""
    z0 = -1.5
    src = RecoverySources(workout=WORKOUT, guarantor=GUARANTOR)
    _, rec = _records(z0, src, guarantee=0.5)
    q = ndtr((ndtri(0.05) - np.sqrt(0.24) * z0) / np.sqrt(1 - 0.24))
    owed = 0.5 * (rec.exposure - rec.recovery)
    pos = owed > 0
    _check(rec.guarantor[pos] / owed[pos], 1 - q * 0.7)
    # and the bank carries exactly what the guarantor does not pay (conservation per default)
    np.testing.assert_allclose(rec.bank + rec.guarantor + rec.claim + rec.insurer + rec.recovery, rec.exposure,
                               rtol=1e-12)


def test_downturn_lowers_recovery_through_the_engine():
    """Same loans and seed, sector factor −1.5 instead of 0: every source recovers less."""
    src = RecoverySources(workout=WORKOUT, guarantor=GUARANTOR)
    ip = IPCollateral(appraised_value_cny=2.5e6)
    _, up = _records(0.0, src, ip=ip, guarantee=0.5)
    _, down = _records(-1.5, src, ip=ip, guarantee=0.5)
    r_up, r_down = up.recovery / up.exposure, down.recovery / down.exposure
    se = np.hypot(r_up.std() / np.sqrt(r_up.size), r_down.std() / np.sqrt(r_down.size))
    assert r_up.mean() - r_down.mean() > 6 * se
    paid = lambda r: r.guarantor.sum() / (0.5 * (r.exposure - r.recovery)).sum()
    assert paid(down) < paid(up)


@pytest.mark.parametrize("z0", [0.0, -1.5])
def test_pricing_expectation_equals_the_engine_at_a_fixed_factor(z0):
    """Pricing's LGD (deterministic grid of the same functions, at one factor node) equals the
    engine's simulated mean loss per CNY of EAD — before and after the guarantor's share."""
    src = RecoverySources(workout=WORKOUT, guarantor=GUARANTOR)
    ip = IPCollateral(appraised_value_cny=2.5e6)
    _, rec = _records(z0, src, ip=ip, guarantee=0.5)
    t = sourced_terms(IP, src, appraisal_cny=2.5e6, ip_type=IPType.INVENTION_PATENT, product=LoanProduct.ACHIEVEMENT,
                      pd=0.5, correlation=0.2, mode=LGDMode.DOWNTURN, downturn_z=z0)
    # the engine's EAD is the principal (bullet loan of 1e6, principal basis)
    el, bank = loss_moments(t, [1e6], guarantee_share=0.5, insurance_share=0.0, pool_share=0.0,
                            pool_cap_cny=None, pool_pay_probability=1.0)
    loss = 1 - rec.recovery / rec.exposure
    se = loss.std() / np.sqrt(loss.size)
    assert abs(loss.mean() - el[0]) < 4 * se + 5e-3
    bank_sim = rec.bank / rec.exposure
    assert abs(bank_sim.mean() - bank[0]) < 4 * bank_sim.std() / np.sqrt(bank_sim.size) + 5e-3
