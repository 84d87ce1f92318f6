"""The zh/en catalogue of every code and column header a user reads.

Codes are the values stored in tables and enums (sectors, stages, statuses, parties, measures,
indicators, fiscal-exposure components …); columns are stored column names. The dashboards'
sentences live in ``dashboards/i18n.py`` (``TEXT``) and use this catalogue for codes and headers.

``label(code, lang)`` translates a code: exact entries first, then compound codes
(``bank:city_bank_b`` → ``银行 city_bank_b``, ``pool:city-ip`` → the pool's prefix), then the
code itself (so a new code shows up — and the test that renders every page catches it).
``column_label(name, lang)`` builds headers: ``tvpi_p50`` → ``TVPI P50``, ``irr_mean_se`` →
``IRR 均值标准误``; the money unit is added by the caller (one unit per table).
"""

from __future__ import annotations

import re

from models.assessment import Direction
from models.common import Sector
from models.credit import LoanProduct, Party
from models.venture import FundStage, Stage

__all__ = ["CODES", "COLUMNS", "FIGURES", "column_label", "figure_label", "is_code", "label", "reverse_target_label"]

# code: (zh, en)
CODES: dict[str, tuple[str, str]] = {
    # sectors (五大产业生态圈) and products
    **{s.value: (s.label_zh, s.value.replace("_", " ").capitalize()) for s in Sector},
    "smart_iot": ("智能物联", "Smart IoT"),
    **{p.value: (p.label_zh, {"achievement": "Achievement loan", "sci_tech": "Sci-tech loan", "talent": "Talent loan",
                             "other": "Other"}[p.value]) for p in LoanProduct},
    # deal stages and fund stages
    Stage.SERIES_A.value: ("A 轮", "Series A"), Stage.SERIES_B.value: ("B 轮", "Series B"),
    Stage.SERIES_C.value: ("C 轮", "Series C"), Stage.LATER.value: ("后期", "Later stage"),
    FundStage.SEED.value: ("种子期", "Seed"), FundStage.ANGEL.value: ("天使期", "Angel"),
    FundStage.VENTURE.value: ("创投期", "Venture"), FundStage.GROWTH.value: ("成长期", "Growth"),
    # why a pool refused or reduced a claim (cover reliability, fundsvc.credit.pools.reliability)
    "any": ("任一原因", "any reason"), "depletion": ("余额不足", "pool depleted"),
    "npl_pause": ("不良率暂停", "NPL-ratio pause"), "loss_pause": ("累计损失暂停", "cumulative-loss pause"),
    "cap": ("补偿上限", "compensation cap"),
    # equity–credit link (fundsvc.stress.link, run table equity_credit_link)
    "rank_correlation": ("股权与信贷损失的秩相关(Spearman)", "Rank correlation of equity and credit losses (Spearman)"),
    "joint_tail": ("联合尾部:P(信贷损失 ≥ P95 | 引导基金 TVPI ≤ P5)",
                   "Joint tail: P(credit loss ≥ P95 | guidance TVPI ≤ P5)"),
    "equity_credit_link": ("股债联动", "Equity–credit link"),
    # run statuses
    "queued": ("排队中", "queued"), "running": ("运行中", "running"), "succeeded": ("已完成", "succeeded"),
    "failed": ("失败", "failed"), "cancelled": ("已取消", "cancelled"),
    # parties and entities
    Party.POOL.value: ("资金池", "Pool"), Party.GUARANTOR.value: ("担保机构", "Guarantor"),
    Party.BANK.value: ("银行", "Bank"), Party.INSURER.value: ("保险机构", "Insurer"),
    "banks": ("全部银行", "All banks"), "total": ("合计", "Total"), "guidance": ("引导基金", "Guidance fund"),
    # loss measures and windows
    "el": ("预期损失 EL", "Expected loss (EL)"), "ul": ("非预期损失 UL(标准差)", "Unexpected loss (UL, s.d.)"),
    "var": ("风险价值 VaR", "Value at risk (VaR)"), "es": ("预期短缺 ES", "Expected shortfall (ES)"),
    "horizon": ("全期", "Whole horizon"), "year_1": ("第一年", "First year"),
    # assessment
    "policy_effect": ("政策效应", "Policy effect"), "management": ("管理效能", "Management effectiveness"),
    "economic": ("经济效益", "Economic return"),
    Direction.HIGHER_IS_BETTER.value: ("越高越好", "higher is better"),
    Direction.LOWER_IS_BETTER.value: ("越低越好", "lower is better"),
    "simulated": ("模拟", "simulated"), "realised": ("实际", "realised"),
    "simulated median": ("模拟中位数", "simulated median"), "realised value": ("实际值", "realised"),
    "within_tolerance": ("容错范围内", "within tolerance"),
    "bad_luck": ("超出容亏率,但属市场因素", "above tolerance, consistent with bad luck"),
    "review": ("超出容亏率且显著偏低,建议复核", "above tolerance and unusually poor: review"),
    "no_data": ("尚无实缴数据", "no paid-in capital yet"),
    # indicators
    "leverage": ("财政资金放大倍数", "Leverage of fiscal money"),
    "reinvestment_completion": ("返投完成率", "Local reinvestment completion"),
    "early_stage_share": ("投早投小占比", "Early-stage share"),
    "priority_share": ("五大产业生态圈投资占比", "Priority ecosystems share"),
    "deployment_vs_plan": ("出资进度(对计划)", "Deployment vs plan"),
    "projects_per_yi": ("每亿元支持项目数", "Projects per 亿元"),
    "pool_leverage_utilisation": ("资金池放大倍数使用率", "Pool leverage utilisation"),
    "tvpi_percentile": ("TVPI 所处分位", "TVPI percentile"),
    "tvpi": ("总价值倍数 TVPI", "TVPI"), "dpi": ("已分配倍数 DPI", "DPI"), "rvpi": ("剩余价值倍数 RVPI", "RVPI"),
    "irr": ("内部收益率 IRR", "IRR"), "irr_to_date": ("至今 IRR", "IRR to date"),
    "net_cost_cny": ("净成本(负数为收益)", "Net cost (negative: gain)"), "ks_pme": ("KS-PME", "KS-PME"),
    "direct_alpha": ("直接 alpha", "Direct alpha"), "paid_in": ("实缴", "Paid-in"),
    "loss_ratio": ("容亏率", "Loss ratio"), "loss_vs_tolerance": ("亏损率超出容错幅度", "Loss beyond tolerance"),
    "projects": ("支持项目数", "Projects supported"), "patents": ("专利转化数", "Patents industrialised"),
    "social_capital_leverage": ("社会资本放大倍数", "Private capital leverage"),
    "quarters_to_50pct": ("出资达 50% 所需季度", "Quarters to 50 % deployed"),
    "quarters_to_80pct": ("出资达 80% 所需季度", "Quarters to 80 % deployed"),
    "loans_supported_cny": ("支持贷款额", "Loans supported"),
    "fiscal_cost_per_yi_cny": ("每亿元贷款财政成本", "Fiscal cost per 亿元 lent"),
    "lending_multiple": ("撬动倍数(贷款÷资金池)", "Lending multiple (loans ÷ pool)"),
    "leverage_achieved": ("在贷余额÷资金池余额", "Outstanding ÷ pool balance"),
    "fiscal_cost_cny": ("财政成本", "Fiscal cost"),
    # fiscal exposure components
    "guidance_loss_cny": ("引导基金亏损", "Guidance fund loss"),
    "guidance_net_cost_cny": ("引导基金净成本(负数为收益)", "Guidance fund net cost (negative: gain)"),
    "pool_cost_cny": ("资金池财政成本合计", "Pools' fiscal cost"),
    "combined_exposure_cny": ("财政综合风险敞口", "Combined fiscal exposure"),
    "combined_net_cost_cny": ("财政综合净成本", "Combined net cost"),
    # score distribution quantiles
    "p5": ("P5", "P5"), "p50": ("P50(中位数)", "P50 (median)"), "p95": ("P95", "P95"),
    # units in the targets table
    "companies": ("家企业", "companies"),
    # pool variables
    "initial_balance": ("初始余额", "Initial balance"), "annual_top_up": ("年度补充", "Annual top-up"),
    # backtests (fundsvc.validation.report.backtest_report_tables)
    "auc": ("AUC(区分度)", "AUC (discrimination)"), "gini": ("基尼系数", "Gini"),
    "pd_grades_failing": ("违约率未通过的等级数", "PD grades failing"),
    "lgd_predicted": ("预测违约损失率", "LGD predicted"), "lgd_realised": ("实际违约损失率", "LGD realised"),
    "backtest_overall": ("总体结论", "Overall result"), "observations": ("观测数", "Observations"),
    "pit_uniformity": ("PIT 均匀性(卡方检验)", "PIT uniformity (chi-square)"),
    "coverage_90": ("落入模拟 90% 区间的比例", "Inside the simulated 90 % band"),
    "pass": ("通过", "pass"), "fail": ("未通过", "FAIL"),
    # bundled backtest histories (dashboards' validation page)
    "backtest_loans_pass": ("校准良好的样本", "Well-calibrated history"),
    "backtest_loans_fail": ("误设定的样本", "Mis-specified history"),
    # sensitivity (fundsvc.validation.sensitivity): inputs moved one at a time, and the outputs' measures
    "loan_pd": ("贷款违约概率 PD", "Loan PD"), "tech_cycle_loading": ("科技周期因子载荷", "Tech-cycle loading"),
    "persistence": ("市场因子持续性", "Market-factor persistence"), "pool_funding": ("资金池初始资金", "Pool funding"),
    "tvpi_mean": ("TVPI 均值", "TVPI, mean"), "p_tvpi_below_1": ("亏损概率 P(TVPI<1)", "P(loss), P(TVPI<1)"),
    "el_horizon": ("全期预期损失 EL", "Expected loss (EL), whole horizon"),
    "var_999_horizon": ("全期风险价值 VaR 99.9%", "VaR 99.9 %, whole horizon"),
    "p_depleted": ("耗尽概率", "P(depleted)"), "p_cover_refused": ("代偿拒付/减付概率", "P(cover refused or reduced)"),
    "paired batch means": ("配对批均值", "paired batch means"),
    "unpaired (conservative)": ("非配对(偏保守)", "unpaired (conservative)"),
}

# headline figures of a run (fundsvc.simulation.uncertainty.headline_figures)
FIGURES: dict[str, tuple[str, str]] = {
    "guidance TVPI mean": ("引导基金 TVPI 均值", "Guidance fund TVPI, mean"),
    "guidance TVPI P50": ("引导基金 TVPI 中位数", "Guidance fund TVPI, median"),
    "guidance P(TVPI<1)": ("引导基金亏损概率(TVPI<1)", "Guidance fund P(TVPI < 1)"),
    "banks EL (horizon)": ("银行全期预期损失 EL", "Banks' expected loss (horizon)"),
    "banks VaR 99.9% (horizon)": ("银行全期 VaR 99.9%", "Banks' VaR 99.9% (horizon)"),
    "end-of-term sale share of proceeds": ("期末二级转让占子基金回款比例", "End-of-term secondary sales, share of proceeds"),
}
_POOL_FIGURE = re.compile(r"^pool[: ](?P<id>\S+) P\((?P<what>depleted|cover refused)\)$")
_POOL_WHAT = {"depleted": ("耗尽概率", "P(depleted)"), "cover refused": ("拒付/减付概率", "P(claim refused or reduced)")}

# targets of a reverse stress (fundsvc.stress.reverse.Target.key)
_REVERSE: dict[str, tuple[str, str]] = {
    "guidance_loss_ratio": ("引导基金容亏率(中位数)", "Guidance fund loss ratio (median)"),
    "depleted": ("资金池 {id} 耗尽概率", "P(pool {id} depleted)"),
    "loss": ("银行 {id} 全期损失(中位数)", "Bank {id} loss over the horizon (median)"),
}

# stored column name: (zh, en); statistic suffixes handled by column_label
COLUMNS: dict[str, tuple[str, str]] = {
    "entity": ("主体", "Entity"), "name": ("名称", "Name"), "fund": ("子基金", "Sub-fund"),
    "sub_fund_id": ("子基金", "Sub-fund"), "pool_id": ("资金池", "Pool"),
    "tvpi": ("TVPI", "TVPI"), "dpi": ("DPI", "DPI"), "irr": ("IRR", "IRR"), "rvpi": ("RVPI", "RVPI"),
    "p_loss": ("亏损概率", "P(loss)"), "jcurve_trough": ("J曲线谷底", "J-curve trough"),
    "jcurve_trough_date": ("谷底日期", "Trough date"), "pool": ("资金池", "Pool"),
    "variable": ("变量", "Variable"), "value": ("数值", "Value"), "probability": ("概率", "Probability"),
    "se": ("标准误", "Std. error"), "target": ("目标", "Target"), "attained": ("达标", "Attained"),
    "initial_balance": ("初始余额", "Initial balance"), "payouts": ("代偿", "Payouts"),
    "fiscal_cost": ("财政成本", "Fiscal cost"), "fiscal_cost_pv": ("财政成本现值", "Fiscal cost PV"),
    "leverage": ("在贷÷余额", "Outstanding ÷ balance"), "lending_multiple": ("撬动倍数", "Lending multiple"),
    "new_lending": ("新增贷款", "New lending"), "final_balance": ("期末余额", "Final balance"),
    "p_depleted": ("耗尽概率", "P(depleted)"),
    "window": ("期间", "Window"), "measure": ("度量", "Measure"), "level": ("置信水平", "Level"),
    "metric": ("指标", "Metric"), "indicator": ("指标", "Indicator"),
    "achieved": ("模拟值", "Simulated"), "percentile": ("分位", "Percentile"),
    "category": ("维度", "Category"), "label": ("指标", "Indicator"), "floor": ("底线", "Floor"),
    "direction": ("方向", "Direction"), "points": ("得分", "Points"), "category_weight": ("维度权重", "Category weight"),
    "definition": ("定义", "Definition"), "basis": ("依据", "Basis"), "sim": ("模拟", "Simulated"),
    "stage": ("阶段", "Stage"), "weight": ("权重", "Weight"), "tolerated_loss_ratio": ("容亏率上限", "Tolerated loss ratio"),
    "contribution": ("加权贡献", "Contribution"), "required_multiple": ("要求倍数", "Required multiple"),
    "completion": ("完成率", "Completion"), "p_met": ("达标概率", "P(met)"), "component": ("构成", "Component"),
    "mean": ("均值", "Mean"), "p_positive": ("成本为正的概率", "P(cost > 0)"), "key": ("目标", "Target"),
    "unit": ("单位", "Unit"), "by_year": ("目标年份", "By year"), "actual": ("实际", "Actual"),
    "progress": ("进度", "Progress"), "projected": ("预计", "Projected"), "projected_progress": ("预计进度", "Projected progress"),
    "quantile": ("分位", "Quantile"), "score": ("得分", "Score"), "n_defined": ("有效路径数", "Paths defined"),
    "step": ("季度序号", "Quarter"), "date": ("日期", "Date"), "sector": ("行业", "Sector"),
    "year": ("年份", "Year"), "share": ("占比", "Share"), "guidance": ("引导基金", "Guidance fund"),
    "irr_undefined": ("IRR 无定义占比", "IRR undefined"), "ks_pme": ("KS-PME", "KS-PME"),
    "direct_alpha": ("直接 alpha", "Direct alpha"), "loss_ratio": ("容亏率", "Loss ratio"),
    "id": ("编号", "ID"), "scenario": ("情景", "Scenario"), "status": ("状态", "Status"), "seed": ("随机种子", "Seed"),
    "paths": ("路径数", "Paths"), "n_paths": ("路径数", "Paths"), "created": ("创建时间", "Created"),
    "duration_s": ("耗时(秒)", "Duration (s)"), "label_run": ("备注", "Label"),
    # loan pricing and book report (loans page)
    "crm": ("认定方式", "Treatment"), "capital_rate_pct": ("资本占用(%)", "Capital (%)"),
    "risk_weight_pct": ("风险权重(%)", "Risk weight (%)"), "irb_lgd_pct": ("IRB 违约损失率(%)", "IRB LGD (%)"),
    "break_even_pct": ("保本利率(%)", "Break-even (%)"), "raroc_pct": ("RAROC(%)", "RAROC (%)"),
    "subsidy_bp": ("补贴(基点/年)", "Subsidy (bp/yr)"), "grade": ("等级", "Grade"), "product": ("产品", "Product"),
    "n_loans": ("笔数", "Loans"), "pd_pct": ("违约率(%)", "PD (%)"), "lgd_pct": ("违约损失率(%)", "LGD (%)"),
    "el_rate_pct": ("预期损失率(%)", "EL (%)"), "rate_pct": ("合同利率(%)", "Contract rate (%)"),
    "el_rate_no_pool_pct": ("无资金池预期损失率(%)", "EL without pool (%)"),
    "break_even_no_pool_pct": ("无资金池保本利率(%)", "Break-even without pool (%)"),
    "raroc_no_pool_pct": ("无资金池 RAROC(%)", "RAROC without pool (%)"),
    "below_break_even_pct": ("低于保本的金额占比(%)", "Amount below break-even (%)"),
    # Monte Carlo error columns (fundsvc.simulation.uncertainty)
    "lo": ("95%区间下限", "95% low"), "hi": ("95%区间上限", "95% high"),
    "figure": ("指标", "Figure"), "estimate": ("估计", "Estimate"), "estimate_pm": ("估计 ± 标准误", "Estimate ± s.e."),
    "independent": ("若相互独立", "If independent"),
    # pools: summary and cover reliability (issue 12 item 3)
    "payouts_mean": ("代偿均值", "Payouts, mean"),
    "payouts_p95": ("代偿 P95", "Payouts, P95"),
    "fiscal_cost_mean": ("财政成本均值", "Fiscal cost, mean"),
    "fiscal_cost_p95": ("财政成本 P95", "Fiscal cost, P95"),
    "fiscal_cost_pv_mean": ("财政成本现值均值", "Fiscal cost PV, mean"),
    "leverage_mean": ("放大倍数均值", "Leverage, mean"),
    "lending_multiple_mean": ("撬动倍数均值", "Lending multiple, mean"),
    "new_lending_mean": ("新增贷款均值", "New lending, mean"),
    "final_balance_mean": ("期末余额均值", "Final balance, mean"),
    "p_depleted_se": ("耗尽概率标准误", "P(depleted) s.e."),
    "value_wan": ("数值(万元)", "Value (万元)"),
    "reason": ("原因", "Reason"),
    "p_refused": ("拒付/减付概率", "P(refused/reduced)"),
    "p_refused_se": ("拒付概率标准误", "P(refused) s.e."),
    "unpaid_mean": ("未付均值", "Unpaid, mean"),
    "unpaid_mean_se": ("未付均值标准误", "Unpaid mean s.e."),
    "claims_mean": ("索赔均值", "Claims, mean"),
    "reliability": ("实付比例", "Share paid"),
    "p_paused": ("暂停概率", "P(paused)"),
    "p_paused_se": ("暂停概率标准误", "P(paused) s.e."),
    "p_paused_at_start": ("年初暂停概率", "P(paused at year start)"),
    # sensitivity (fundsvc.service.sensitivity: the run table ``sensitivity``)
    "input": ("输入", "Input"), "output": ("输出指标", "Output"), "low": ("下调后", "Input down"),
    "base": ("基准", "Base"), "high": ("上调后", "Input up"), "swing": ("摆幅", "Swing"),
    "elasticity": ("弹性", "Elasticity"), "se_method": ("标准误方法", "s.e. method"), "rank": ("排序", "Rank"),
    "relative_step": ("相对变动幅度", "Relative step"),
    # backtests
    "p_value": ("p 值", "p-value"), "result": ("结论", "Result"), "loans": ("笔数", "Loans"),
    "defaults": ("违约笔数", "Defaults"), "pd": ("违约概率 PD", "PD"), "default_rate": ("实际违约率", "Default rate"),
    "p_binomial": ("二项检验 p 值", "Binomial p"), "p_jeffreys": ("Jeffreys 检验 p 值", "Jeffreys p"),
    "tape": ("样本", "History"), "passed": ("通过", "Passed"), "grades_failing": ("未通过的等级数", "Grades failing"),
    "lgd_p_value": ("违约损失率检验 p 值", "LGD test p-value"),
    # headline precision (validation page)
    "figure": ("指标", "Figure"), "estimate": ("估计值", "Estimate"), "rel_half_width": ("相对半宽", "Relative half-width"),
}

_STATS: dict[str, tuple[str, str]] = {
    "mean": ("均值", "mean"), "median": ("中位数", "median"), "se": ("标准误", "s.e."),
    "mean_se": ("均值标准误", "mean s.e."), "lo": ("95%下限", "95% low"), "hi": ("95%上限", "95% high"),
}
_STAT_RE = re.compile(r"^(?P<base>.+?)_(?P<stat>p\d{1,2}|mean_se|mean|median|se|lo|hi)$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9]*([_:\-][a-z0-9]+)+$")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def label(code: str, lang: str = "zh") -> str:
    """The display label of ``code`` in ``lang`` (``zh`` default); unknown codes unchanged."""
    if code is None:
        return "–"
    code = str(code)
    if code in CODES:
        return _pick(CODES[code], lang)
    if ":" in code:  # party:id entities, e.g. bank:city_bank_b, pool:city-ip
        head, _, tail = code.partition(":")
        if head in CODES:
            return f"{_pick(CODES[head], lang)} {tail}"
    if code.startswith("cost_"):  # per-pool fiscal cost component of the exposure table
        return f"{_pick(CODES['pool'], lang)} {code[5:]} {_pick(CODES['fiscal_cost_cny'], lang)}"
    return code


def figure_label(figure: str, lang: str = "zh") -> str:
    """Label of a headline figure name (``guidance TVPI mean``, ``pool city-ip P(depleted)`` …);
    unknown names unchanged."""
    if figure in FIGURES:
        return _pick(FIGURES[figure], lang)
    m = _POOL_FIGURE.match(str(figure))
    if m:
        what = _pick(_POOL_WHAT[m.group("what")], lang)
        return f"{_pick(CODES['pool'], lang)} {m.group('id')} {what}"
    return figure


def reverse_target_label(key: str, lang: str = "zh") -> str | None:
    """Label of a reverse-stress target key (``guidance_loss_ratio``, ``depleted:pool:ID``,
    ``loss:bank:NAME``); None when unknown."""
    head, _, rest = str(key).partition(":")
    if head not in _REVERSE:
        return None
    return _pick(_REVERSE[head], lang).format(id=rest.partition(":")[2])


def is_code(text: str) -> bool:
    """True for text shaped like an untranslated code (``high_end_equipment``, ``bank:x_y``)."""
    return bool(_CODE_RE.match(text))


def column_label(name: str, lang: str = "zh", *, unit: str = "") -> str:
    """Header of a stored column: ``tvpi_p50`` → ``TVPI P50``; ``_cny`` dropped (``unit`` added).

    ``unit`` is the table's money unit name (e.g. ``万元``) added in brackets to money columns.
    """
    en = lang == "en"
    for suffix in ("_lo", "_hi", "_se"):  # Monte Carlo error of a statistic: tvpi_p50_lo, p_loss_se
        rest = name[: -len(suffix)]
        if name.endswith(suffix) and rest and not _STAT_RE.fullmatch(rest + suffix) is None:
            inner = column_label(rest, lang, unit=unit)
            if inner != rest:
                return f"{inner} {_pick(_STATS[suffix[1:]], lang)}"
    base = name[:-4] if name.endswith("_cny") else name
    stat = ""
    m = _STAT_RE.match(base)
    if m and (m.group("base") in COLUMNS or m.group("base").removesuffix("_cny") in COLUMNS or m.group("base") == "sim"):
        base = m.group("base").removesuffix("_cny")
        s = m.group("stat")
        stat = " " + (s.upper() if s.startswith("p") else _pick(_STATS[s], lang))
    if base in COLUMNS:
        text = _pick(COLUMNS[base], lang) + stat
    elif base in CODES:
        text = _pick(CODES[base], lang) + stat
    else:
        text = name
    if unit:
        text += f" ({unit})" if en else f"({unit})"
    return text
