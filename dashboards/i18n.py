"""User-facing text of the dashboards in Chinese and English: ``t(key, lang)``.

Every label shown in the app comes from :data:`TEXT`; a missing key is a bug caught by the tests
(``t`` raises ``KeyError``). Amounts are shown in 万元 / 亿元 in both languages.
"""

from __future__ import annotations

from enum import StrEnum

import fundsvc.catalogue as _catalogue


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


DEFAULT_LANG = Lang.ZH

# key: (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("科技成果转化基金监测", "fundsvc — fund & loan monitor"),
    "lang_toggle": ("English", "中文"),
    "run": ("运行", "Run"),
    "no_runs": ("尚无已完成的模拟运行。请在“运行与情景”页启动一次。",
                "No finished simulation run yet. Start one on the Runs & scenarios page."),
    "nav_overview": ("总览", "Overview"),
    "nav_funds": ("引导基金与子基金", "Guidance fund & sub-funds"),
    "nav_loans": ("贷款与定价", "Loans & pricing"),
    "nav_pools": ("风险补偿资金池", "Risk pools"),
    "nav_assessment": ("绩效评价", "Assessment"),
    "nav_runs": ("运行与情景", "Runs & scenarios"),
    "nav_stress": ("压力测试", "Stress tests"),
    # stress page
    "stress_title": ("压力测试与反向压力测试", "Stress tests and reverse stress tests"),
    "stress_none": ("此运行尚无压力测试结果。用 `fundsvc stress 情景 --all` 生成(结果与基准运行一同保存)。",
                    "No stress results for this run. Create them with `fundsvc stress SCENARIO --all` "
                    "(stored with the base run)."),
    "link_note": (("每条路径上引导基金净亏损与信贷总损失的关系:秩相关(相互独立时为 0)与联合尾部概率(相互独立时为 5%),"
                   "均附蒙特卡洛标准误;信贷因子滞后见情景字段 `market.credit_factor_lag_years`。"),
                  ("How the guidance fund's net loss and the total credit loss move together over the paths: rank "
                   "correlation (0 if independent) and joint tail probability (5 % if independent), with Monte Carlo "
                   "standard errors; the credit factor lag is the scenario field `market.credit_factor_lag_years`.")),
    "stress_crn": ("与基准运行使用相同随机数(共同随机数);变化及其蒙特卡洛标准误。",
                   "Same random numbers as the base run (common random numbers); change and its Monte Carlo standard error."),
    "stress_sources": ("数据来源", "Sources"),
    "stress_figure": ("指标", "Figure"),
    "stress_base": ("基准", "Base"),
    "stress_stressed": ("压力", "Stressed"),
    "stress_change": ("变化", "Change"),
    "stress_se": ("标准误", "Std. error"),
    "reverse_title": ("反向压力测试", "Reverse stress test"),
    "reverse_none": ("在−4σ以内未找到突破目标的科技周期路径。", "No tech-cycle path down to −4σ breaches the target."),
    "reverse_found": ("最可能的突破路径:科技周期下移", "Most likely breaching path: tech cycle shifted by"),
    "reverse_norm": ("马氏距离", "Mahalanobis norm"),
    "reverse_path": ("最可能的科技周期路径(标准差)", "Most likely tech-cycle path (standard deviations)"),
    "reverse_quarter": ("季度", "quarter"),
    "reverse_checks": ("模拟验证", "Checked by simulation"),
    "reverse_window": ("第 {a}–{b} 季度", "quarters {a}–{b}"),
    "reverse_base": ("基准", "base"),
    "reverse_breaching": ("突破路径", "breaching path"),
    "reverse_less_severe": ("较轻路径", "less severe path"),
    "reverse_check_path": ("路径", "Path"),
    "reverse_shift": ("科技周期下移(σ)", "Tech-cycle shift (σ)"),
    "reverse_value": ("目标值", "Target value"),
    "reverse_breached": ("是否突破", "Breached"),
    "nav_validation": ("模型验证", "Validation"),
    "mc_precision": ("蒙特卡洛精度(95%区间)", "Monte Carlo precision (95% intervals)"),
    "mc_precision_note": ("每个核心指标的估计值、95%置信区间、相对半宽与所用路径数。",
                          "Each headline figure with its 95% interval, relative half-width and the paths used."),
    "no_headlines": ("本次运行未保存精度表(旧版本运行)。", "This run has no precision table (run by an older version)."),
    "backtests": ("回测(内置样本)", "Backtests (bundled histories)"),
    "backtest_pass": ("回测通过", "backtest passed"),
    "backtest_fail": ("回测未通过", "backtest FAILED"),
    "not_found": ("页面不存在", "Page not found"),
    "paths": ("路径数", "paths"),
    "seed": ("随机种子", "seed"),
    # overview
    "overview_title": ("整体成效总览(财政局)", "Whole-fund overview (finance bureau)"),
    "kpi_tvpi": ("引导基金 TVPI 中位数", "Guidance fund TVPI, median"),
    "kpi_irr": ("引导基金 IRR 中位数", "Guidance fund IRR, median"),
    "kpi_dpi": ("引导基金 DPI 中位数", "Guidance fund DPI, median"),
    "kpi_ploss": ("亏损概率 (TVPI<1)", "Probability of loss (TVPI<1)"),
    "spread": ("P5–P95", "P5–P95"),
    "tolerance": ("容错判定", "Tolerance verdict"),
    "tolerated_loss": ("容亏率上限(按阶段加权)", "Tolerated loss ratio (stage-weighted)"),
    "loss_median": ("模拟亏损率中位数", "simulated loss ratio median"),
    "p_exceed": ("超出概率", "probability of exceeding it"),
    "within_tolerance": ("在容错范围内", "Within tolerance"),
    "beyond_tolerance": ("超出容错范围", "Beyond tolerance"),
    "fiscal_exposure": ("财政资金总敞口", "Combined fiscal exposure"),
    "guidance_commitment": ("引导基金认缴", "Guidance fund commitments"),
    "pool_funding": ("资金池初始规模", "Pool initial balances"),
    "pool_cost_mean": ("资金池净代偿成本(均值)", "Pool net cost (mean)"),
    "pool_cost_p95": ("资金池净代偿成本(P95)", "Pool net cost (P95)"),
    "exposure_total_p95": ("合计(P95)", "Total (P95)"),
    "targets": ("政策目标进展", "Programme targets progress"),
    "dpi_equals_tvpi": ("期末 DPI 与 TVPI 的分布相同:到期时全部价值已分配(剩余净值为零)。",
                        "DPI and TVPI have the same spread at the horizon: by then all value has been distributed "
                        "(no NAV left)."),
    "target_leverage": ("基金放大倍数", "Fund leverage (sub-fund size ÷ guidance)"),
    "target_local": ("返投完成率(均值)", "Local reinvestment (mean, × requirement)"),
    "target_early": ("早期投资占比(均值)", "Early-stage share of investment (mean)"),
    "target_pool_multiple": ("资金池撬动倍数(均值)", "Pool lending multiple (mean)"),
    "target": ("目标", "target"),
    "achieved": ("模拟值", "simulated"),
    "tvpi_dist": ("引导基金 TVPI 分布(分位数)", "Guidance fund TVPI distribution (percentiles)"),
    "percentile": ("分位数", "Percentile"),
    # funds
    "funds_title": ("引导基金与子基金(基金管理人)", "Guidance fund & sub-funds (fund managers)"),
    "subfund_table": ("子基金业绩分位数", "Sub-fund percentiles"),
    "entity": ("主体", "Entity"),
    "fund_id": ("编号", "ID"),
    "guidance": ("引导基金", "Guidance fund"),
    "jcurve": ("J 曲线:累计净现金流", "J-curve: cumulative net cash flow"),
    "nav_fan": ("净资产值(NAV)扇形图", "NAV fan"),
    "pacing": ("现金流节奏:每季度出资与分配(均值)", "Cash-flow pacing: calls and distributions per quarter (mean)"),
    "calls": ("出资", "Calls"),
    "distributions": ("分配", "Distributions"),
    "nav": ("净资产值", "NAV"),
    "median": ("中位数", "Median"),
    "mc_interval": ("蒙特卡洛95%区间", "Monte Carlo 95% interval"),
    "tornado": ("敏感性龙卷风图", "Sensitivity tornado"),
    "input_down": ("输入下调", "input down"),
    "input_up": ("输入上调", "input up"),
    "change_from_base": ("相对基准的变化", "change from base"),
    "input": ("输入", "input"),
    "nav_sensitivity": ("敏感性", "Sensitivity"),
    "sens_title": ("敏感性分析:哪些输入驱动结果", "Sensitivity: which inputs drive the results"),
    "sens_intro": ("每个输入单独下调和上调 {step},其余不变;所有模拟与基准运行使用同一随机数(共同随机数,{paths} 条路径,"
                   "随机种子 {seed}),差异即输入的影响。按摆幅(上调值 − 下调值)的绝对值排序;± 为蒙特卡洛标准误。",
                   "Each input moved down and up by {step}, one at a time; every run uses the base run's random numbers "
                   "(common random numbers, {paths} paths, seed {seed}), so the differences are the inputs' effects. "
                   "Ordered by the size of the swing (value with the input up − value with it down); ± is the Monte "
                   "Carlo standard error."),
    "sens_output": ("输出指标", "Output"),
    "sens_none": ("此运行没有敏感性分析结果。请在命令行运行 {command} (以此运行的情景、路径数和随机种子为基准,"
                  "结果与此运行一并存储),然后重新打开本页。",
                  "No sensitivity analysis is stored with this run. Run {command} on the command line (this run's "
                  "scenario, paths and seed are the base; the results are stored with this run), then reopen this "
                  "page."),
    "sens_rechunked": ("为计算标准误,基准以更小的分块重新模拟,其数值与此运行其他页面所示相差蒙特卡洛误差。",
                       "For the standard errors the base was simulated again in smaller chunks: its figures differ "
                       "from this run's other pages by Monte Carlo noise."),
    "sens_runs_with": ("已有敏感性分析的运行:", "Runs with a stored sensitivity analysis:"),
    "sens_hidden": ("按您的角色,部分输出(全部银行合计)不予显示。",
                    "Some outputs (the all-bank aggregates) are not shown to your role."),
    "sens_nothing_visible": ("此运行的敏感性分析中没有您的角色可以查看的输出。",
                             "None of the outputs of this run's sensitivity analysis is visible to your role."),
    "sens_rank": ("排序", "Rank"),
    "sens_low": ("下调后", "Input down"),
    "sens_base": ("基准", "Base"),
    "sens_high": ("上调后", "Input up"),
    "sens_swing": ("摆幅 ± 标准误", "Swing ± s.e."),
    "sens_elasticity": ("弹性 ± 标准误", "Elasticity ± s.e."),
    "sens_signal": ("显著(|摆幅|>2倍标准误)", "Signal (|swing| > 2 s.e.)"),
    "sens_unpaired": ("此输出的标准误按非配对计算(两次运行各自的二项标准误合成),偏保守:共同随机数下的真实误差更小。",
                      "The s.e. of this output is unpaired (the two runs' binomial errors combined): conservative, "
                      "since common random numbers make the true error smaller."),
    "unit_pp": ("百分点", "percentage points"),
    "band_5_95": ("P5–P95 区间", "P5–P95 band"),
    "band_25_75": ("P25–P75 区间", "P25–P75 band"),
    "date": ("日期", "Date"),
    "amount_yi": ("金额(亿元)", "Amount (亿元 = 100m CNY)"),
    "amount_wan": ("金额(万元)", "Amount (万元 = 10k CNY)"),
    "concentration_sector": ("行业集中度(按认缴加权)", "Concentration by sector (commitment-weighted)"),
    "concentration_stage": ("阶段集中度(按认缴)", "Concentration by stage (commitments)"),
    "share": ("占比", "Share"),
    "whatif": ("情景推演(What-if)", "What-if"),
    "whatif_help": ("修改毕业率、预留比例或管理费后,以少量路径重新模拟(与基准同一随机数)。",
                    ("Change graduation rates, reserves or fees and rerun a small simulation "
                     "(common random numbers with the base).")),
    "graduation_mult": ("毕业率倍数", "Graduation rate multiplier"),
    "reserve_ratio": ("后续投资预留比例", "Reserve ratio"),
    "mgmt_fee": ("管理费率(年)", "Management fee (per year)"),
    "rerun": ("重新模拟", "Rerun"),
    "whatif_paths": ("结果基于 {n} 条路径(先给出快速结果,再以更多路径更新)。",
                     "Result from {n} paths (a quick first answer, then refined with more paths)."),
    "whatif_first": ("快速结果:{n} 条路径({s} 秒),正在以更多路径细化…",
                     "First answer: {n} paths ({s} s); refining with more paths…"),
    "whatif_refined": ("细化结果:{n} 条路径({s} 秒)。", "Refined answer: {n} paths ({s} s)."),
    "whatif_sides": ("重新模拟:{rerun};沿用基准运行结果(同一随机数):{reused}。",
                     "Rerun: {rerun}; reused from the base run (same random numbers): {reused}."),
    "side_venture": ("股权(子基金)", "equity (sub-funds)"),
    "side_credit": ("信贷与资金池", "credit and pools"),
    "whatif_error": ("调整后:95%区间 / 标准误", "Modified: 95% interval / standard error"),
    "tvpi_mean": ("TVPI 均值", "TVPI mean"),
    "base": ("基准", "Base"),
    "modified": ("调整后", "Modified"),
    "whatif_unavailable": ("无法读取该运行的情景文件,不能推演。", "The run's scenario file cannot be read; what-if is unavailable."),
    "metric": ("指标", "Metric"),
    # loans
    "loans_title": ("贷款与定价(银行)", "Loans & pricing (banks)"),
    "pricing_form": ("成果贷定价", "Achievement-loan pricing"),
    "amount_wan_input": ("贷款金额(万元)", "Loan amount (万元)"),
    "term_years": ("期限(年)", "Term (years)"),
    "pd_mode": ("违约概率输入方式", "Default probability from"),
    "pd_direct": ("年违约率", "Annual PD"),
    "pd_rating": ("内部评级", "Rating"),
    "pd_pct": ("年违约率(%)", "Annual PD (%)"),
    "rating": ("评级", "Rating"),
    "ip_mode": ("知识产权质押", "IP pledge"),
    "ip_none": ("无", "None"),
    "ip_appraisal": ("评估值", "Appraisal"),
    "ip_pledge": ("质押率", "Pledge rate"),
    "ip_appraisal_wan": ("知识产权评估值(万元)", "IP appraisal (万元)"),
    "pledge_rate_pct": ("质押率(%)", "Pledge rate (%)"),
    "guarantee_pct": ("担保分担比例(%)", "Guarantee share (%)"),
    "pool": ("风险补偿资金池", "Risk-sharing pool"),
    "no_pool": ("不参加资金池", "No pool"),
    "quoted_rate_pct": ("报价利率(%)", "Quoted rate (%)"),
    "break_even": ("保本利率", "Break-even rate"),
    "raroc": ("报价下 RAROC", "RAROC at quoted rate"),
    "subsidy": ("资金池补贴价值", "Pool subsidy value"),
    "per_year": ("每年", "a year"),
    "bp": ("个基点", "bp"),
    "yes": ("是", "yes"), "no": ("否", "no"),
    "over_term": ("贷款期内合计", "over the term"),
    "without_pool": ("无资金池保本利率", "Break-even without pool"),
    "expected_loss": ("预期损失率", "Expected loss rate"),
    "crm_compare": ("资金池缓释认定对比(资本)", "Pool as credit-risk mitigation, side by side (capital)"),
    "book_report": ("贷款组合按合同利率定价(按等级与产品)", "Book priced at contract rates (by grade and product)"),
    "book_report_button": ("计算组合定价", "Price the book"),
    "book_report_note": ("按金额加权;与模拟引擎同一回收模型,解析计算(无蒙特卡洛误差)。",
                         "Amount-weighted; the engine's recovery model, analytic (no Monte Carlo error)."),
    "loss_dist": ("组合损失分布(全期)", "Portfolio loss distribution (whole horizon)"),
    "loss_entity": ("承担方", "Loss borne by"),
    "loss": ("损失", "Loss"),
    "frequency": ("路径占比", "Share of paths"),
    "loss_measures": ("损失度量", "Loss measures"),
    "pricing_error": ("输入有误", "Invalid input"),
    # pools
    "pools_title": ("风险补偿资金池(财政局)", "Risk-sharing pools (finance bureau)"),
    "balance_fan": ("资金池余额扇形图", "Pool balance fan"),
    "depletion": ("按年累计耗尽概率", "Probability of depletion by year"),
    "probability": ("概率", "Probability"),
    "year": ("年", "Year"),
    "sizing": ("所需资金规模", "Required funding"),
    "initial_balance": ("初始余额", "Initial balance"),
    "required_initial": ("达标所需初始余额", "Required initial balance"),
    "required_topup": ("所需年度补充", "Required annual top-up"),
    "p_depleted": ("期内耗尽概率", "P(depletion within horizon)"),
    "leverage": ("放大倍数(均值)", "Leverage (mean)"),
    "lending_multiple": ("撬动倍数:累计贷款÷资金池出资(均值)", "Lending multiple: loans made ÷ pool funds (mean)"),
    "outstanding_ratio": ("在贷余额÷池余额", "outstanding loans ÷ pool balance"),
    "no_depletion": ("所有模拟路径均未耗尽", "No simulated path depletes the pool"),
    "target_prob": ("目标概率", "Target probability"),
    "no_pools": ("该情景没有资金池。", "This scenario has no pools."),
    "p_refused": ("期内拒付/减付概率", "P(claim refused or reduced, horizon)"),
    "at_reliability": ("按模拟代偿可靠性", "At the simulated cover reliability"),
    "unpaid_mean": ("未付均值", "Expected unpaid"),
    "cover_reliability": ("代偿可靠性(按年与原因)", "Cover reliability (by year and reason)"),
    "lending_pauses": ("新增贷款暂停概率(按年)", "P(new lending paused) by year"),
    # assessment
    "assessment_title": ("整体绩效评价", "Whole-fund assessment"),
    "scorecard": ("评分卡", "Scorecard"),
    "score": ("得分", "Score"),
    "rating_label": ("评级", "Rating"),
    "verdict": ("公正判定", "Fair verdict"),
    "percentiles_actuals": ("实际值在模拟分布中的分位", "Percentiles of actuals"),
    "policy_indicators": ("政策指标", "Policy indicators"),
    "downloads": ("报告下载", "Report downloads"),
    "assessment_pending": ("评价模块尚未就绪:下面显示运行已存储的指标。",
                           "The assessment module is not available yet: showing what the stored run holds."),
    "value": ("数值", "Value"),
    "basis": ("评价依据", "Basis"),
    "as_of": ("估值日", "As of"),
    "horizon": ("模拟期末", "end of the simulation"),
    "indicators_vs_targets": ("指标对比目标(底线—目标)", "Indicators against targets (floor to target)"),
    "realised_on_fans": ("实际结果与模拟分布", "Realised results on the simulated fans"),
    "tolerance_by_stage": ("按阶段容错", "Tolerance by stage"),
    "definitions_sources": ("口径说明与来源", "Definitions and sources"),
    "available": ("满分", "Available"),
    "earned": ("得分", "Earned"),
    "floor": ("底线", "Floor"),
    "realised": ("实际", "Realised"),
    "stage_tolerance": ("阶段容亏率上限", "Stage tolerated loss ratio"),
    "weighted_tolerance": ("加权容亏上限", "Weighted tolerance"),
    "loss_ratio": ("容亏率", "Loss ratio"),
    "weight": ("权重", "Weight"),
    "points": ("分", "points"),
    # runs
    "runs_title": ("运行与情景", "Runs & scenarios"),
    "runs_list": ("模拟运行列表", "Simulation runs"),
    "new_run": ("新建运行", "Start a new run"),
    "bundled": ("内置情景", "Bundled scenario"),
    "upload": ("拖放或点击上传情景 TOML(≤2 MiB,不可引用其他文件)",
               "Drop or click to upload a scenario TOML (≤2 MiB, self-contained)"),
    "uploaded": ("已上传", "uploaded"),
    "upload_ok": ("情景有效:", "Valid scenario: "),
    "upload_bad": ("上传的情景无效,未保存任何内容:", "The uploaded scenario is invalid; nothing was stored:"),
    "start": ("开始运行", "Start run"),
    "running": ("正在模拟…", "Simulating…"),
    "run_done": ("运行完成:", "Run finished: "),
    "run_failed": ("运行失败:", "Run failed: "),
    "compare": ("比较两次运行", "Compare two runs"),
    "run_a": ("运行 A", "Run A"),
    "run_b": ("运行 B", "Run B"),
    "difference": ("差异 (B−A)", "Difference (B−A)"),
    "status": ("状态", "Status"),
    "scenario": ("情景", "Scenario"),
    "created": ("创建时间", "Created"),
    "duration_s": ("耗时(秒)", "Duration (s)"),
    "label": ("备注", "Label"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 XLSX", "Export XLSX"),
}


def t(key: str, lang: str | Lang | None = None) -> str:
    """The text for ``key`` in ``lang`` (``"zh"`` or ``"en"``; anything else means Chinese).

    Raises
    ------
    KeyError
        Unknown key.
    """
    zh, en = TEXT[key]
    return en if str(lang) == Lang.EN.value else zh


def norm_lang(lang: object) -> Lang:
    """``Lang.EN`` for ``"en"``, else the default (Chinese)."""
    return Lang.EN if str(lang) == Lang.EN.value else DEFAULT_LANG


# Column headers and codes come from the one catalogue (fundsvc.catalogue).
COLUMNS = _catalogue.COLUMNS


def column_label(name: str, lang: str | Lang | None = None, *, unit: str = "") -> str:
    """Header for a stored column (see :func:`fundsvc.catalogue.column_label`)."""
    return _catalogue.column_label(name, norm_lang(lang).value, unit=unit)


def code_label(code: str, lang: str | Lang | None = None) -> str:
    """Display label of a stored code (sector, stage, entity, status …) in ``lang``."""
    return _catalogue.label(code, norm_lang(lang).value)
