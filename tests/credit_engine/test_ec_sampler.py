"""The geometric-skipping default sampler (DefaultSampler.SKIP, an option) against the
one-uniform-per-loan sampler (DefaultSampler.DENSE, the default) and closed forms.

Exact where a closed form exists (item frequencies and independence for fixed probabilities; a
geometric default year under a fixed factor path), two-sample tests on kernel outputs otherwise.
Tolerances are 4 standard errors; seeds are fixed, so the tests are deterministic.
"""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr, ndtri

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.compile import CreditSettings
from fundsvc.credit.engine.defaults import DefaultSampler, Segments, skip_window_defaults
from fundsvc.credit.engine.synthetic import homogeneous_scenario, iid_market, synthetic_scenario
from fundsvc.engine.factors import MarketPaths
from models.common import Sector
from models.credit import AssetCorrelationModel

Z = 4.0  # tolerance in standard errors


def _model(scenario, sampler, **kw):
    return compile_credit(scenario, settings=CreditSettings(default_sampler=sampler), **kw)


def test_skip_sampler_hits_each_item_with_its_probability_independently():
    """Fixed window probabilities (no factor): each item defaults with its own p (Bernoulli
    frequency within 4 SE), items are independent (pairwise joint = product), p = 0 never and
    p = 1 always default, no item is drawn twice, and the returned uniform is U(0, p)."""
    counts = np.array([3, 5, 1, 4, 7, 2, 3])
    segment = np.array([0, 0, 1, 2, 2, 2, 3])
    p = np.array([0.05, 0.3, 0.9, 0.01, 0.2, 1.0, 0.0], np.float32)
    n = 60_000
    prob = np.ascontiguousarray(np.broadcast_to(p, (n, p.size)))
    rows, cols, u = skip_window_defaults(prob, Segments.of(counts, segment), np.random.default_rng(5))
    hit = np.zeros((n, counts.sum()), bool)
    hit[rows, cols] = True
    assert hit.sum() == rows.size  # no duplicates
    exp = np.repeat(p.astype(float), counts)
    freq = hit.mean(axis=0)
    se = np.sqrt(exp * (1 - exp) / n)
    assert np.all(np.abs(freq - exp) <= Z * se + 1e-12), (freq, exp)
    assert hit[:, exp == 1.0].all() and not hit[:, exp == 0.0].any()
    for a, b in ((1, 4), (3, 7), (12, 13), (0, 8)):  # same key, same segment, other segments
        pab = exp[a] * exp[b]
        assert abs((hit[:, a] & hit[:, b]).mean() - pab) <= Z * np.sqrt(pab * (1 - pab) / n)
    # u / p is uniform on [0, 1) for every default
    assert stats.kstest(u / exp[cols], "uniform").pvalue > 1e-3
    assert np.all(u < exp[cols])


class _Counting:
    """A generator that counts the uniforms drawn through it."""

    def __init__(self, rng):
        self.rng, self.drawn = rng, 0

    def random(self, size=None, **kw):
        out = self.rng.random(size, **kw)
        self.drawn += np.size(out)
        return out


def test_skip_sampler_takes_few_random_numbers():
    """The point of skipping: 2,000 items × 1,000 rows at p = 2 % (40,000 defaults expected)
    take about two uniforms per default plus a few per (row, segment), far fewer than one per
    item and row; the default count is binomial (within 4 SE)."""
    counts = np.full(50, 40)
    prob = np.full((1000, 50), 0.02, np.float32)
    rng = _Counting(np.random.default_rng(1))
    rows, _, _ = skip_window_defaults(prob, Segments.of(counts, np.arange(50) // 10), rng)
    n = 1000 * 2000
    assert abs(rows.size - 0.02 * n) < Z * np.sqrt(0.02 * 0.98 * n)
    assert rng.drawn < 0.1 * n, rng.drawn


def _constant_market(n_paths, n_steps, z, steps_per_year=1):
    k = len(Sector)
    return MarketPaths(steps_per_year, tuple(Sector), np.full((n_paths, n_steps), z),
                       np.full((n_paths, n_steps, k), z), None, np.full((n_paths, n_steps + 1), 100.0), 0.0)


@pytest.mark.parametrize("sampler", list(DefaultSampler))
@pytest.mark.parametrize("steps_per_year", [1, 4])
def test_default_step_is_geometric_under_a_fixed_factor_path(sampler, steps_per_year):
    """Fixed factor z = −1 in every step: given z loans are independent and each defaults in a
    step it is alive with p = Φ((Φ⁻¹(PD_step) + √R)/√(1 − R)), PD_step = 1 − (1 − PD)^dt (the
    Vasicek conditional PD), so the default step T is geometric: P(T = t) = (1 − p)^t p over
    the horizon's steps, P(no default) = (1 − p)^n_steps. Checked per step (4 SE) and by chi-square."""
    pd_, r, years = 0.03, 0.2, 4
    sc = homogeneous_scenario(150, pd_, horizon_years=years)
    m = _model(sc, sampler, correlation=AssetCorrelationModel(default=r), steps_per_year=steps_per_year)
    n_paths = 1200
    ch = simulate_credit_chunk(m, _constant_market(n_paths, m.n_steps, -1.0, steps_per_year), 3, 0)
    dt_ = 1.0 / steps_per_year
    p = ndtr((ndtri(1 - (1 - pd_) ** dt_) + np.sqrt(r)) / np.sqrt(1 - r))
    t = np.arange(m.n_steps)
    pmf = np.r_[(1 - p) ** t * p, (1 - p) ** m.n_steps]
    trials = 150 * n_paths
    obs = np.r_[ch.n_defaults.sum(axis=0), 0]
    obs[-1] = trials - obs.sum()
    se = np.sqrt(trials * pmf * (1 - pmf))
    assert np.all(np.abs(obs - trials * pmf) <= Z * se), (obs, trials * pmf)
    assert stats.chisquare(obs, trials * pmf).pvalue > 1e-3


@pytest.fixture(scope="module")
def paired_runs():
    """The same scenario (book, pool with replenishment and an NPL lending pause, lending
    programme) and the same factor paths, simulated with both samplers (other seeds)."""
    from models.credit import Replenishment, ReplenishmentRule, SuspensionTriggers

    sc = synthetic_scenario(300, seed=3, horizon_years=5, pool_balance=2e7, pool_kwargs={
        "replenishment": Replenishment(rule=ReplenishmentRule.TOP_UP_TO_INITIAL, amount_cny=2e6),
        "suspension": SuspensionTriggers(npl_ratio_stop_lending=0.04)})
    mk = iid_market(4000, 5, np.random.default_rng(11), correlation=0.3)
    out = {}
    for sampler, seed in ((DefaultSampler.SKIP, 1), (DefaultSampler.DENSE, 2)):
        m = _model(sc, sampler)
        out[sampler] = simulate_credit_chunk(m, mk, seed, 0, record_defaults=True)
    return out[DefaultSampler.SKIP], out[DefaultSampler.DENSE]


def _paired_means_agree(a, b, what):
    """Per-column paired test: mean(a − b) within 4 SE of 0 (same factor paths in both)."""
    a, b = np.asarray(a, float).reshape(a.shape[0], -1), np.asarray(b, float).reshape(b.shape[0], -1)
    d = a - b
    se = d.std(axis=0, ddof=1) / np.sqrt(d.shape[0])
    gap = np.abs(d.mean(axis=0))
    assert np.all(gap <= Z * se + 1e-9 * np.abs(a.mean(axis=0))), (what, a.mean(0), b.mean(0), se)


def test_samplers_agree_on_defaults_losses_and_pools(paired_runs):
    """Two-sample (paired on the factor paths) tests of the outputs: book default counts by year,
    programme-cohort defaults by year, exposure and recovery by year, pool claims, payouts,
    new lending (paused by the NPL trigger) and replenishment by year, P(depletion)."""
    a, b = paired_runs
    _paired_means_agree(a.n_defaults, b.n_defaults, "book defaults by year")
    def coh(c):
        d, sel = c.defaults, c.defaults.source == 1
        return np.bincount(d.path[sel] * 5 + d.step[sel], minlength=c.n_paths * 5).reshape(c.n_paths, 5)

    assert coh(a).sum() > 1000  # the programme lends and its cohorts default
    _paired_means_agree(coh(a), coh(b), "cohort defaults by year")
    for name in ("exposure", "recovery", "pool_claims", "pool_payout", "pool_new_lending", "pool_replenishment"):
        _paired_means_agree(getattr(a, name), getattr(b, name), name)
    assert a.pool_lending_paused.any() and b.pool_lending_paused.any() and a.pool_depleted.any()
    _paired_means_agree(a.pool_lending_paused.any(axis=2), b.pool_lending_paused.any(axis=2), "lending paused")
    _paired_means_agree(a.pool_depleted.any(axis=2), b.pool_depleted.any(axis=2), "depleted")


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
def test_samplers_agree_on_loss_quantiles(paired_runs, q):
    """Quantiles of the total loss per path: at the pooled sample's q-quantile x, the shares of
    paths with loss ≤ x agree (paired indicator difference within 4 SE), and a two-sample KS test
    does not reject (conservative here: the runs share the factor paths)."""
    a, b = (c.total_loss.sum(axis=1) for c in paired_runs)
    x = np.quantile(np.r_[a, b], q)
    d = (a <= x).astype(float) - (b <= x)
    assert abs(d.mean()) <= Z * max(d.std(ddof=1), 1e-12) / np.sqrt(d.size), (q, d.mean())
    assert stats.ks_2samp(a, b).pvalue > 1e-3


def test_default_records_carry_steps_lgd_and_recoveries(paired_runs):
    """Downstream still gets what it needs: each book default has a step inside the loan's
    window, exposure > 0, recovery in [0, exposure], and the parts add up to the exposure."""
    for ch in paired_runs:
        d = ch.defaults
        assert d.path.size and np.all((d.step >= 0) & (d.step < 5))
        assert np.all(d.exposure > 0) and np.all((d.recovery >= 0) & (d.recovery <= d.exposure + 1e-9))
        np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, rtol=1e-9, atol=1e-6)
        # every (path, loan) defaults at most once
        book = d.source == 0
        key = d.path[book] * 10_000 + d.item[book]
        assert np.unique(key).size == key.size


def test_skip_sampler_is_bit_identical_per_chunk_and_block():
    """A chunk's result depends only on (seed, chunk index): simulated alone, after other
    chunks, or twice it is identical; with several blocks per chunk as well."""
    sc = synthetic_scenario(120, seed=8, horizon_years=4)
    m = compile_credit(sc, settings=CreditSettings(block_elements=120 * 37, default_sampler=DefaultSampler.SKIP))
    mk = [iid_market(100, 4, np.random.default_rng(i), correlation=0.3) for i in range(3)]
    seq = [simulate_credit_chunk(m, mk[i], 9, i) for i in range(3)]
    alone = simulate_credit_chunk(m, mk[2], 9, 2)
    for f in ("bank_loss", "n_defaults", "pool_payout", "recovery", "pool_new_lending"):
        np.testing.assert_array_equal(getattr(seq[2], f), getattr(alone, f))
    assert not np.array_equal(seq[1].n_defaults, simulate_credit_chunk(m, mk[1], 9, 0).n_defaults)


def test_dense_is_the_default_and_skip_draws_other_numbers():
    """DENSE (one uniform per loan and path, the kernel the whole suite's seeded figures come
    from) is the default; SKIP is selectable and draws other numbers."""
    sc = synthetic_scenario(80, seed=2, horizon_years=3)
    mk = iid_market(300, 3, np.random.default_rng(0))
    dense = simulate_credit_chunk(_model(sc, DefaultSampler.DENSE), mk, 5, 0)
    skip = simulate_credit_chunk(_model(sc, DefaultSampler.SKIP), mk, 5, 0)
    assert not np.array_equal(dense.n_defaults, skip.n_defaults)
    assert CreditSettings().default_sampler is DefaultSampler.DENSE
    plain = simulate_credit_chunk(compile_credit(sc), mk, 5, 0)
    np.testing.assert_array_equal(plain.bank_loss, dense.bank_loss)
    assert replace(CreditSettings(), default_sampler=DefaultSampler.SKIP).default_sampler is DefaultSampler.SKIP


def test_skip_keeps_the_draws_of_steps_before_a_factor_change():
    """Common random numbers: each step draws from its own stream, so making years 2 and 3 worse
    leaves every year-0 and year-1 default as it was (several blocks per chunk), and year 2 gets
    more defaults."""
    sc = synthetic_scenario(150, seed=5, horizon_years=4, programme=False)
    m = compile_credit(sc, settings=CreditSettings(block_elements=150 * 50, default_sampler=DefaultSampler.SKIP))
    mk = iid_market(400, 4, np.random.default_rng(3), correlation=0.3)
    worse = replace(mk, sector=mk.sector - np.r_[0.0, 0.0, 1.5, 1.5][None, :, None])
    a = simulate_credit_chunk(m, mk, 4, 0)
    b = simulate_credit_chunk(m, worse, 4, 0)
    np.testing.assert_array_equal(a.n_defaults[:, :2], b.n_defaults[:, :2])
    assert b.n_defaults[:, 2].sum() > 1.5 * a.n_defaults[:, 2].sum()
