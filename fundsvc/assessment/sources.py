"""Sources behind the default scorecard and tolerance (cited in reports and docstrings).

Verified through the search tool on 2026-11-26 (third-party reprints of the texts):

* ``ANHUI_2026`` — 安徽省人民政府《支持升级创业安徽行动若干措施》(2026-01): 省级天使母基金
  投资损失容忍率最高可达80%,不再以单一基金或单一项目的盈亏作为考核依据
  (reported by 人民财讯/证券时报, https://www.stcn.com/article/detail/3592925.html).
* ``ZHENGZHOU_2024`` — 郑州市人民政府《郑州市天使投资基金设立方案》(2024-09-03): 基金清算时投资
  损失率不超过投资本金40%的启动容错程序;采用整体评价原则,不因单个项目或子基金亏损追责
  (reprinted by 郑州投资控股有限公司).
* ``HUBEI_2025`` — 《湖北省促进政府投资基金高质量发展若干措施》(2025-01): 对天使基金、科技成果
  转化基金等偏早期的基金允许设置不同容错率.
* ``CENTRAL_DIMENSIONS`` — survey of 24 national-level government investment funds: central
  funds are evaluated on three dimensions, 政策效应、投资效益、管理效能 (zczrbj.com,
  "我国政府投资基金绩效评价指标体系现状").
* ``MOF_2015`` — 财政部《政府投资基金暂行管理办法》(财预〔2015〕210号): performance evaluation of
  government investment funds (not re-read here; cited by title).
* ``MOF_2020`` — 财政部《关于加强政府投资基金管理 提高财政出资效益的通知》(财预〔2020〕7号):
  whole-process performance management (cited by title; text not re-read here).

Not verified: the 60 % (angel) and 20 % (growth) defaults, and the weights and thresholds of the
default scorecard, are this project's interpolations between the verified points, not quotes.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "ANHUI_2026": "安徽省人民政府《支持升级创业安徽行动若干措施》(2026-01):省级天使母基金投资损失容忍率最高可达80% "
                  "(https://www.stcn.com/article/detail/3592925.html)",
    "ZHENGZHOU_2024": "郑州市人民政府《郑州市天使投资基金设立方案》(2024-09):清算时投资损失率不超过本金40%的启动容错程序",
    "HUBEI_2025": "《湖北省促进政府投资基金高质量发展若干措施》(2025-01):偏早期基金允许设置不同容错率",
    "CENTRAL_DIMENSIONS": "中央层级政府投资基金绩效评价从政策效应、投资效益、管理效能三个维度考核 (zczrbj.com 调研24只国家级基金)",
    "MOF_2015": "财政部《政府投资基金暂行管理办法》(财预〔2015〕210号)",
    "MOF_2020": "财政部《关于加强政府投资基金管理 提高财政出资效益的通知》(财预〔2020〕7号)",
}

TOLERANCE_SOURCE = (
    "Stage tolerances: seed 80 % = the 80 % ceiling for Anhui's provincial angel fund of funds "
    f"[{SOURCES['ANHUI_2026']}]; venture 40 % = Zhengzhou angel fund's liquidation threshold "
    f"[{SOURCES['ZHENGZHOU_2024']}]; stage-differentiated ratios as allowed by [{SOURCES['HUBEI_2025']}]. "
    "Angel 60 % and growth 20 % are interpolations (not quoted from a published text)."
)

SCORECARD_SOURCE = (
    f"Three dimensions after the central practice [{SOURCES['CENTRAL_DIMENSIONS']}], whole-process performance "
    f"management per [{SOURCES['MOF_2020']}] and [{SOURCES['MOF_2015']}]. Weights, targets and floors are this "
    "project's defaults (not quoted from a published framework): configure them in [assessment.scorecard]."
)
