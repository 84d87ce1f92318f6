"""Equity–credit link: rank correlation and joint tail, checked on constructed samples."""

import numpy as np
import pytest

from fundsvc.stress.link import joint_tail, spearman


def test_spearman_of_a_monotone_transform_is_one_and_of_independent_samples_near_zero():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4_000)
    assert spearman(x, np.exp(x))[0] == pytest.approx(1.0)
    rho, se = spearman(x, rng.standard_normal(4_000))
    assert abs(rho) < 4.5 * se


def test_spearman_of_a_gaussian_pair_matches_the_closed_form():
    """Bivariate normal with correlation r: ρ_S = (6/π)·arcsin(r/2) (Pearson 1907; Kruskal 1958)."""
    rng = np.random.default_rng(2)
    r, n = 0.6, 20_000
    x = rng.standard_normal(n)
    y = r * x + np.sqrt(1 - r**2) * rng.standard_normal(n)
    rho, se = spearman(x, y)
    assert abs(rho - 6 / np.pi * np.arcsin(r / 2)) < 4.5 * se


def test_joint_tail_independent_is_five_percent_and_comonotone_is_one():
    rng = np.random.default_rng(3)
    eq, cr = rng.standard_normal(40_000), rng.standard_normal(40_000)
    p, se = joint_tail(eq, cr)
    assert abs(p - 0.05) < 4.5 * se
    assert joint_tail(eq, -eq)[0] == pytest.approx(1.0)  # worst equity = highest credit loss
    assert joint_tail(eq, eq)[0] == 0.0


def test_hand_built_case_pins_the_estimators():
    """40 paths. Equity TVPI = 0…39 (P5 by linear interpolation 1.95: paths 0 and 1 are the bad
    equity paths); credit loss with P95 37.05, so paths 38 and 39 are the high-credit paths.
    Path 0 has credit loss 39 (in the tail), path 1 has 5 (not): joint tail 1/2, s.e. √(0.25/2)."""
    from fundsvc.stress.link import link_of

    tvpi = np.arange(40.0)
    credit = np.arange(40.0)[::-1].copy()  # co-monotone losses: worst equity = highest credit loss
    co = link_of(-tvpi, tvpi, credit)
    assert co.spearman == pytest.approx(1.0) and co.spearman_se == pytest.approx(0.0, abs=1e-12)
    assert co.joint_tail == 1.0 and co.joint_tail_se == 0.0
    credit[1] = 5.0
    credit[34] = 38.0  # keep the P95 threshold's neighbours: 38 and 39 both above it
    link = link_of(-tvpi, tvpi, credit)
    assert np.quantile(credit, 0.95) == pytest.approx(37.05)
    assert link.joint_tail == 0.5 and link.joint_tail_se == pytest.approx(np.sqrt(0.125))
    assert link.n_paths == 40


def test_link_table_round_trip_and_text():
    from fundsvc.simulation.registry import TableName, check_table
    from fundsvc.stress.link import EquityCreditLink, link_view

    link = EquityCreditLink(1000, 0.2431, 0.0307, 0.04, 0.0277)
    table = check_table(TableName.EQUITY_CREDIT_LINK, link.table())
    assert EquityCreditLink.from_table(table) == link
    en, zh = link_view(table, "en"), link_view(table, "zh")
    assert en["estimate_pm"].to_list() == ["0.24 ± 0.03", "4.0% ± 2.8%"]
    assert en["independent"].to_list() == ["0.00", "5.0%"]
    assert "Rank correlation" in en["figure"][0] and "秩相关" in zh["figure"][0]
    # the raw table through the API's display layer: the joint tail in percent, the correlation plain
    from fundsvc.service.display import display_table

    d = display_table(table, "en", offset=0, limit=10)
    assert d.rows[1][1:4] == ["4.0%", "2.8%", "5.0%"] and d.rows[0][1] == "0.24"


def test_every_run_with_both_sides_stores_the_link():
    """The run table equals the estimator applied to the run's own path-level tables."""
    from fundsvc.api import simulate
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.registry import TableName
    from fundsvc.stress.link import EquityCreditLink, link_of_paths

    r = simulate(load_scenario("scenarios/hangzhou_baseline.toml").scenario, paths=300, seed=4)
    table = r.tables()[TableName.EQUITY_CREDIT_LINK]
    again = link_of_paths(r.scan("equity_paths"), r.scan("credit_paths"))
    assert EquityCreditLink.from_table(table) == again
    assert table["paths"].to_list() == [300, 300]
