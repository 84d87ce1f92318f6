"""Backtests: hand-worked test statistics, the bundled passing and failing histories, bad input."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from scipy.stats import beta, binom
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.validation.backtest import auc_gini, backtest_loans, backtest_pit, pd_calibration
from fundsvc.validation.synthetic import fund_pit_sample, loan_tape


def test_binomial_and_jeffreys_by_hand():
    """Grade of 100 loans, PD 2 %, 6 defaults: binomial p = P(Bin(100, 0.02) >= 6) = 1 − F(5) =
    0.0155 (fails at 5 %); Jeffreys p = F_Beta(0.02; 6.5, 94.5) (ECB 2019 instructions) = 0.0102."""
    tape = pl.DataFrame({"grade": ["X"] * 100, "pd": [0.02] * 100, "defaulted": [1] * 6 + [0] * 94})
    r = pd_calibration(tape).row(0, named=True)
    assert r["p_binomial"] == pytest.approx(1 - binom.cdf(5, 100, 0.02), rel=1e-12)
    assert r["p_binomial"] == pytest.approx(0.01548, abs=5e-5)
    assert r["p_jeffreys"] == pytest.approx(beta.cdf(0.02, 6.5, 94.5), rel=1e-12)
    assert not r["passed"]
    two = pd_calibration(tape.with_columns(defaulted=pl.Series([1] * 2 + [0] * 98)))
    assert two["passed"][0]


def test_auc_by_hand():
    """Scores 0.1, 0.2, 0.3, 0.4 with defaults at 0.2 and 0.4: pairs (defaulter > non) = 3 of 4,
    AUC 0.75, Gini 0.5; a tie counts half."""
    auc, gini, se = auc_gini([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    assert (auc, gini) == (0.75, 0.5) and se > 0
    assert auc_gini([0.2, 0.2], [0, 1])[0] == 0.5


def test_synthetic_histories_pass_and_fail():
    """Calibrated tape passes every grade and the LGD test; PDs half the true rate and LGD 15 pp
    too low fail. PIT: uniform passes; a too-optimistic model (u³) fails uniformity and coverage."""
    ok = backtest_loans(loan_tape(3000, seed=4))
    bad = backtest_loans(loan_tape(3000, pd_multiplier=2.0, lgd_shift=0.15, seed=4))
    assert ok.passed and not bad.passed
    assert (~bad.calibration["passed"]).sum() >= 4 and not bad.lgd["passed"]
    assert 0.7 < ok.auc < 0.9                                  # PDs 0.3 %..20 % rank risk well
    assert backtest_pit(fund_pit_sample(300, seed=5)).passed
    f = backtest_pit(fund_pit_sample(300, biased=True, seed=5))
    assert not f.passed and f.coverage_90 < 0.8


@pytest.mark.parametrize("name, status", [("backtest_loans_pass", 0), ("backtest_loans_fail", 1)])
def test_cli_on_bundled_histories(name, status, tmp_path):
    out = tmp_path / "bt.xlsx"
    res = CliRunner().invoke(build_app(), ["backtest", name, "--json", "--xlsx", str(out)])
    assert res.exit_code == status, res.output
    data = json.loads(res.output)
    assert data["passed"] is (status == 0) and len(data["calibration"]) == 7
    sheets = pl.read_excel(out, sheet_id=0, engine="openpyxl")
    assert set(sheets) == {"backtest summary", "PD calibration"}


def test_cli_bad_tape_names_row_and_column(tmp_path):
    p = tmp_path / "tape.csv"
    p.write_text("grade,pd,defaulted\nA,0.01,0\nB,1.5,2\nC,x,1\n")
    res = CliRunner().invoke(build_app(), ["backtest", str(p)])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "row 2 (line 3), column 'pd'" in text and "must lie in [0, 1]" in text
    assert "column 'defaulted'" in text and "must be 0 or 1" in text
    assert "row 3 (line 4), column 'pd'" in text and "'x' is not a number" in text


def _flat_quantiles(fund: str, n_steps: int):
    """TVPI quantiles pNN = 0.5 + NN/100 at every step (uniform on [0.5, 1.5])."""
    import datetime as dt

    from fundsvc.simulation.quantiles import GRID, GRID_COLUMNS

    return pl.DataFrame([{"entity": fund, "step": s, "date": dt.date(2026, 3, 31), "measure": "tvpi",
                          **{c: 0.5 + q for c, q in zip(GRID_COLUMNS, GRID)}} for s in range(n_steps)])


def _history(tvpi: np.ndarray):
    """Fund 'a' pays 100 in the first quarter; NAV = 100 × TVPI at each quarter end."""
    import datetime as dt

    ends = []
    for t in range(tvpi.size):
        m = 3 * (t + 1)
        first_next = dt.date(2026 + m // 12, m % 12 + 1, 1)
        ends.append(first_next - dt.timedelta(days=1))
    return pl.DataFrame({"sub_fund_id": ["a"] * tvpi.size, "period_end": ends,
                         "calls_cny": [100.0] + [0.0] * (tvpi.size - 1), "distributions_cny": [0.0] * tvpi.size,
                         "nav_cny": (100 * tvpi).tolist()})


def test_fund_history_pit_passes_a_right_model_and_fails_an_optimistic_one():
    """Known answer: realised TVPIs drawn from the simulated law (uniform on [0.5, 1.5]) give
    PITs equal to u (to the 1 % grid) and pass; TVPIs 0.5 + u³ (too optimistic a model) fail."""
    import datetime as dt

    from fundsvc.engine.grid import TimeGrid
    from fundsvc.validation.backtest import fund_history_pit

    n = 60
    grid = TimeGrid(dt.date(2026, 1, 1), 4, n)
    u = np.random.default_rng(3).uniform(0.02, 0.98, n)
    q = _flat_quantiles("a", n)
    good = fund_history_pit(q, _history(0.5 + u), ["a"], grid, [0.0] * n)
    assert good.height == n
    np.testing.assert_allclose(good["pit"].to_numpy(), u, atol=1e-9)
    assert backtest_pit(good["pit"].to_numpy()).passed
    bad = fund_history_pit(q, _history(0.5 + u ** 3), ["a"], grid, [0.0] * n)
    assert not backtest_pit(bad["pit"].to_numpy()).passed
