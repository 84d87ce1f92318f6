"""Compute an :class:`~fundsvc.assessment.assessment.Assessment` from run tables (pure) or a stored run."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fundsvc.assessment.assessment import (
    PERCENTILE_MEASURES,
    VERDICT_MEASURE,
    Assessment,
    RunData,
    _median,
    credit_table,
    deployment_table,
    policy_table,
    reinvestment_table,
    simulated_indicators,
)
from fundsvc.assessment.conditional import conditional_rank, index_observations
from fundsvc.assessment.distributions import guidance_path_metrics, reporting_dates, summarise
from fundsvc.assessment.exposure import combined_exposure, exposure_summary
from fundsvc.assessment.facts import ScenarioFacts, facts_for_run, scenario_facts, scenario_for_run
from fundsvc.assessment.indicators import leverage, priority_share, projects_per_yi, share
from fundsvc.assessment.realised import RealisedFlows, metrics_to_date, place_actuals
from fundsvc.assessment.scorecard import default_scorecard, rating, score, score_table
from fundsvc.assessment.sources import TOLERANCE_SOURCE
from fundsvc.assessment.targets import target_table
from fundsvc.assessment.tolerance import (
    fair_verdict,
    tolerance_table,
    tolerated_loss_ratio,
    verdict_text,
)
from fundsvc.simulation.quantiles import percentile_of
from fundsvc.simulation.registry import TableName
from models.assessment import AssessmentConfig

NOTES = (
    ("容亏率 loss ratio = max(0, paid-in − distributed − NAV) / paid-in; the whole fund's paid-in includes its own "
    "management cost. NAV at fair value on the valuation date."),
    ("放大倍数 leverage = Σ sub-fund commitment ÷ Σ guidance commitment (committed capital of the sub-funds only; "
    "no project-level co-investment, other government money or bank loans counted)."),
    ("Fiscal exposure per path = guidance-fund loss at the horizon + Σ pool fiscal cost (payouts − interest), CNY, "
    "undiscounted; the same simulated paths for both."),
    ("Actuals are the guidance fund's own flows with each sub-fund; per-sub-fund percentiles compare them with the "
    "sub-fund's whole-LP-base distribution (equal multiples without 让利 / buy-out) and are information only."),
    "The verdict judges the guidance fund as a whole (根据基金整体成效进行绩效考核,不以单一项目、单一子基金论成效).",
)


#: Youngest fund age (quarters) at which an IRR to date is shown; younger: "n/m" with the reason.
#: Assumption: in the first two years fees and the J-curve dominate, so an annualised IRR (e.g.
#: −95 % a year after 9 months) says nothing about the result (LP reports commonly mark early
#: IRRs "not meaningful").
MIN_IRR_AGE_QUARTERS = 8


def irr_not_meaningful(step: int, steps_per_year: int) -> tuple[str, str] | None:
    """Reason (zh, en) why an IRR to date at ``step`` of a grid with ``steps_per_year`` steps a
    year is not shown, or None."""
    months = (step + 1) * 12 // steps_per_year
    need = 3 * MIN_IRR_AGE_QUARTERS
    if months >= need:
        return None
    zh = f"n/m(不适用):基金存续{months}个月,不足{need}个月,早期IRR受J曲线与管理费主导,无意义"
    en = (f"n/m (not meaningful): the fund is {months} months old, below the {need}-month minimum; "
          "an early IRR is dominated by fees and the J-curve")
    return zh, en


def _realised_indicators(flows: RealisedFlows, actuals: pl.DataFrame, facts: ScenarioFacts, sim: dict,
                         quantiles: pl.DataFrame | None, tolerated: float, realised: dict,
                         conditional=None) -> tuple[dict, dict]:
    """Scorecard indicator values from actuals (simulated median where the actuals lack one)."""
    sf = facts.sub_funds
    vals = {k: _median(v) for k, v in sim.items()}
    basis = {k: "simulated median" for k in sim}
    vals["leverage"] = leverage(sf["commitment_cny"].to_numpy(), sf["guidance_commitment_cny"].to_numpy())
    vals["priority_share"] = priority_share(sf["commitment_cny"].to_numpy(), sf["priority_share"].to_numpy())
    basis["leverage"] = basis["priority_share"] = "mandate (scenario)"
    for k in ("tvpi", "loss_ratio"):
        vals[k] = realised[k]
    vals["irr"] = realised["irr_to_date"]
    vals["loss_vs_tolerance"] = realised["loss_ratio"] / tolerated if tolerated > 0 else float("nan")
    vals["tvpi_percentile"] = percentile_of(quantiles, "guidance", "tvpi", flows.step, realised["tvpi"]) \
        if quantiles is not None else float("nan")
    for k in ("tvpi", "irr", "loss_vs_tolerance", "tvpi_percentile"):
        basis[k] = "realised"
    if conditional is not None:
        vals["tvpi_percentile"] = conditional.percentile
        basis["tvpi_percentile"] = "realised, ranked among paths conditioned on the market that happened"
    if quantiles is not None:
        row = quantiles.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "paid_in")
                               & (pl.col("step") == flows.step))
        if row.height and row["p50"][0] > 0:
            vals["deployment_vs_plan"] = realised["paid_in"] / row["p50"][0]
            basis["deployment_vs_plan"] = "realised vs simulated median at the same age"
    gshare = dict(zip(sf["sub_fund_id"].to_list(), sf["guidance_share"].to_list()))
    fund_paid = (actuals.group_by("sub_fund_id").agg(pl.col("calls_cny").sum())
                 .with_columns((pl.col("calls_cny") / pl.col("sub_fund_id").replace_strict(gshare)).alias("p")))
    col = actuals.get_column
    if actuals["invested_early_cny"].null_count() < actuals.height:
        vals["early_stage_share"] = float(share(col("invested_early_cny").fill_null(0).to_numpy(), fund_paid["p"].to_numpy()))
        basis["early_stage_share"] = "realised"
    if actuals["invested_local_cny"].null_count() < actuals.height:
        paid_by_fund = flows.calls.sum(axis=1)
        req = float((sf["local_reinvestment_multiple"].to_numpy() * paid_by_fund).sum())
        if req > 0:
            vals["reinvestment_completion"] = float(col("invested_local_cny").fill_null(0).sum()) / req
            basis["reinvestment_completion"] = "realised, against the requirement pro rata to guidance capital called"
    if actuals["projects"].null_count() < actuals.height:
        vals["projects"] = float(col("projects").fill_null(0).sum())
        basis["projects"] = "realised (to date)"
        g_committed = float(sf["guidance_commitment_cny"].sum())
        if g_committed > 0:
            vals["projects_per_yi"] = float(projects_per_yi(vals["projects"], g_committed))
            basis["projects_per_yi"] = "realised (to date), per 亿元 of guidance commitment"
    return vals, basis


def _sub_fund_percentiles(flows: RealisedFlows, quantiles: pl.DataFrame | None, steps_per_year: int) -> pl.DataFrame:
    rows = []
    for i, fid in enumerate(flows.fund_ids):
        m = metrics_to_date(flows.calls[i], flows.distributions[i], flows.nav[i], steps_per_year)
        row = {"sub_fund_id": fid, "paid_in_cny": m["paid_in"], "tvpi": m["tvpi"], "loss_ratio": m["loss_ratio"]}
        for meas in ("tvpi", "loss_ratio"):
            try:
                row[f"{meas}_percentile"] = percentile_of(quantiles, fid, meas, flows.step, m[meas])
            except (KeyError, TypeError, AttributeError):
                row[f"{meas}_percentile"] = float("nan")
        rows.append(row)
    return pl.DataFrame(rows)


def _realised_series(flows: RealisedFlows, grid) -> pl.DataFrame:
    c, d, v = flows.whole_fund()
    dates = grid.dates()[: flows.step + 1].astype(dt.date).tolist()
    paid = np.cumsum(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        tv = np.where(paid > 0, (np.cumsum(d) + v) / paid, np.nan)
    return pl.DataFrame({"step": np.arange(flows.step + 1, dtype=np.int64), "date": dates, "calls_cny": c,
                         "distributions_cny": d, "nav_cny": v, "cum_net_cash_flow_cny": np.cumsum(d - c),
                         "paid_in_cny": paid, "tvpi": tv, "loss_ratio": np.clip(1 - tv, 0, None)})


def assess(data: RunData, facts: ScenarioFacts, config: AssessmentConfig | None = None, *,
           actuals: pl.DataFrame | None = None, as_of: dt.date | None = None,
           period: str | None = None) -> Assessment:
    """Assess a run: distributions, policy indicators, exposure, scorecard, tolerance, fair verdict.

    Parameters
    ----------
    data : RunData
        The run's tables (``equity_paths`` is required).
    facts : ScenarioFacts
    config : AssessmentConfig, optional
        Scorecard (default :func:`~fundsvc.assessment.scorecard.default_scorecard`), tolerance, targets.
    actuals : polars.DataFrame, optional
        Actuals (at least the required columns of :data:`fundsvc.inputs.actuals.SCHEMA`);
        validated here against the scenario's sub-funds (:class:`InputError` if bad).
    as_of : datetime.date, optional
        Valuation date (default: the latest period end in ``actuals``); rows after it are ignored.
    period : str, optional
        Label of the reporting period.
    """
    config = config or AssessmentConfig()
    card = config.scorecard or default_scorecard()
    sf = facts.sub_funds
    tol = tolerated_loss_ratio(config.tolerance, sf["strategy"].to_list(), sf["guidance_commitment_cny"].to_list())
    g = guidance_path_metrics(data.equity_paths)
    sim = simulated_indicators(data, facts, tol)
    path_scores = score(card, {k: v for k, v in sim.items()}).total
    frames: dict[str, pl.DataFrame] = {
        "fund_distribution": summarise(g),
        "reporting_dates": reporting_dates(data.equity_quantiles),
        "tolerance": tolerance_table(config.tolerance, sf["strategy"].to_list(), sf["guidance_commitment_cny"].to_list()),
        "reinvestment": reinvestment_table(data, facts),
        "credit_indicators": credit_table(data, facts),
    }
    if data.equity_quantiles is not None and sf.height:
        frames["deployment"] = deployment_table(data.equity_quantiles, float(sf["guidance_commitment_cny"].sum()))
    exp = combined_exposure(data.equity_paths, data.credit_paths)
    frames["fiscal_exposure"] = exposure_summary(exp)
    n_steps = facts.n_steps or (int(data.equity_quantiles["step"].max()) + 1 if data.equity_quantiles is not None else 0)
    percentiles: dict[str, float] = {}
    realised: dict[str, float] = {}
    verdict = None
    zh, en = "", ""
    if actuals is not None and actuals.height:
        from fundsvc.inputs.actuals import check_actuals_frame

        actuals = check_actuals_frame(actuals, facts.sub_fund_ids)
        flows = place_actuals(actuals, sf["sub_fund_id"].to_list(), facts.grid, facts.cost_per_step, as_of)
        as_of, step = flows.as_of, flows.step
        used = actuals.filter(pl.col("period_end") <= as_of)
        realised = metrics_to_date(*flows.whole_fund(), facts.steps_per_year)
        irr_nm = irr_not_meaningful(step, facts.steps_per_year)
        if irr_nm is not None:
            realised["irr_to_date"] = float("nan")
        for m in PERCENTILE_MEASURES:
            try:
                percentiles[m] = percentile_of(data.equity_quantiles, "guidance", m, step, realised[m])
            except (KeyError, TypeError, AttributeError):
                percentiles[m] = float("nan")
        cond = None
        observed = index_observations(used, facts.grid, as_of)
        if data.conditioning is not None and observed:
            cond = conditional_rank(data.conditioning, step, realised["tvpi"], observed)
            percentiles["tvpi_conditional"] = cond.percentile
            frames["conditioning"] = cond.table()
        head, basis = _realised_indicators(flows, used, facts, sim, data.equity_quantiles, tol, realised, cond)
        if irr_nm is not None:
            basis["irr"] = irr_nm[1]
        loss = realised["loss_ratio"]
        verdict_pct = cond.percentile if cond is not None else percentiles.get(VERDICT_MEASURE, float("nan"))
        v = fair_verdict(loss, verdict_pct, tol, config.tolerance.review_percentile)
        verdict = v.value
        zh, en = verdict_text(v, loss, tol, verdict_pct, config.tolerance.review_percentile, as_of.isoformat(),
                              conditional=cond, market_observed=bool(observed))
        frames["verdict"] = pl.DataFrame({
            "measure": list(PERCENTILE_MEASURES),
            "realised": [realised[m] for m in PERCENTILE_MEASURES],
            "percentile": [percentiles[m] for m in PERCENTILE_MEASURES],
            "note": [irr_nm[1] if (m == "irr_to_date" and irr_nm) else "" for m in PERCENTILE_MEASURES]})
        frames["sub_fund_percentiles"] = _sub_fund_percentiles(flows, data.equity_quantiles, facts.steps_per_year)
        frames["realised"] = _realised_series(flows, facts.grid)
        basis_name = "realised"
        target_actuals = used
    else:
        step = n_steps - 1
        head = {k: _median(v) for k, v in sim.items()}
        basis = {k: "simulated median" for k in sim}
        loss = _median(g["loss_ratio"])
        basis_name = "simulated"
        target_actuals = None
    headline = score(card, {k: v for k, v in head.items()})
    frames["scorecard"] = score_table(card, head, headline)
    frames["policy_indicators"] = policy_table(sim, head, basis)
    frames["targets"] = target_table(config.targets, target_actuals, sim)
    ok = path_scores[np.isfinite(path_scores)]
    qs = np.quantile(ok, [0.05, 0.5, 0.95]) if ok.size else [float("nan")] * 3
    frames["score_distribution"] = pl.DataFrame({"quantile": ["p5", "p50", "p95"], "score": [float(x) for x in qs]})
    frames = {k: v for k, v in frames.items() if v.width}
    total = float(headline.total[0])
    return Assessment(
        run_id=data.run_id, scenario_name=data.scenario_name, as_of=as_of, step=int(step), basis=basis_name,
        score=total, score_p5=float(qs[0]), score_p50=float(qs[1]), score_p95=float(qs[2]),
        rating=rating(card, total), tolerated_loss_ratio=tol, loss_ratio=float(loss), verdict=verdict,
        verdict_zh=zh, verdict_en=en, percentiles=percentiles, realised=realised, period=period,
        notes=NOTES + (TOLERANCE_SOURCE, card.source or ""), frames=frames,
    )


def load_run_data(store, run_id: int) -> RunData:
    """Read the tables of a stored run that the assessment needs."""
    from fundsvc.errors import FundsvcError, NotFoundError

    run = store.runs.get(run_id)
    names = {a.name for a in store.runs.artifacts(run_id)}
    tables = {t.name for t in store.runs.tables(run_id)}
    if TableName.EQUITY_PATHS not in names:
        raise FundsvcError(f"run {run_id} has no equity results to assess (status {run.status.value})")

    def arr(name):
        return store.runs.load_array(run_id, name) if name in names else None

    try:
        q = store.runs.load_table(run_id, TableName.EQUITY_QUANTILES) if TableName.EQUITY_QUANTILES in tables else None
    except NotFoundError:
        q = None
    return RunData(run_id, run.scenario_name, arr(TableName.EQUITY_PATHS), arr(TableName.EQUITY_INDICATORS), q,
                   arr(TableName.CREDIT_PATHS), arr("equity_conditioning"))


def assess_run(store, run_id: int, *, actuals: pl.DataFrame | None = None, as_of: dt.date | None = None,
               scenario=None, period: str | None = None, save: bool = False) -> Assessment:
    """Assess a stored run (the API behind ``fundsvc assess`` and the dashboard's Assessment page).

    Parameters
    ----------
    store : fundsvc.store.Store
    run_id : int
    actuals : polars.DataFrame, optional
        Actuals (columns of :data:`fundsvc.inputs.actuals.SCHEMA`, at least the required ones);
        validated against the scenario's sub-funds here.
    as_of : datetime.date, optional
        Valuation date (default: latest actual quarter).
    scenario : models.Scenario or path, optional
        The scenario, when the stored one cannot be re-loaded (see
        :func:`~fundsvc.assessment.facts.scenario_for_run`).
    period : str, optional
        Reporting-period label.
    save : bool
        Store the assessment with the run (``store.assessments.add``).
    """
    from models.scenario import Scenario

    scen = scenario if isinstance(scenario, Scenario) else scenario_for_run(store, run_id, scenario)
    facts = scenario_facts(scen) if isinstance(scenario, Scenario) else facts_for_run(store, run_id, scen)
    result = assess(load_run_data(store, run_id), facts, scen.assessment, actuals=actuals, as_of=as_of, period=period)
    if save:
        store.assessments.add(run_id, result.to_dict())
    return result
