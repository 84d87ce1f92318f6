"""What the stress and validation pages show, read as a user reads them (issue 16 item 1):
translated stress titles (no codes in headings), figures through the formatting layer (one money
unit per table, named in the header), no English figure names in the Chinese UI."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("present_lint", Path(__file__).with_name("present_lint.py"))
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)


class _Rec:
    def __init__(self, id_, kind, name, content):
        self.id, self.kind, self.name, self.content = id_, kind, name, content


class _Repo:
    def __init__(self, records):
        self.records = records

    def list(self, run_id, kind=None):
        return self.records


class _Store:
    def __init__(self, records):
        self.stress_results = _Repo(records)


class _Data:
    def __init__(self, records, heads=None):
        import polars as pl

        self.store = _Store(records)
        self._heads = heads if heads is not None else pl.DataFrame()

    def table(self, run_id, name):
        return self._heads


GFC = _Rec(7, "stress", "gfc_2008", {
    "title": "2008-style global financial crisis", "title_zh": "2008年式全球金融危机",
    "narrative": "A global credit crisis.", "narrative_zh": "全球信用危机。", "sources": ["CSI 300 closes"],
    "rows": [
        {"figure": "guidance TVPI mean", "figure_zh": "引导基金TVPI均值", "unit": "x", "base": 1.5, "stressed": 1.2,
         "change": -0.3, "change_se": 0.02},
        {"figure": "guidance P(loss)", "figure_zh": "引导基金亏损概率", "unit": "share", "base": 0.2, "stressed": 0.35,
         "change": 0.15, "change_se": 0.004},
        {"figure": "banks loss P99", "figure_zh": "银行损失第99百分位", "unit": "CNY", "base": 8.0e7, "stressed": 1.5e8,
         "change": 7.0e7, "change_se": 3.0e6}]})
REVERSE_BANK = _Rec(8, "reverse", "bank:city_bank_b", {
    "target": "bank city_bank_b loss over the horizon (median) 银行损失(中位数)", "key": "loss:bank:city_bank_b",
    "level": 2.5e8, "shift_sigma": -2.8, "window": "quarters 4–15", "offset_quarters": 4, "quarters": 12,
    "mahalanobis_norm": 3.9, "tech_cycle_path": [0.0, -1.0, -2.8], "checks": [
        {"label": "breaching path 突破路径", "shift_sigma": -2.8, "value": 2.6e8, "se": 5.0e6, "breached": True},
        {"label": "less severe 较轻路径", "shift_sigma": -2.5, "value": 2.4e8, "se": 5.0e6, "breached": False}]})


def _texts(component):
    return list(lint.page_texts(component))


def _grid(component, id_):
    found = []

    def walk(c):
        if getattr(c, "id", None) == id_:
            found.append(c)
        ch = getattr(c, "children", None)
        for x in (ch if isinstance(ch, (list, tuple)) else [ch]):
            if x is not None and not isinstance(x, (str, int, float)):
                walk(x)
    walk(component)
    assert found, id_
    return found[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_stress_page_headings_are_titles_not_codes(lang):
    from dashboards.pages import stress

    page = stress.layout(_Data([GFC, REVERSE_BANK]), 1, lang)
    heads = [text for where, text in _texts(page) if where.endswith("/H4")]
    title = "2008年式全球金融危机" if lang == "zh" else "2008-style global financial crisis"
    assert heads[0] == title  # no "gfc_2008:" in front
    assert not any("gfc_2008" in h for h in heads)
    # the reverse-stress target named in the language, its level through the formatter (亿元)
    if lang == "zh":
        assert heads[1] == "反向压力测试: 银行 city_bank_b 全期损失(中位数) ≥ 2.50亿元"
    else:
        assert heads[1] == "Reverse stress test: Bank city_bank_b loss over the horizon (median) ≥ 2.50 亿元"


def test_stress_table_one_money_unit_named_in_the_header():
    from dashboards.pages import stress

    page = stress.layout(_Data([GFC]), 1, "zh")
    g = _grid(page, "stress-7")
    headers = [d["headerName"] for d in g.columnDefs]
    assert headers == ["指标", "基准(亿元)", "压力(亿元)", "变化(亿元)", "标准误(亿元)"]
    rows = {r["figure"]: r for r in g.rowData}
    tv, pl_, bank = rows["引导基金TVPI均值"], rows["引导基金亏损概率"], rows["银行损失第99百分位"]
    assert (tv["base__fmt"], tv["change__fmt"], tv["change_se__fmt"]) == ("1.50×", "-0.30×", "0.02×")
    assert (pl_["stressed__fmt"], pl_["change__fmt"]) == ("35.0%", "15.0%")
    # 8,000万 and 1.5亿 CNY in one table: the whole table in 亿元 (hand-worked: 8.0e7 / 1e8 = 0.80)
    assert (bank["base__fmt"], bank["stressed__fmt"], bank["change_se__fmt"]) == ("0.80", "1.50", "0.03")
    assert bank["base"] == 8.0e7  # the cell keeps the raw CNY (sorting, filtering)


def test_reverse_stress_reads_in_chinese():
    from dashboards.pages import stress

    page = stress.layout(_Data([REVERSE_BANK]), 1, "zh")
    texts = [t for _, t in _texts(page)]
    assert "最可能的突破路径:科技周期下移 -2.80σ(第 4–15 季度);马氏距离 3.90" in texts
    g = _grid(page, "reverse-checks-8")
    assert [r["path__fmt"] for r in g.rowData] == ["突破路径", "较轻路径"]
    assert [r["value__fmt"] for r in g.rowData] == ["2.60", "2.40"] and g.rowData[0]["breached__fmt"] == "是"
    assert "目标值(亿元)" in [d["headerName"] for d in g.columnDefs]
    assert lint.problems(_texts(page), "zh", {"city_bank_b"}) == []


def test_validation_headlines_translated_and_formatted():
    import polars as pl

    from dashboards.pages import validation

    heads = pl.DataFrame({"figure": ["guidance TVPI mean", "guidance P(TVPI<1)", "banks VaR 99.9% (horizon)",
                                     "pool city-ip P(depleted)"],
                          "estimate": [1.6643, 0.2113, 3.25e7, 0.0123], "se": [0.0213, 0.004, 1.1e6, 0.0011],
                          "lo": [1.6226, 0.2035, 3.0e7, 0.0101], "hi": [1.7060, 0.2191, 3.5e7, 0.0145],
                          "rel_half_width": [0.025, 0.037, 0.077, 0.18], "paths": [10_000] * 4,
                          "in_stopping_rule": [True, True, True, False]})
    page = validation.layout(_Data([], heads), 1, "zh")
    g = _grid(page, "validation-headlines")
    rows = [{k[:-5]: v for k, v in r.items() if k.endswith("__fmt")} for r in g.rowData]
    assert rows[0] == {"figure": "引导基金 TVPI 均值", "estimate": "1.66×", "se": "0.02×", "lo": "1.62×", "hi": "1.71×",
                       "rel_half_width": "2.5%", "paths": "10,000"}
    assert rows[1]["figure"] == "引导基金亏损概率(TVPI<1)" and rows[1]["estimate"] == "21.1%"
    assert rows[2]["figure"] == "银行全期 VaR 99.9%" and rows[2]["estimate"] == "3,250.00"  # 万元 (3.25e7 / 1e4)
    assert rows[3]["figure"] == "资金池 city-ip 耗尽概率" and rows[3]["estimate"] == "1.2%"
    assert [d["headerName"] for d in g.columnDefs][1] == "估计值(万元)"
    verdicts = [t for w, t in _texts(page) if "backtest-verdicts" in w]
    assert verdicts == ["校准良好的样本: 回测通过", "误设定的样本: 回测未通过"]
    assert lint.problems(_texts(page), "zh", {"city-ip"}) == []
