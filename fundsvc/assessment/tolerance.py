"""Stage-based tolerance (容错) at the level of the whole fund, and the fair verdict.

The tolerated loss ratio of the whole guidance fund is the average of the stage tolerances
(:class:`models.assessment.ToleranceConfig`) weighted by the guidance fund's commitments to
sub-funds of each stage (its stage mix). A realised loss ratio is then judged against it
together with the percentile of the realised result in the simulated distribution for a fund
with the same mandate at the same age:

* ``within_tolerance`` — loss ratio at or below the tolerated ratio: accepted (容错范围内);
* ``bad_luck`` — loss above tolerance, but the result is not unusually poor for this mandate
  (percentile of TVPI at or above ``review_percentile``): explained by the market, not by the
  management;
* ``review`` — loss above tolerance *and* below the ``review_percentile`` of the simulated
  distribution: results warrant review (not automatically a finding of fault);
* ``no_data`` — nothing paid in yet.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import polars as pl

from models.assessment import ToleranceConfig
from models.venture import FundStage


class Verdict(StrEnum):
    WITHIN_TOLERANCE = "within_tolerance"
    BAD_LUCK = "bad_luck"
    REVIEW = "review"
    NO_DATA = "no_data"


VERDICT_LABELS: dict[Verdict, tuple[str, str]] = {
    Verdict.WITHIN_TOLERANCE: ("容错范围内", "within tolerance"),
    Verdict.BAD_LUCK: ("超出容亏率,但属市场因素(运气)", "above tolerance, consistent with bad luck"),
    Verdict.REVIEW: ("超出容亏率且显著低于同类模拟分布,建议复核", "above tolerance and unusually poor: warrants review"),
    Verdict.NO_DATA: ("尚无实缴数据", "no paid-in capital yet"),
}


def stage_mix(strategies, guidance_commitments) -> dict[FundStage, float]:
    """Share of guidance commitments by sub-fund stage (sums to 1 when anything is committed)."""
    total = float(np.sum(guidance_commitments))
    mix = {s: 0.0 for s in FundStage}
    for s, c in zip(strategies, guidance_commitments):
        mix[FundStage(s)] += float(c) / total if total > 0 else 0.0
    return mix


def tolerated_loss_ratio(config: ToleranceConfig, strategies, guidance_commitments) -> float:
    """Whole-fund tolerated loss ratio = Σ_stage mix(stage) × tolerance(stage)."""
    mix = stage_mix(strategies, guidance_commitments)
    return float(sum(w * config.tolerated_loss_ratio[s] for s, w in mix.items()))


def tolerance_table(config: ToleranceConfig, strategies, guidance_commitments) -> pl.DataFrame:
    """stage, weight (share of guidance commitments), tolerated_loss_ratio, contribution."""
    mix = stage_mix(strategies, guidance_commitments)
    return pl.DataFrame({
        "stage": [s.value for s in FundStage],
        "weight": [mix[s] for s in FundStage],
        "tolerated_loss_ratio": [float(config.tolerated_loss_ratio[s]) for s in FundStage],
        "contribution": [mix[s] * config.tolerated_loss_ratio[s] for s in FundStage],
    })


def fair_verdict(loss: float, percentile: float, tolerated: float, review_percentile: float) -> Verdict:
    """Classify a realised whole-fund result (see the module docstring).

    Parameters
    ----------
    loss : float
        Realised loss ratio (容亏率), decimal; NaN = nothing paid in.
    percentile : float
        Percentile of the realised TVPI in the simulated distribution at the same age, in [0, 1]
        (NaN if unknown: then a loss above tolerance is sent to review).
    tolerated : float
        Whole-fund tolerated loss ratio.
    review_percentile : float
        Below this percentile a result counts as unusually poor.
    """
    if loss is None or math.isnan(loss):
        return Verdict.NO_DATA
    if loss <= tolerated + 1e-12:
        return Verdict.WITHIN_TOLERANCE
    if percentile is not None and not math.isnan(percentile) and percentile >= review_percentile:
        return Verdict.BAD_LUCK
    return Verdict.REVIEW


def verdict_text(verdict: Verdict, loss: float, tolerated: float, percentile: float, review_percentile: float,
                 as_of: str, *, conditional=None, market_observed: bool = False) -> tuple[str, str]:
    """Plain-language verdict in Chinese and English.

    ``conditional`` (a :class:`fundsvc.assessment.conditional.ConditionalRank`) says the
    percentile is the rank among paths conditioned on the market that happened; the text then
    gives both ranks and the effective sample size, and says the verdict uses the conditional one.
    """
    def pct(x):
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"

    zh_l, en_l = VERDICT_LABELS[verdict]
    if verdict is Verdict.NO_DATA:
        return (f"截至{as_of}尚无实缴出资,无法评价。", f"As of {as_of} nothing has been paid in; no verdict.")
    zh = (f"截至{as_of},引导基金整体容亏率为{pct(loss)},整体容亏上限(按阶段结构加权)为{pct(tolerated)};"
          f"实际TVPI位于同类授权模拟分布的第{pct(percentile)}分位。结论:{zh_l}。")
    en = (f"As of {as_of} the guidance fund as a whole has lost {pct(loss)} of paid-in capital against a "
          f"stage-weighted tolerance of {pct(tolerated)}; its TVPI lies at the {pct(percentile)} percentile of "
          f"the simulated distribution for a fund with the same mandate at the same age. Verdict: {en_l}.")
    if conditional is not None:
        c = conditional
        zh += (f"(按实际发生的市场行情(公开指数,{c.quarters}个季度)对模拟路径重新加权后的条件分位;"
               f"无条件分位为{pct(c.unconditional)},有效样本量{c.ess:,.0f}/{c.n:,}。结论采用条件分位。)")
        en += (f" (This percentile is conditional: simulated paths re-weighted by how closely their public index "
               f"matched the one that happened over {c.quarters} quarters; the unconditional percentile is "
               f"{pct(c.unconditional)}; effective sample size {c.ess:,.0f} of {c.n:,}. The verdict uses the "
               "conditional rank.)")
    elif market_observed:
        zh += "(本次运行未保存条件化所需路径,结论采用无条件分位。)"
        en += " (The run has no conditioning paths stored, so the verdict uses the unconditional rank.)"
    else:
        zh += "(实际数据未提供公开指数(public_index 列),结论采用无条件分位。)"
        en += (" (The actuals carry no market history (column public_index), so the verdict uses the "
               "unconditional rank.)")
    if verdict is Verdict.BAD_LUCK:
        zh += f"该结果不低于第{pct(review_percentile)}分位,属于市场波动可解释的范围,不作为管理问题认定。"
        en += (f" The result is not below the {pct(review_percentile)} percentile, so the market explains it; "
               "it is not evidence of poor management.")
    elif verdict is Verdict.REVIEW:
        zh += f"该结果低于第{pct(review_percentile)}分位,仅凭运气难以解释,建议开展复核(非自动追责)。"
        en += (f" The result is below the {pct(review_percentile)} percentile: luck alone explains it poorly, "
               "so it warrants review (not an automatic finding of fault).")
    elif percentile is not None and not math.isnan(percentile) and percentile < review_percentile:
        zh += "虽在容错范围内,但分位偏低,建议关注。"
        en += " Within tolerance, though low in the distribution: worth watching."
    return zh, en
