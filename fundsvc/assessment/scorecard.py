"""Weighted scorecard: indicator values → points → score (0–100) → rating.

Each indicator scores linearly: 0 at ``floor``, full marks at ``target`` (either direction),
clipped to [0, 1]. An indicator's points are its category's weight × its weight share within the
category × that fraction. An indicator whose value is unknown (NaN, e.g. no pools for the credit
indicator) is left out and the rest of its category is re-weighted; a category with no known
indicator is left out and the other categories are scaled up to 100.

Economic results are scored age-neutrally by default: the percentile of the fund's TVPI in the
simulated distribution at the same fund age (so an interim result in the J-curve is not marked
down for being interim) and the loss ratio against the stage-weighted tolerance. Absolute
``tvpi`` and ``irr`` are available as indicator keys for a configured scorecard.

Vectorised: values may be arrays of shape (n_paths,) (the score distribution) or scalars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fundsvc.assessment.sources import SCORECARD_SOURCE
from models.assessment import (
    Direction,
    RatingBand,
    Scorecard,
    ScorecardCategory,
    ScorecardIndicator,
)

INDICATOR_KEYS: dict[str, str] = {
    "leverage": "放大倍数 = Σ sub-fund commitment / Σ guidance commitment",
    "reinvestment_completion": "返投完成率 = Σ local invested / Σ required (whole fund)",
    "early_stage_share": "早期投资占比 = invested in seed/Series A / sub-fund paid-in",
    "priority_share": "五大生态圈占比 (mandate, commitment-weighted)",
    "deployment_vs_plan": "出资进度 = guidance paid-in / simulated median paid-in at the same age",
    "projects_per_yi": "支持项目数 per 亿元 of guidance commitment",
    "pool_leverage_utilisation": "资金池放大倍数实现率 = lending multiple (loans supported / pool contributions) / the pool's multiplier (mean over pools)",
    "tvpi_percentile": "TVPI percentile in the simulated distribution at the same fund age (age-neutral)",
    "tvpi": "TVPI of the guidance fund as a whole",
    "irr": "IRR of the guidance fund as a whole (per year)",
    "loss_vs_tolerance": "容亏率 / 容亏上限",
}


def _ind(key, label, zh, weight, target, floor, lower=False) -> ScorecardIndicator:
    return ScorecardIndicator(key=key, label=label, label_zh=zh, weight=weight, target=target, floor=floor,
                              direction=Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER)


def default_scorecard() -> Scorecard:
    """The default template: 政策效应 40 / 管理效能 30 / 经济效益 30 (see ``sources``)."""
    return Scorecard(
        name="default", source=SCORECARD_SOURCE,
        categories=[
            ScorecardCategory(key="policy_effect", label="Policy effect", label_zh="政策效应", weight=40, indicators=[
                _ind("leverage", "Leverage of fiscal money", "财政资金放大倍数", 10, 4.0, 1.5),
                _ind("reinvestment_completion", "Local reinvestment completion", "返投完成率", 10, 1.0, 0.5),
                _ind("early_stage_share", "Early-stage share", "投早投小占比", 10, 0.6, 0.2),
                _ind("priority_share", "Priority ecosystems share", "五大产业生态圈投资占比", 10, 0.8, 0.4),
            ]),
            ScorecardCategory(key="management", label="Management effectiveness", label_zh="管理效能", weight=30,
                              indicators=[
                _ind("deployment_vs_plan", "Deployment against plan", "出资进度(对比计划)", 10, 1.0, 0.5),
                _ind("projects_per_yi", "Projects per 100m CNY", "每亿元支持项目数", 10, 10.0, 2.0),
                _ind("pool_leverage_utilisation", "Pool leverage utilisation", "风险池放大倍数实现率", 10, 1.0, 0.5),
            ]),
            ScorecardCategory(key="economic", label="Economic return", label_zh="经济效益", weight=30, indicators=[
                _ind("tvpi_percentile", "TVPI percentile at the same age", "TVPI在同类模拟分布中的分位", 15, 0.5, 0.05),
                _ind("loss_vs_tolerance", "Loss against tolerance", "容亏率/容亏上限", 15, 0.5, 1.5, lower=True),
            ]),
        ],
    )


@dataclass(frozen=True)
class ScoreResult:
    """Scores of ``n`` cases (paths, or one realised case).

    Attributes
    ----------
    total : ndarray, shape (n,)
        Score out of 100.
    points : dict of str to ndarray (n,)
        Points per indicator key (NaN if left out).
    fraction : dict of str to ndarray (n,)
        Fraction of full marks per indicator (NaN if left out).
    """

    total: np.ndarray
    points: dict[str, np.ndarray]
    fraction: dict[str, np.ndarray]


def indicator_fraction(value, ind: ScorecardIndicator) -> np.ndarray:
    """Linear fraction of full marks in [0, 1] (NaN stays NaN)."""
    v = np.asarray(value, dtype=float)
    return np.clip((v - ind.floor) / (ind.target - ind.floor), 0.0, 1.0)


def score(card: Scorecard, values: dict[str, object]) -> ScoreResult:
    """Score indicator values (scalars or arrays of one shape (n,))."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
    n = max((a.shape[0] for a in arrays.values()), default=1)
    nan = np.full(n, np.nan)
    frac = {i.key: np.broadcast_to(indicator_fraction(arrays.get(i.key, nan), i), (n,))
            for c in card.categories for i in c.indicators}
    cat_pts, cat_w, points = [], [], {}
    for c in card.categories:
        w = np.array([i.weight for i in c.indicators])
        f = np.stack([frac[i.key] for i in c.indicators])  # (n_ind, n)
        known = ~np.isnan(f)
        wk = (w[:, None] * known).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(known, w[:, None] / np.where(wk > 0, wk, 1.0), np.nan)
            pts = c.weight * share * np.where(known, f, 0.0)
        for k, i in enumerate(c.indicators):
            points[i.key] = np.where(known[k], pts[k], np.nan)
        cat_pts.append(np.nansum(np.where(known, pts, 0.0), axis=0))
        cat_w.append(np.where(wk > 0, c.weight, 0.0))
    total_w = np.sum(cat_w, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(total_w > 0, np.sum(cat_pts, axis=0) * 100.0 / np.where(total_w > 0, total_w, 1.0), np.nan)
    return ScoreResult(total=total, points=points, fraction=frac)


def rating(card: Scorecard, value: float) -> str:
    """The rating band of a score (highest band whose ``min_score`` it reaches)."""
    if value is None or np.isnan(value):
        return "–"
    bands: list[RatingBand] = sorted(card.ratings, key=lambda b: -b.min_score)
    for b in bands:
        if value >= b.min_score - 1e-9:
            return b.rating
    return bands[-1].rating


def score_table(card: Scorecard, values: dict[str, float], result: ScoreResult, index: int = 0) -> pl.DataFrame:
    """One row per indicator for case ``index``: category, indicator, value, target, floor, points."""
    rows = []
    for c in card.categories:
        for i in c.indicators:
            v = values.get(i.key, float("nan"))
            v = float(np.atleast_1d(np.asarray(v, float))[min(index, np.size(v) - 1)]) if np.size(v) else float("nan")
            rows.append({
                "category": c.key, "category_zh": c.label_zh, "indicator": i.key, "label": i.label,
                "label_zh": i.label_zh, "value": v, "target": i.target, "floor": i.floor,
                "direction": i.direction.value, "points": float(result.points[i.key][index]),
                "category_weight": c.weight,
            })
    return pl.DataFrame(rows)
