"""Rich tables of a run's results (used by ``fundsvc simulate`` and ``fundsvc runs show``)."""

from __future__ import annotations

import math

import polars as pl
from rich.console import Console
from rich.table import Table

from fundsvc.formatting import Kind, fmt, fmt_money, fmt_multiple, fmt_pm, money_unit
from fundsvc.simulation.registry import TableName
from fundsvc.units import fmt_pct

_Q = ("p5", "p25", "p50", "p75", "p95")


def _num(x, kind: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if kind == "pct":
        return fmt_pct(x)
    return f"{x:.2f}×"


NARROW = 120
"""Below this terminal width the tables keep their key columns (``--wide`` shows all)."""


def _fold(t: Table) -> Table:
    """Wrap cells that do not fit instead of cutting them ("1,5…")."""
    for c in t.columns:
        c.overflow = "fold"
    return t


def _pm(row: dict, key: str, kind: str) -> str:
    """``value ± se`` when the row has ``key_se``."""
    se = row.get(f"{key}_se")
    return _num(row.get(key), kind) + ("" if se is None else f" ± {_num(se, kind)}")


def _ci(row: dict, key: str, kind: str) -> str:
    """``[lo, hi]`` when the row has ``key_lo`` / ``key_hi``, else ``–``."""
    if row.get(f"{key}_lo") is None:
        return "–"
    return f"[{_num(row[f'{key}_lo'], kind)}, {_num(row[f'{key}_hi'], kind)}]"


def render_equity(console: Console, summary: pl.DataFrame) -> None:
    """TVPI, DPI and IRR percentiles per entity (mean ± s.e., 95 % interval of the median), then
    J-curve trough and P(loss) ± s.e."""
    if summary.is_empty():
        return
    for metric, title, kind in (("tvpi", "TVPI 总价值倍数", "x"), ("dpi", "DPI 已分配倍数", "x"),
                                ("irr", "IRR 内部收益率 (per year)", "pct")):
        t = Table(title=f"{title} at the horizon — percentiles over paths")
        t.add_column("entity 主体")
        for q in _Q:
            t.add_column(q.upper(), justify="right")
        t.add_column("P50 95% CI 置信区间", justify="right")
        t.add_column("mean ± s.e. 均值±标准误", justify="right")
        for row in summary.iter_rows(named=True):
            t.add_row(row["entity"], *[_num(row[f"{metric}_{q}"], kind) for q in _Q],
                      _ci(row, f"{metric}_p50", kind), _pm(row, f"{metric}_mean", kind))
        console.print(_fold(t))
    unit = money_unit(summary["jcurve_trough_cny"].to_list() if "jcurve_trough_cny" in summary.columns else [])
    t = Table(title="J-curve and downside J曲线与亏损概率")
    for col in ("entity 主体", f"trough (median curve) 谷底 ({unit.value[1]})", "trough date 日期",
                "P(TVPI<1) 亏损概率", "IRR undefined"):
        t.add_column(col, justify="right" if col != "entity 主体" else "left")
    for row in summary.iter_rows(named=True):
        date = row.get("jcurve_trough_date")
        t.add_row(row["entity"], fmt_money(row.get("jcurve_trough_cny"), unit), str(date) if date else "–",
                  _pm(row, "p_loss", "pct"), fmt_pct(row["irr_undefined"]))
    console.print(_fold(t))


def headline_kind(row: dict) -> Kind:
    """How a headline figure is shown: the table's ``display`` column (runs before it existed:
    probabilities by their ``P(`` name, TVPI as a multiple, the rest are CNY amounts)."""
    if row.get("display"):
        return Kind(row["display"])
    return Kind.PERCENT if "P(" in row["figure"] else Kind.MULTIPLE if "TVPI" in row["figure"] else Kind.MONEY


def render_headlines(console: Console, headlines: pl.DataFrame | None, target: float | None = None) -> None:
    """Headline figures with 95 % intervals and relative half-widths (Monte Carlo precision)."""
    if headlines is None or headlines.is_empty():
        return
    title = "Monte Carlo precision 蒙特卡洛精度 (95% intervals)"
    if target is not None:
        title += f" — target relative half-width {fmt_pct(target)}"
    t = Table(title=title)
    for col in ("figure 指标", "estimate 估计", "95% interval 区间", "± relative 相对半宽", "paths 路径"):
        t.add_column(col, justify="left" if col.startswith("figure") else "right")
    kinds = [headline_kind(r) for r in headlines.iter_rows(named=True)]
    unit = money_unit([r["estimate"] for r, k in zip(headlines.iter_rows(named=True), kinds) if k is Kind.MONEY])
    for r, kind in zip(headlines.iter_rows(named=True), kinds):
        rel = r["rel_half_width"]
        rel_txt = "–" if rel is None or not math.isfinite(rel) else fmt_pct(rel)
        if not r["in_stopping_rule"]:
            rel_txt += " (reported only 仅报告)"
        name = f"{r['figure']} ({unit.value[1]})" if kind is Kind.MONEY else r["figure"]
        cell = (lambda v: fmt(v, kind, unit=unit))  # noqa: E731 - one formatter per row
        t.add_row(name, cell(r["estimate"]), f"[{cell(r['lo'])}, {cell(r['hi'])}]", rel_txt, f"{r['paths']:,}")
    console.print(_fold(t))


def render_credit(console: Console, tables: dict[str, pl.DataFrame], *, wide: bool = False) -> None:
    """Loss measures per entity and pool summaries (key columns only below :data:`NARROW` columns
    unless ``wide``)."""
    narrow = not wide and console.width < NARROW
    lm = tables.get(TableName.CREDIT_LOSS_MEASURES.short)
    if lm is not None and not lm.is_empty():
        h = lm.filter(pl.col("window") == "horizon")
        levels = sorted({v for v in h["level"].to_list() if v is not None})
        if narrow and len(levels) > 1:
            levels = [min(levels, key=lambda lv: abs(lv - 0.99))]
        unit = money_unit(h["value"].to_list())  # one unit for the whole table, named in the title
        t = Table(title=f"Credit losses over the horizon 信贷损失 ({unit.value[1]}, undiscounted)")
        t.add_column("entity 主体")
        t.add_column("EL 预期损失", justify="right")
        t.add_column("UL (sd)", justify="right")
        for lv in levels:
            t.add_column(f"VaR {100 * lv:g}%", justify="right")
            t.add_column(f"ES {100 * lv:g}%", justify="right")
        for ent in h["entity"].unique(maintain_order=True).to_list():
            e = h.filter(pl.col("entity") == ent)

            def val(measure, level=None):
                f = e.filter(pl.col("measure") == measure)
                f = f.filter(pl.col("level").is_null()) if level is None else f.filter(pl.col("level") == level)
                if not f.height:
                    return "–"
                se = f["se"][0] if "se" in f.columns else None
                return fmt_money(f["value"][0], unit) + ("" if se is None else f" ± {fmt_money(se, unit)}")

            cells = [val("el"), val("ul")]
            for lv in levels:
                cells += [val("var", lv), val("es", lv)]
            t.add_row(ent, *cells)
        console.print(_fold(t))
    ps = tables.get(TableName.CREDIT_POOL_SUMMARY.short)
    if ps is not None and not ps.is_empty():
        cols = ("pool", "initial 初始", "payouts mean 代偿均值", "payouts P95 代偿", "P(depleted) 耗尽概率",
                "fiscal cost 财政成本", "new lending 新增贷款", "loans made ÷ pool funds 撬动倍数",
                "outstanding ÷ balance 在贷÷余额")
        keep = (0, 1, 2, 4, 5, 7) if narrow else tuple(range(len(cols)))
        money = {1: "initial_balance", 2: "payouts_mean", 3: "payouts_p95", 5: "fiscal_cost_mean", 6: "new_lending_mean"}
        # one unit for the columns shown (a hidden 亿元 column must not push 万元 amounts to 0.03)
        unit = money_unit([v for i in keep if i in money for v in ps[money[i]].to_list()])
        t = Table(title=f"Risk-sharing pools 风险补偿资金池 ({unit.value[1]})")
        for i in keep:
            t.add_column(cols[i], justify="right" if i else "left")
        for r in ps.iter_rows(named=True):
            cells = (r["pool"], fmt_money(r["initial_balance"], unit), fmt_money(r["payouts_mean"], unit),
                     fmt_money(r["payouts_p95"], unit), fmt_pm(r["p_depleted"], r["p_depleted_se"], Kind.PERCENT),
                     fmt_money(r["fiscal_cost_mean"], unit), fmt_money(r["new_lending_mean"], unit),
                     fmt_multiple(r["lending_multiple_mean"]),
                     fmt_multiple(r["leverage_mean"]))
            t.add_row(*[cells[i] for i in keep])
        console.print(_fold(t))
        if narrow:
            console.print("(key columns; --wide shows all)", style="dim")
    render_cover(console, tables)
    sz = tables.get(TableName.CREDIT_POOL_SIZING.short)
    if sz is not None and not sz.is_empty():
        unit = money_unit(sz.filter(pl.col("attained"))["value"].to_list())
        t = Table(title="Pool size for the depletion target 满足耗尽概率目标所需规模")
        for col in ("pool", "what", f"needed 所需 ({unit.value[1]})", "P(depleted)", "target 目标"):
            t.add_column(col, justify="right" if col not in ("pool", "what") else "left")
        for r in sz.iter_rows(named=True):
            what = "initial balance 初始余额" if r["variable"] == "initial_balance" else "annual top-up 年度补充"
            needed = fmt_money(r["value"], unit) if r["attained"] else "not attainable 无法达到"
            t.add_row(r["pool"], what, needed, fmt_pct(r["probability"]), fmt_pct(r["target"]))
        console.print(_fold(t))


_REASON_LABELS = {"depletion": "depletion 余额不足", "npl_pause": "NPL pause 不良率暂停",
                  "loss_pause": "loss pause 累计损失暂停", "cap": "cap 累计上限"}


def render_cover(console: Console, tables: dict) -> None:
    """Cover reliability (refused claims by reason over the horizon) and lending pauses by year."""
    cv = tables.get(TableName.CREDIT_COVER_RELIABILITY.short)
    if cv is not None and not cv.is_empty():
        hor = cv.filter(pl.col("year").is_null())
        unit = money_unit(hor["unpaid_mean"].to_list())
        t = Table(title="Cover reliability over the horizon 代偿可靠性 (claims refused or reduced 拒付/减付)")
        for col in ("pool", "reason 原因", "P(refused) 拒付概率", f"unpaid mean 未付均值 ({unit.value[1]})",
                    "share paid 实付比例"):
            t.add_column(col, justify="left" if col in ("pool", "reason 原因") else "right")
        for r in hor.iter_rows(named=True):
            if r["reason"] != "any" and r["p_refused"] == 0:
                continue
            label = "any 合计" if r["reason"] == "any" else _REASON_LABELS.get(r["reason"], r["reason"])
            paid = fmt_pct(r["reliability"]) if r["reliability"] is not None else ""
            t.add_row(r["pool"], label, f"{fmt_pct(r['p_refused'])} ± {fmt_pct(r['p_refused_se'])}",
                      f"{fmt_money(r['unpaid_mean'], unit)} ± {fmt_money(r['unpaid_mean_se'], unit)}", paid)
        console.print(_fold(t))
    lp = tables.get(TableName.CREDIT_LENDING_PAUSES.short)
    if lp is not None and not lp.is_empty() and (lp["p_paused"] > 0).any():
        pools = lp["pool"].unique(maintain_order=True).to_list()
        t = Table(title="P(new lending paused by a trigger) by year 新增贷款暂停概率（按年）")
        t.add_column("year 年")
        for pool in pools:
            t.add_column(pool, justify="right")
        for y in sorted(lp["year"].unique().to_list()):
            sub = lp.filter(pl.col("year") == y)
            cells = []
            for pool in pools:
                r = sub.filter(pl.col("pool") == pool)
                cells.append(f"{fmt_pct(r['p_paused'][0])} ± {fmt_pct(r['p_paused_se'][0])}")
            t.add_row(str(y), *cells)
        console.print(_fold(t))


def render_link(console: Console, table: pl.DataFrame | None) -> None:
    """The run table ``equity_credit_link`` (rank correlation and joint tail of equity and credit
    losses, with s.e. and the independent benchmark), labels in zh and en from the catalogue."""
    from fundsvc.catalogue import label
    from fundsvc.stress.link import link_view

    if table is None or table.is_empty():
        return
    zh, en = link_view(table, "zh"), link_view(table, "en")
    t = Table(title=f"{label('equity_credit_link', 'en')} {label('equity_credit_link', 'zh')} "
                    f"({int(table['paths'][0]):,} paths 路径)")
    for col in ("figure 指标", "estimate ± s.e. 估计 ± 标准误", "if independent 若相互独立"):
        t.add_column(col, justify="left" if col.startswith("figure") else "right")
    for a, b in zip(en.iter_rows(named=True), zh.iter_rows(named=True), strict=True):
        t.add_row(f"{a['figure']}\n{b['figure']}", a["estimate_pm"], a["independent"])
    console.print(_fold(t))
