"""Backtests: predicted default rates, LGDs and fund outcomes against what happened.

Loan tape (one row per loan observed over one year): ``grade``, ``pd`` (predicted one-year PD),
``defaulted`` (0/1 within the year), optionally ``lgd_predicted`` and ``lgd_realised`` (losses
per CNY of exposure at default, realised only for defaulted loans) and ``exposure_cny``.

* **PD calibration per grade** — binomial test (one-sided: are there more defaults than the PD
  allows? p-value ``P(Bin(N, PD) >= D)``) and Jeffreys test (p-value ``F_Beta(PD; D + ½, N − D + ½)``,
  the posterior probability under the Jeffreys prior that the true default rate is below the PD),
  both as in the ECB's *Instructions for reporting the validation results of internal models —
  IRB Pillar I models for credit risk* (2019), PD back-testing; a grade fails at p < 5 %.
  ``PD`` is the grade's average predicted PD.
* **Discriminatory power** — AUC (Mann–Whitney: probability that a defaulter has a higher PD
  than a non-defaulter, ties counted half) and Gini = 2·AUC − 1 (accuracy ratio), with the
  DeLong-free Hanley–McNeil (1982) standard error.
* **LGD** — exposure-weighted realised vs predicted LGD of defaulted loans; a one-sided t-test
  of the differences (realised − predicted) fails at p < 5 % (LGD underestimated).

Fund outcomes (realised values at several dates against the simulated distribution at the same
fund age): probability integral transform ``u = F_sim(realised)`` per observation; if the model is
right the ``u`` are uniform: a 10-bin histogram with a chi-square test, and the share of ``u`` in
[5 %, 95 %] (coverage of the simulated 90 % band) with a two-sided binomial test against 90 %.
Observations of one fund over time are serially dependent, so the tests are indicative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import beta, binom, binomtest, chisquare, rankdata
from scipy.stats import t as student_t

#: Significance level of every backtest (assumption: the ECB instructions' 5 % one-sided level).
ALPHA = 0.05


def pd_calibration(tape: pl.DataFrame, alpha: float = ALPHA) -> pl.DataFrame:
    """Per grade: loans, defaults, average PD, default rate, binomial and Jeffreys p-values, pass.

    Parameters
    ----------
    tape : polars.DataFrame
        Columns ``grade``, ``pd`` (fraction), ``defaulted`` (0/1).
    """
    g = (tape.group_by("grade", maintain_order=True)
         .agg(pl.len().alias("loans"), pl.col("defaulted").sum().alias("defaults"), pl.col("pd").mean().alias("pd"))
         .sort("pd"))
    n = g["loans"].to_numpy().astype(float)
    d = g["defaults"].to_numpy().astype(float)
    p = g["pd"].to_numpy()
    p_binom = binom.sf(d - 1, n, p)                     # P(D' >= d)
    p_jeffreys = beta.cdf(p, d + 0.5, n - d + 0.5)
    return g.with_columns(
        default_rate=pl.Series(d / n), p_binomial=pl.Series(p_binom), p_jeffreys=pl.Series(p_jeffreys),
        passed=pl.Series((p_binom >= alpha) & (p_jeffreys >= alpha)))


def auc_gini(score, defaulted) -> tuple[float, float, float]:
    """AUC, Gini and the Hanley–McNeil standard error of the AUC (vectorised, O(n log n))."""
    s = np.asarray(score, float)
    y = np.asarray(defaulted, bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan"), float("nan"), float("nan")
    r = rankdata(s)
    auc = (r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    se = np.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc ** 2) + (n0 - 1) * (q2 - auc ** 2)) / (n1 * n0))
    return float(auc), float(2 * auc - 1), float(se)


def lgd_backtest(tape: pl.DataFrame, alpha: float = ALPHA) -> dict:
    """Realised vs predicted LGD of defaulted loans (exposure-weighted means, one-sided t-test)."""
    cols = {"lgd_predicted", "lgd_realised"}
    if not cols <= set(tape.columns):
        return {}
    dd = tape.filter((pl.col("defaulted") == 1) & pl.col("lgd_realised").is_not_null() & pl.col("lgd_predicted").is_not_null())
    if dd.height < 2:
        return {"defaults_with_lgd": dd.height}
    w = dd["exposure_cny"].to_numpy().astype(float) if "exposure_cny" in dd.columns else np.ones(dd.height)
    pr, re = dd["lgd_predicted"].to_numpy(), dd["lgd_realised"].to_numpy()
    diff = re - pr
    t = diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size)) if diff.std(ddof=1) > 0 else 0.0
    p = float(student_t.sf(t, diff.size - 1))
    return {"defaults_with_lgd": dd.height, "lgd_predicted": float(np.average(pr, weights=w)),
            "lgd_realised": float(np.average(re, weights=w)), "t": float(t), "p_value": p, "passed": p >= alpha}


@dataclass(frozen=True)
class LoanBacktest:
    """Results of a loan-tape backtest: per-grade calibration, AUC/Gini, LGD, overall pass."""

    calibration: pl.DataFrame
    auc: float
    gini: float
    auc_se: float
    lgd: dict

    @property
    def auc_passed(self) -> bool:
        """Discrimination: AUC at least two standard errors above 0.5 (a coin)."""
        return not self.auc < 0.5 + 2 * self.auc_se

    @property
    def grades_passed(self) -> bool:
        """Every grade's PD passes its calibration tests."""
        return bool(self.calibration["passed"].all())

    @property
    def passed(self) -> bool:
        return self.grades_passed and self.lgd.get("passed", True) and self.auc_passed

    def summary(self) -> pl.DataFrame:
        rows = [("AUC", self.auc, self.auc_se, None), ("Gini", self.gini, 2 * self.auc_se, None),
                ("PD grades failing", float((~self.calibration["passed"]).sum()), None, None)]
        if "lgd_realised" in self.lgd:
            rows += [("LGD predicted", self.lgd["lgd_predicted"], None, None),
                     ("LGD realised", self.lgd["lgd_realised"], None, self.lgd["p_value"])]
        return pl.DataFrame(rows, schema={"measure": pl.Utf8, "value": pl.Float64, "se": pl.Float64,
                                          "p_value": pl.Float64}, orient="row")


def backtest_loans(tape: pl.DataFrame, alpha: float = ALPHA) -> LoanBacktest:
    """Run all loan-tape backtests (see the module docstring)."""
    auc, gini, se = auc_gini(tape["pd"].to_numpy(), tape["defaulted"].to_numpy())
    return LoanBacktest(pd_calibration(tape, alpha), auc, gini, se, lgd_backtest(tape, alpha))


@dataclass(frozen=True)
class FundBacktest:
    """PIT values, their 10-bin histogram, chi-square p-value, 90 % band coverage and its p-value."""

    pit: np.ndarray
    histogram: np.ndarray
    p_uniform: float
    coverage_90: float
    p_coverage: float
    alpha: float = ALPHA

    @property
    def uniform_passed(self) -> bool:
        """The PIT values are not rejected as uniform at ``alpha``."""
        return self.p_uniform >= self.alpha

    @property
    def coverage_passed(self) -> bool:
        """The simulated 90 % band's coverage is not rejected at ``alpha``."""
        return self.p_coverage >= self.alpha

    @property
    def passed(self) -> bool:
        return self.uniform_passed and self.coverage_passed

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame({"measure": ["observations", "PIT chi-square p-value", "coverage of 90% band",
                                         "coverage p-value"],
                             "value": [float(self.pit.size), self.p_uniform, self.coverage_90, self.p_coverage]})


def backtest_pit(pit, alpha: float = ALPHA, bins: int = 10) -> FundBacktest:
    """Uniformity and 90 %-band coverage of probability-integral-transform values ``pit`` (n,)."""
    u = np.asarray(pit, float)
    u = u[np.isfinite(u)]
    hist, _ = np.histogram(u, bins=bins, range=(0.0, 1.0))
    p_uni = float(chisquare(hist).pvalue) if u.size else float("nan")
    inside = int(((u >= 0.05) & (u <= 0.95)).sum())
    cov = inside / u.size if u.size else float("nan")
    p_cov = float(binomtest(inside, u.size, 0.9).pvalue) if u.size else float("nan")
    return FundBacktest(u, hist, p_uni, cov, p_cov, alpha)


def fund_history_pit(quantiles: pl.DataFrame, actuals: pl.DataFrame, fund_ids: list[str], grid,
                     cost_per_step) -> pl.DataFrame:
    """PIT of each sub-fund's TVPI to date at every step of its actuals.

    Parameters
    ----------
    quantiles : polars.DataFrame
        The run's ``equity_quantiles`` (entity = sub-fund id, measure ``tvpi``, p1 … p99).
    actuals : polars.DataFrame
        Validated actuals (:func:`fundsvc.inputs.actuals.read_actuals`).
    fund_ids, grid, cost_per_step
        The scenario's sub-fund ids, the run's venture :class:`~fundsvc.engine.grid.TimeGrid`
        (``ScenarioFacts.grid``) and the guidance fund's own cost per step.

    Returns
    -------
    polars.DataFrame
        entity, step, tvpi, pit — one row per sub-fund and step after its first call (a loop
        over funds and quarters, not paths). As in the assessment, a sub-fund's multiple of the
        guidance fund's flows is compared with the sub-fund's whole-LP-base distribution.
    """
    from fundsvc.assessment.realised import metrics_to_date, place_actuals
    from fundsvc.simulation.quantiles import percentile_of

    flows = place_actuals(actuals, list(fund_ids), grid, cost_per_step)
    rows = []
    for i, fid in enumerate(flows.fund_ids):
        for t in range(flows.step + 1):
            if flows.calls[i, : t + 1].sum() <= 0:
                continue
            tv = metrics_to_date(flows.calls[i, : t + 1], flows.distributions[i, : t + 1], flows.nav[i, : t + 1],
                                 grid.steps_per_year)["tvpi"]
            rows.append((fid, t, tv, percentile_of(quantiles, fid, "tvpi", t, tv)))
    return pl.DataFrame(rows, schema={"entity": pl.Utf8, "step": pl.Int64, "tvpi": pl.Float64, "pit": pl.Float64},
                        orient="row")


def backtest_tape(tape: str) -> LoanBacktest:
    """Read a loan tape with outcomes (a file, or a bundled sample's name) and backtest it.

    Raises :class:`fundsvc.errors.InputError` naming the file, row and field of a bad tape."""
    from fundsvc.inputs.bundled import resolve_data_file
    from fundsvc.validation.tape import read_tape

    return backtest_loans(read_tape(resolve_data_file(tape), display=tape))


def backtest_run_funds(store, run_id: int, scenario, actuals: pl.DataFrame) -> FundBacktest:
    """PIT backtest of sub-fund ``actuals`` (as read by :func:`fundsvc.inputs.actuals.read_actuals`)
    against stored run ``run_id``'s simulated TVPI distributions (its ``equity_quantiles``)."""
    from fundsvc.assessment.facts import scenario_facts

    facts = scenario_facts(scenario)
    pits = fund_history_pit(store.runs.load_table(run_id, "equity_quantiles"), actuals,
                            facts.sub_funds["sub_fund_id"].to_list(), facts.grid, facts.cost_per_step)
    return backtest_pit(pits["pit"].to_numpy())
