"""Whole-fund assessment of a simulated run, with or without actual results.

The guidance fund is judged on its overall result, with tolerance for failure
(根据基金整体成效进行绩效考核,不以单一项目、单一子基金论成效). This package turns a stored run (and
optionally actual quarterly results) into the assessment the finance bureau signs off.

Public API (stable; used by ``fundsvc assess`` / ``fundsvc report`` and the dashboard's
Assessment page)::

    from fundsvc.assessment import assess_run, Assessment
    a = assess_run(store, run_id, actuals=frame_or_None, as_of=date_or_None)
    a.score, a.rating, a.verdict, a.verdict_zh, a.verdict_en, a.tolerated_loss_ratio,
    a.loss_ratio, a.percentiles            # headline fields
    a.tables()                             # dict of polars DataFrames (see TABLE_TITLES)
    a.to_dict()                            # JSON-able; Assessment.from_dict(doc) rebuilds it

    from fundsvc.assessment.reports import write_report, ReportFormat
    write_report(a, "report.xlsx", ReportFormat.XLSX)   # or "html"

Modules: ``indicators`` (policy indicator definitions), ``distributions`` (fund-level
distributions), ``exposure`` (combined fiscal exposure per path), ``scorecard``,
``tolerance`` (stage-weighted tolerance and the fair verdict), ``realised`` (actuals on the
quarterly grid), ``targets``, ``facts`` (scenario facts), ``figures`` (pure plotly builders),
``reports`` (xlsx / html), ``periods`` (月/季/年 reporting periods), ``sources`` (citations).
"""

from models.lazy import lazy_exports

_LAZY = {"Assessment": "fundsvc.assessment.assessment", "RunData": "fundsvc.assessment.assessment",
         "assess": "fundsvc.assessment.compute", "assess_run": "fundsvc.assessment.compute",
         "load_run_data": "fundsvc.assessment.compute", "Verdict": "fundsvc.assessment.tolerance"}
"""The public names, imported on first use (PEP 562): importing a light submodule such as
``fundsvc.assessment.facts`` (the dashboards' first page) must not import SciPy's statistics."""


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


TABLE_TITLES: dict[str, tuple[str, str]] = {
    "fund_distribution": ("整体收益分布(期末)", "Whole-fund distribution at the horizon"),
    "reporting_dates": ("各报告期分布", "Distribution at each reporting date"),
    "verdict": ("实际结果分位", "Realised result and percentiles"),
    "sub_fund_percentiles": ("子基金分位(仅供参考)", "Sub-fund percentiles (information only)"),
    "realised": ("实际现金流", "Realised cash flows"),
    "scorecard": ("绩效评分表", "Scorecard"),
    "score_distribution": ("评分分布", "Score distribution"),
    "policy_indicators": ("政策指标", "Policy indicators"),
    "reinvestment": ("返投完成情况", "Local reinvestment (返投)"),
    "deployment": ("出资进度", "Deployment speed"),
    "credit_indicators": ("风险补偿资金池指标", "Risk-sharing pool indicators"),
    "fiscal_exposure": ("财政综合风险敞口", "Combined fiscal exposure"),
    "tolerance": ("容错(按阶段)", "Tolerance by stage"),
    "targets": ("规划目标进度", "Programme targets"),
}

__all__ = ["TABLE_TITLES", "Assessment", "RunData", "Verdict", "assess", "assess_run", "load_run_data"]
