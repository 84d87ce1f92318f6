"""The whole-fund assessment: data class, JSON round trip and the computation.

:func:`assess` is pure (run tables + scenario facts + configuration + actuals → Assessment);
:func:`assess_run` loads a stored run and calls it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from fundsvc.assessment import indicators as ind
from fundsvc.assessment.distributions import guidance_path_metrics
from fundsvc.assessment.facts import ScenarioFacts

VERDICT_MEASURE = "tvpi"
"""The measure whose percentile decides between bad luck and review (loss ratio mirrors it)."""
PERCENTILE_MEASURES = ("tvpi", "dpi", "loss_ratio", "irr_to_date")


def _nan_to_none(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _jsonable(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return _nan_to_none(v)
    if isinstance(v, (np.floating,)):
        return _nan_to_none(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


_DTYPES = {"Float64": pl.Float64, "Int64": pl.Int64, "String": pl.Utf8, "Date": pl.Date, "Boolean": pl.Boolean,
           "Float32": pl.Float64, "Int32": pl.Int64, "Int8": pl.Int64, "Datetime": pl.Date}


def frame_to_json(frame: pl.DataFrame) -> dict[str, Any]:
    """A frame as ``{"columns": {name: dtype}, "rows": [...]}`` (dates ISO, NaN → null)."""
    cols = {c: str(t).split("(")[0] for c, t in frame.schema.items()}
    return {"columns": cols, "rows": [_jsonable(r) for r in frame.to_dicts()]}


def frame_from_json(doc: dict[str, Any]) -> pl.DataFrame:
    schema = {c: _DTYPES.get(t, pl.Utf8) for c, t in doc["columns"].items()}
    rows = doc["rows"]
    data = {c: [r.get(c) for r in rows] for c in schema}
    out = {}
    for c, t in schema.items():
        vals = data[c]
        if t == pl.Date:
            vals = [None if v is None else dt.date.fromisoformat(str(v)[:10]) for v in vals]
        if t == pl.Float64:
            vals = [float("nan") if v is None else float(v) for v in vals]
        out[c] = pl.Series(c, vals, dtype=t)
    return pl.DataFrame(out) if out else pl.DataFrame()


@dataclass(frozen=True)
class Assessment:
    """A whole-fund assessment of one run (optionally with actuals).

    Attributes
    ----------
    run_id : int or None
    scenario_name : str
    as_of : datetime.date or None
        Valuation date of the realised result (None: assessment of the simulation only).
    step : int
        Quarterly step (fund age) the percentiles refer to (the last step without actuals).
    basis : str
        ``"realised"`` (scored on actuals, simulated values where actuals lack an indicator) or
        ``"simulated"`` (scored on the median of each simulated indicator).
    score : float
        Headline score out of 100; ``score_p5/p50/p95``: distribution of path scores.
    rating : str
    tolerated_loss_ratio : float
        Stage-weighted tolerated loss ratio of the whole fund.
    loss_ratio : float
        Realised (or simulated median) loss ratio of the whole fund.
    verdict : str or None
        A :class:`~fundsvc.assessment.tolerance.Verdict` value; None without actuals.
    verdict_zh, verdict_en : str
    percentiles : dict of str to float
        Percentile (0–1) of the realised whole-fund TVPI, DPI, loss ratio, IRR to date in the
        simulated distribution at the same age (empty without actuals).
    realised : dict of str to float
        Realised whole-fund metrics (paid_in, distributed, nav in CNY; multiples; rates).
    period : str or None
        Reporting period label (e.g. ``2026-Q3``).
    notes : tuple of str
        Definitions and caveats shown with the report.
    frames : dict of str to polars.DataFrame
        The tables (see :meth:`tables`).
    """

    run_id: int | None
    scenario_name: str
    as_of: dt.date | None
    step: int
    basis: str
    score: float
    score_p5: float
    score_p50: float
    score_p95: float
    rating: str
    tolerated_loss_ratio: float
    loss_ratio: float
    verdict: str | None
    verdict_zh: str
    verdict_en: str
    percentiles: dict[str, float] = field(default_factory=dict)
    realised: dict[str, float] = field(default_factory=dict)
    period: str | None = None
    notes: tuple[str, ...] = ()
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        """The assessment's tables by name (see ``TABLE_TITLES``)."""
        return dict(self.frames)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able document (dates ISO strings, NaN as null), the form stored with the run."""
        head = {k: getattr(self, k) for k in ("run_id", "scenario_name", "as_of", "step", "basis", "score",
                                                "score_p5", "score_p50", "score_p95", "rating",
                                                "tolerated_loss_ratio", "loss_ratio", "verdict", "verdict_zh",
                                                "verdict_en", "percentiles", "realised", "period")}
        doc = _jsonable(head)
        doc["notes"] = list(self.notes)
        doc["tables"] = {k: frame_to_json(v) for k, v in self.frames.items()}
        doc["schema"] = 1
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Assessment:
        """Rebuild from :meth:`to_dict` output (e.g. a stored assessment's content)."""
        def num(x):
            return float("nan") if x is None else float(x)

        return cls(
            run_id=doc.get("run_id"), scenario_name=doc["scenario_name"],
            as_of=dt.date.fromisoformat(doc["as_of"]) if doc.get("as_of") else None, step=int(doc["step"]),
            basis=doc["basis"], score=num(doc["score"]), score_p5=num(doc["score_p5"]),
            score_p50=num(doc["score_p50"]), score_p95=num(doc["score_p95"]), rating=doc["rating"],
            tolerated_loss_ratio=num(doc["tolerated_loss_ratio"]), loss_ratio=num(doc["loss_ratio"]),
            verdict=doc.get("verdict"), verdict_zh=doc.get("verdict_zh", ""), verdict_en=doc.get("verdict_en", ""),
            percentiles={k: num(v) for k, v in (doc.get("percentiles") or {}).items()},
            realised={k: num(v) for k, v in (doc.get("realised") or {}).items()},
            period=doc.get("period"), notes=tuple(doc.get("notes", ())),
            frames={k: frame_from_json(v) for k, v in (doc.get("tables") or {}).items()},
        )


@dataclass(frozen=True)
class RunData:
    """The stored tables of a run that the assessment reads."""

    run_id: int | None
    scenario_name: str
    equity_paths: pl.DataFrame | None
    equity_indicators: pl.DataFrame | None
    equity_quantiles: pl.DataFrame | None
    credit_paths: pl.DataFrame | None
    conditioning: pl.DataFrame | None = None


def _per_fund(frame: pl.DataFrame, fund_col: str, value: str, fund_ids: list[str]) -> np.ndarray:
    """(n_paths, n_funds) array of ``value`` sorted by path, funds in ``fund_ids`` order."""
    wide = frame.filter(pl.col(fund_col).is_in(fund_ids)).pivot(on=fund_col, index="path", values=value).sort("path")
    return np.column_stack([wide[f].to_numpy().astype(float) if f in wide.columns else np.zeros(wide.height)
                            for f in fund_ids]) if fund_ids else np.zeros((wide.height, 0))


def simulated_indicators(data: RunData, facts: ScenarioFacts, tolerated: float) -> dict[str, np.ndarray]:
    """Scorecard indicators per path at the horizon (arrays (n_paths,) or scalars)."""
    sf = facts.sub_funds
    fids = sf["sub_fund_id"].to_list()
    gcom = sf["guidance_commitment_cny"].to_numpy()
    g = guidance_path_metrics(data.equity_paths)
    n = g["tvpi"].shape[0]
    vals: dict[str, Any] = {
        "leverage": ind.leverage(sf["commitment_cny"].to_numpy(), gcom),
        "priority_share": ind.priority_share(sf["commitment_cny"].to_numpy(), sf["priority_share"].to_numpy()),
        "tvpi": g["tvpi"], "irr": g["irr"], "tvpi_percentile": _ecdf(g["tvpi"]),
        "loss_vs_tolerance": g["loss_ratio"] / tolerated if tolerated > 0 else np.full(n, np.nan),
    }
    med = np.nanmedian(g["paid_in_cny"]) if n else float("nan")
    vals["deployment_vs_plan"] = g["paid_in_cny"] / med if med > 0 else np.full(n, np.nan)
    if data.equity_indicators is not None and fids:
        ei = data.equity_indicators
        ratio = _per_fund(ei, "fund", "local_reinvestment_ratio", fids)
        vals["reinvestment_completion"] = ind.weighted_completion(ratio, sf["local_reinvestment_multiple"].to_numpy(), gcom)
        early = _per_fund(ei, "fund", "invested_early_cny", fids)
        paid = _per_fund(data.equity_paths.rename({"entity": "fund"}), "fund", "paid_in_cny", fids)
        vals["early_stage_share"] = ind.share(early, paid)
        vals["projects"] = _per_fund(ei, "fund", "n_companies", fids).sum(axis=1)
        vals["projects_per_yi"] = ind.projects_per_yi(vals["projects"], gcom.sum())
        vals["invested_local_cny"] = _per_fund(ei, "fund", "invested_local_cny", fids).sum(axis=1)
        vals["invested_early_cny"] = early.sum(axis=1)
    if data.credit_paths is not None and facts.pools.height:
        pools = data.credit_paths.filter(pl.col("entity").str.starts_with("pool:"))
        mult = {f"pool:{r['pool_id']}": r["leverage_multiplier"] for r in facts.pools.iter_rows(named=True)}
        util = pools.select("path", (pl.col("lending_multiple") / pl.col("entity").replace_strict(mult, default=None))
                            .alias("u")).group_by("path").agg(pl.col("u").mean()).sort("path")
        vals["pool_leverage_utilisation"] = util["u"].to_numpy().astype(float)
        book = {f"pool:{r['pool_id']}": r["book_pooled_cny"] for r in facts.pools.iter_rows(named=True)}
        tot = (pools.with_columns((pl.col("new_lending") + pl.col("entity").replace_strict(book, default=0.0))
                                  .alias("lent"))
               .group_by("path").agg(pl.col("lent").sum(), pl.col("fiscal_cost").sum()).sort("path"))
        vals["loans_supported_cny"] = tot["lent"].to_numpy().astype(float)
        vals["fiscal_cost_per_yi_cny"] = ind.fiscal_cost_per_yi(tot["fiscal_cost"].to_numpy(), vals["loans_supported_cny"])
    vals["social_capital_leverage"] = ind.social_capital_leverage(sf["commitment_cny"].to_numpy(), gcom)
    if data.equity_quantiles is not None and gcom.sum() > 0:
        dep = deployment_table(data.equity_quantiles, float(gcom.sum()))
        med = dep.sort("step")["p50"].to_numpy()
        vals["quarters_to_50pct"] = float(ind.first_step_reaching(med, 0.5) + 1) if (med >= 0.5).any() else np.nan
        vals["quarters_to_80pct"] = float(ind.first_step_reaching(med, 0.8) + 1) if (med >= 0.8).any() else np.nan
    return vals


def deployment_table(equity_quantiles: pl.DataFrame, commitment_total: float) -> pl.DataFrame:
    """Deployment speed: guidance paid-in (own cost included) ÷ guidance commitments to sub-funds,
    P5 / P50 / P95 at every quarter end (steps (n_steps,))."""
    d = equity_quantiles.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "paid_in")).sort("step")
    return d.select("step", "date", *[(pl.col(c) / commitment_total).alias(c) for c in ("p5", "p50", "p95")])


def _ecdf(x: np.ndarray) -> np.ndarray:
    """Mid-rank empirical CDF of each value among the paths (shape of ``x``; NaN stays NaN)."""
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    srt = np.sort(x[ok])
    out = np.full(x.shape, np.nan)
    if srt.size:
        lo = np.searchsorted(srt, x[ok], side="left")
        hi = np.searchsorted(srt, x[ok], side="right")
        out[ok] = (lo + hi) / 2.0 / srt.size
    return out


def _median(v) -> float:
    a = np.asarray(v, float)
    return float(np.nanmedian(a)) if a.size and np.isfinite(a).any() else float("nan")


def policy_table(vals: dict[str, Any], headline: dict[str, float], sources: dict[str, str]) -> pl.DataFrame:
    """indicator, definition, value (headline), basis, sim_p5, sim_p50, sim_p95."""
    from fundsvc.assessment.scorecard import INDICATOR_KEYS

    rows = []
    for k, definition in {**INDICATOR_KEYS, **EXTRA_INDICATORS}.items():
        v = np.atleast_1d(np.asarray(vals.get(k, np.nan), float))
        ok = v[np.isfinite(v)]
        q = np.quantile(ok, [0.05, 0.5, 0.95]) if ok.size else [np.nan] * 3
        rows.append({"indicator": k, "definition": definition, "value": float(headline.get(k, np.nan)),
                     "basis": sources.get(k, "simulated median"), "sim_p5": float(q[0]), "sim_p50": float(q[1]),
                     "sim_p95": float(q[2])})
    return pl.DataFrame(rows)


EXTRA_INDICATORS: dict[str, str] = {
    "projects": "支持项目数 (portfolio companies, whole programme)",
    "social_capital_leverage": "社会资本放大倍数 = (Σ commitment − Σ guidance commitment) / Σ guidance commitment",
    "quarters_to_50pct": "出资速度: quarters until median guidance paid-in reaches 50 % of its commitments",
    "quarters_to_80pct": "出资速度: quarters until median guidance paid-in reaches 80 % of its commitments",
    "loans_supported_cny": "支持贷款 (CNY): pooled book at the start + new lending, all pools",
    "fiscal_cost_per_yi_cny": "每亿元贷款财政成本 (CNY): Σ pool fiscal cost / (loans supported / 10⁸)",
}


def reinvestment_table(data: RunData, facts: ScenarioFacts) -> pl.DataFrame:
    """Per sub-fund: required multiple, completion P5/P50/P95 and P(requirement met)."""
    sf = facts.sub_funds
    if data.equity_indicators is None or sf.height == 0:
        return pl.DataFrame()
    fids = sf["sub_fund_id"].to_list()
    comp = ind.reinvestment_completion(_per_fund(data.equity_indicators, "fund", "local_reinvestment_ratio", fids),
                                       sf["local_reinvestment_multiple"].to_numpy())
    rows = []
    for j, f in enumerate(fids):
        c = comp[:, j]
        ok = c[np.isfinite(c)]
        q = np.quantile(ok, [0.05, 0.5, 0.95]) if ok.size else [np.nan] * 3
        rows.append({"sub_fund_id": f, "required_multiple": float(sf["local_reinvestment_multiple"][j]),
                     "completion_p5": float(q[0]), "completion_p50": float(q[1]), "completion_p95": float(q[2]),
                     "p_met": float((ok >= 1.0).mean()) if ok.size else float("nan")})
    return pl.DataFrame(rows)


def credit_table(data: RunData, facts: ScenarioFacts) -> pl.DataFrame:
    """Per pool: loans supported, lending multiple, leverage achieved, fiscal cost, cost per 亿元.

    ``loans_supported_cny`` = pooled book at the start + new lending over the horizon;
    ``lending_multiple`` = that ÷ (initial balance + replenishments) — the cumulative 放大倍数 of
    the pool; ``leverage_achieved`` = mean pooled outstanding ÷ mean balance over the horizon
    (falls after the lending programme ends). Mean, P50 and P95 over paths.
    """
    if data.credit_paths is None or facts.pools.height == 0:
        return pl.DataFrame()
    rows = []
    for r in facts.pools.iter_rows(named=True):
        p = data.credit_paths.filter(pl.col("entity") == f"pool:{r['pool_id']}").sort("path")
        if p.height == 0:
            continue
        lending = r["book_pooled_cny"] + p["new_lending"].to_numpy().astype(float)
        cost = p["fiscal_cost"].to_numpy().astype(float)
        series = {"loans_supported_cny": lending,
                  "lending_multiple": p["lending_multiple"].to_numpy().astype(float),
                  "leverage_achieved": p["leverage"].to_numpy().astype(float),
                  "fiscal_cost_cny": cost, "fiscal_cost_per_yi_cny": ind.fiscal_cost_per_yi(cost, lending)}
        for name, x in series.items():
            ok = x[np.isfinite(x)]
            rows.append({"pool_id": r["pool_id"], "indicator": name,
                         "mean": float(ok.mean()) if ok.size else float("nan"),
                         "p50": float(np.median(ok)) if ok.size else float("nan"),
                         "p95": float(np.quantile(ok, 0.95)) if ok.size else float("nan")})
    return pl.DataFrame(rows)
