"""One formatting layer for every figure a user reads: CLI, dashboards, API display fields,
exports and reports.

* **Money** (CNY in, text out): one unit per table or column — 万元 (10⁴ CNY) or 亿元 (10⁸ CNY),
  chosen by magnitude (:func:`money_unit`) and named in the header, never in each cell.
  Standalone figures (a KPI card) carry their unit: :func:`fmt_money_auto`.
* **Shares, probabilities, rates per year** (decimals in): percentages, ``15.4%``.
* **Multiples** (TVPI, leverage): ``1.66×``.
* **Counts** ``1,234``; **years** ``2030`` (never ``2,030``); **dates** ISO ``2026-09-30``.
* **Not meaningful**: ``n/m`` with a reason (:class:`NotMeaningful`), e.g. the IRR of a fund
  younger than two years.
* **Monte Carlo error**: ``value ± error`` in the same kind and unit (:func:`fmt_pm`).

What kind a stored column is comes from :func:`column_kind` (its name: ``*_cny`` is money,
``irr*`` a rate …) or from :data:`KINDS`; tables whose rows are different indicators (a
``value`` column holding a multiple in one row and a share in the next) name the kind per row
through :data:`INDICATOR_KINDS`. :func:`display_frame` turns a polars frame into text cells with
one money unit per table; exports keep raw numbers (:func:`units_row` names each column's unit).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from models.common import WAN, YI

if TYPE_CHECKING:  # polars loads where a frame is formatted, not on import (CLI start-up)
    import polars as pl

__all__ = [
    "DASH",
    "INDICATOR_KINDS",
    "KINDS",
    "UNIT_KINDS",
    "Kind",
    "MoneyUnit",
    "NotMeaningful",
    "column_kind",
    "display_frame",
    "figure_kind",
    "fmt",
    "fmt_count",
    "fmt_date",
    "fmt_money",
    "fmt_money_auto",
    "fmt_multiple",
    "fmt_number",
    "fmt_pct",
    "fmt_pm",
    "fmt_year",
    "is_missing",
    "money_unit",
    "row_kind",
    "units_row",
]

DASH = "–"


class Kind(StrEnum):
    """What a number is, which decides how it is shown."""

    MONEY = "money"          # CNY
    PERCENT = "percent"      # decimal share / probability / rate per year → %
    MULTIPLE = "multiple"    # × (TVPI, leverage, completion of a requirement)
    NUMBER = "number"        # plain decimal (score points, weights)
    COUNT = "count"          # integer count (paths, loans, companies)
    YEAR = "year"            # calendar year, no thousands separator
    DATE = "date"
    TEXT = "text"            # free text or a code (translated by the catalogue)


class MoneyUnit(Enum):
    """The money unit of a table: divisor, Chinese and English names."""

    WAN = (WAN, "万元", "10k CNY")
    YI = (YI, "亿元", "100m CNY")

    @property
    def divisor(self) -> float:
        return self.value[0]

    def label(self, lang: str = "zh") -> str:
        """``万元`` in Chinese; ``万元 (10k CNY)`` in English (the unit a finance reader knows)."""
        zh, en = self.value[1], self.value[2]
        return zh if lang != "en" else f"{zh} = {en}"


@dataclass(frozen=True)
class NotMeaningful:
    """A figure that is not meaningful, with the reason (shown as ``n/m (reason)``)."""

    reason_zh: str
    reason_en: str

    def text(self, lang: str = "zh") -> str:
        return f"n/m({self.reason_zh})" if lang != "en" else f"n/m ({self.reason_en})"


def is_missing(x) -> bool:
    """None, NaN or infinite."""
    return x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def money_unit(values) -> MoneyUnit:
    """亿元 when the largest absolute amount is at least 1亿元 (10⁸ CNY), else 万元.

    ``values``: iterable of CNY amounts (None / NaN ignored). One unit for a whole table keeps
    every cell comparable at a glance.
    """
    finite = [abs(float(v)) for v in values if not is_missing(v)]
    return MoneyUnit.YI if finite and max(finite) >= YI else MoneyUnit.WAN


def fmt_money(x, unit: MoneyUnit, digits: int = 2) -> str:
    """``x`` CNY in ``unit`` without the unit name (the header names it): ``1,234.56``."""
    if is_missing(x):
        return DASH
    v = float(x) / unit.divisor
    if round(v, digits) == 0:
        v = 0.0  # no "-0.00"
    return f"{v:,.{digits}f}"


def fmt_money_auto(x, digits: int = 2, lang: str = "zh") -> str:
    """A standalone amount with its unit: ``20.00亿元`` / ``350.00万元`` (万元 below 1亿元)."""
    if is_missing(x):
        return DASH
    unit = money_unit([x])
    sep = "" if lang != "en" else " "
    return f"{fmt_money(x, unit, digits)}{sep}{unit.value[1]}"


def _percent(x, digits: int, signed: bool) -> str:
    """``100·x`` with ``digits`` decimals and thousands separators, no "-0.0"; the caller adds the unit."""
    v = 100 * float(x)
    if round(v, digits) == 0:
        v = 0.0
    return f"{v:{'+' if signed else ''},.{digits}f}"


def fmt_pct(x, digits: int = 1) -> str:
    """A decimal share, probability or rate as a percentage: ``0.154`` → ``15.4%``."""
    return DASH if is_missing(x) else f"{_percent(x, digits, False)}%"


def fmt_pp(x, digits: int = 1, signed: bool = True) -> str:
    """A difference of two probabilities or shares in percentage points: ``0.137`` → ``+13.7 pp``
    (not ``+13.7%``, which reads as a relative change)."""
    return DASH if is_missing(x) else f"{_percent(x, digits, signed)} pp"


def fmt_multiple(x, digits: int = 2) -> str:
    """A multiple: ``1.66×``."""
    if is_missing(x):
        return DASH
    return f"{float(x):,.{digits}f}×"


def fmt_number(x, digits: int = 2) -> str:
    """A plain decimal with thousands separators: ``1,234.57``."""
    if is_missing(x):
        return DASH
    v = float(x)
    if round(v, digits) == 0:
        v = 0.0
    return f"{v:,.{digits}f}"


def fmt_count(x) -> str:
    """An integer count with thousands separators: ``10,000``."""
    if is_missing(x):
        return DASH
    return f"{round(float(x)):,}"


def fmt_year(x) -> str:
    """A calendar year without separator: ``2030``."""
    if is_missing(x):
        return DASH
    return str(int(x))


def fmt_date(x) -> str:
    """ISO date ``2026-09-30`` (datetimes lose their time)."""
    if x is None:
        return DASH
    if isinstance(x, dt.datetime):
        return x.date().isoformat()
    if isinstance(x, dt.date):
        return x.isoformat()
    return str(x)[:10]


def fmt(x, kind: Kind, *, unit: MoneyUnit | None = None, lang: str = "zh", digits: int | None = None) -> str:
    """Format one value of ``kind``; money needs ``unit`` (else it carries its own unit)."""
    if isinstance(x, NotMeaningful):
        return x.text(lang)
    if isinstance(x, bool):
        return ("yes" if x else "no") if lang == "en" else ("是" if x else "否")
    if isinstance(x, str):
        return x
    if kind is Kind.MONEY:
        return fmt_money(x, unit, 2 if digits is None else digits) if unit else fmt_money_auto(x, lang=lang)
    if kind is Kind.PERCENT:
        return fmt_pct(x, 1 if digits is None else digits)
    if kind is Kind.MULTIPLE:
        return fmt_multiple(x, 2 if digits is None else digits)
    if kind is Kind.NUMBER:
        return fmt_number(x, 2 if digits is None else digits)
    if kind is Kind.COUNT:
        return fmt_count(x)
    if kind is Kind.YEAR:
        return fmt_year(x)
    if kind is Kind.DATE:
        return fmt_date(x)
    if x is None:
        return DASH
    if isinstance(x, float):
        return fmt_number(x, 2 if digits is None else digits)
    if isinstance(x, (dt.date, dt.datetime)):
        return fmt_date(x)
    return str(x)


def fmt_pm(value, error, kind: Kind, *, unit: MoneyUnit | None = None, lang: str = "zh") -> str:
    """``value ± error`` with both in the same kind and unit: ``1.66× ± 0.02×``, ``12.3% ± 0.4%``.

    ``error`` is a Monte Carlo standard error (or half-width of an interval); missing → value only.
    Percent errors get one more decimal when they would round to zero.
    """
    v = fmt(value, kind, unit=unit, lang=lang)
    if is_missing(error) or is_missing(value):
        return v
    digits = None
    if kind is Kind.PERCENT and round(100 * float(error), 1) == 0:
        digits = 2
    return f"{v} ± {fmt(abs(float(error)), kind, unit=unit, lang=lang, digits=digits)}"


# ---- kinds of stored columns -------------------------------------------------------------------

KINDS: dict[str, Kind] = {
    # equity
    "tvpi": Kind.MULTIPLE, "dpi": Kind.MULTIPLE, "rvpi": Kind.MULTIPLE, "ks_pme": Kind.MULTIPLE,
    "irr": Kind.PERCENT, "irr_to_date": Kind.PERCENT, "direct_alpha": Kind.PERCENT, "p_loss": Kind.PERCENT,
    "irr_undefined": Kind.PERCENT, "loss_ratio": Kind.PERCENT,
    # credit / pools
    "probability": Kind.PERCENT, "p_depleted": Kind.PERCENT, "p_depleted_se": Kind.PERCENT,
    "target": Kind.NUMBER, "level": Kind.PERCENT, "leverage_mean": Kind.MULTIPLE,
    "lending_multiple_mean": Kind.MULTIPLE, "p_positive": Kind.PERCENT, "p_met": Kind.PERCENT,
    "initial_balance": Kind.MONEY, "payouts_mean": Kind.MONEY, "payouts_p95": Kind.MONEY,
    "fiscal_cost_mean": Kind.MONEY, "fiscal_cost_p95": Kind.MONEY, "fiscal_cost_pv_mean": Kind.MONEY,
    "new_lending_mean": Kind.MONEY, "final_balance_mean": Kind.MONEY,
    # assessment
    "weight": Kind.PERCENT, "tolerated_loss_ratio": Kind.PERCENT, "contribution": Kind.PERCENT,
    "required_multiple": Kind.MULTIPLE, "completion": Kind.MULTIPLE, "points": Kind.NUMBER,
    "category_weight": Kind.NUMBER, "score": Kind.NUMBER, "by_year": Kind.YEAR, "year": Kind.YEAR,
    "progress": Kind.PERCENT, "projected_progress": Kind.PERCENT, "percentile": Kind.PERCENT,
    "n_defined": Kind.COUNT, "step": Kind.COUNT, "n_paths": Kind.COUNT, "paths": Kind.COUNT,
    "id": Kind.COUNT, "run_id": Kind.COUNT, "seed": Kind.COUNT, "share": Kind.PERCENT,
    "duration_s": Kind.NUMBER, "date": Kind.DATE, "created": Kind.TEXT,
    "relative_step": Kind.PERCENT,  # sensitivity: relative change of each input
    # backtests
    "pd": Kind.PERCENT, "default_rate": Kind.PERCENT, "loans": Kind.COUNT, "defaults": Kind.COUNT,
    "grades_failing": Kind.COUNT, "lgd_p_value": Kind.NUMBER,
    # headline precision and stress results
    "rel_half_width": Kind.PERCENT, "shift_sigma": Kind.NUMBER,
}

INDICATOR_KINDS: dict[str, Kind] = {
    "leverage": Kind.MULTIPLE, "reinvestment_completion": Kind.MULTIPLE, "early_stage_share": Kind.PERCENT,
    "priority_share": Kind.PERCENT, "deployment": Kind.PERCENT, "deployment_speed": Kind.PERCENT,
    "projects_supported": Kind.COUNT, "projects": Kind.COUNT, "patents": Kind.COUNT,
    "tvpi": Kind.MULTIPLE, "dpi": Kind.MULTIPLE, "rvpi": Kind.MULTIPLE, "irr": Kind.PERCENT,
    "irr_to_date": Kind.PERCENT, "loss_ratio": Kind.PERCENT, "ks_pme": Kind.MULTIPLE,
    "direct_alpha": Kind.PERCENT, "lending_multiple": Kind.MULTIPLE, "leverage_achieved": Kind.MULTIPLE,
    "p_depleted": Kind.PERCENT, "npl_ratio": Kind.PERCENT, "pool_leverage": Kind.MULTIPLE,
    "target_leverage": Kind.MULTIPLE, "target_local": Kind.MULTIPLE, "target_early": Kind.PERCENT,
    "target_pool_multiple": Kind.MULTIPLE, "el": Kind.MONEY, "ul": Kind.MONEY, "var": Kind.MONEY,
    "es": Kind.MONEY, "paid_in": Kind.MONEY, "distributed": Kind.MONEY, "nav": Kind.MONEY,
    "deployment_vs_plan": Kind.PERCENT, "projects_per_yi": Kind.NUMBER, "pool_leverage_utilisation": Kind.PERCENT,
    "tvpi_percentile": Kind.PERCENT, "loss_vs_tolerance": Kind.MULTIPLE, "social_capital_leverage": Kind.MULTIPLE,
    "quarters_to_50pct": Kind.COUNT, "quarters_to_80pct": Kind.COUNT,
    # backtests (fundsvc.validation.report)
    "auc": Kind.NUMBER, "gini": Kind.NUMBER, "pd_grades_failing": Kind.COUNT, "lgd_predicted": Kind.PERCENT,
    "lgd_realised": Kind.PERCENT, "observations": Kind.COUNT, "coverage_90": Kind.PERCENT,
    # equity–credit link (fundsvc.stress.link)
    "rank_correlation": Kind.NUMBER, "joint_tail": Kind.PERCENT,
    # sensitivity outputs (fundsvc.validation.sensitivity.MEASURES)
    "tvpi_mean": Kind.MULTIPLE, "p_tvpi_below_1": Kind.PERCENT, "el_horizon": Kind.MONEY,
    "var_999_horizon": Kind.MONEY, "p_cover_refused": Kind.PERCENT,
}
"""Kind of the value in a row, by the row's indicator / measure / key code (``_cny`` suffix: money)."""

UNIT_KINDS: dict[str, Kind] = {"x": Kind.MULTIPLE, "share": Kind.PERCENT, "CNY": Kind.MONEY}
"""Kind of a stored ``unit`` field (stress results, :mod:`fundsvc.stress.headline`)."""


def figure_kind(figure: str) -> Kind:
    """Kind of a headline figure or reverse-stress target by its name or key: a probability
    (``P(…)``, ``depleted:…``) or ratio is a percentage, TVPI a multiple, a loss / EL / VaR money
    (CNY); anything else a plain number."""
    f = str(figure)
    if f.startswith(("depleted:", "guidance_loss_ratio")) or "P(" in f:
        return Kind.PERCENT
    if "TVPI" in f:
        return Kind.MULTIPLE
    if f.startswith("loss:") or re.search(r"\b(EL|VaR|ES|loss|payouts)\b", f):
        return Kind.MONEY
    return Kind.NUMBER


_PCT_SUFFIX = re.compile(r"^(?P<base>.+?)_(?:p\d{1,2}|mean|median|se|lo|hi|mean_se)$")


def column_kind(name: str, dtype: pl.DataType | None = None) -> Kind:
    """The kind of a stored column, from its name.

    ``*_cny`` and names in :data:`KINDS` first; then the base name before a statistic suffix
    (``tvpi_p50``, ``irr_mean_se``, ``completion_p95``); integers are counts, other numbers plain.
    """
    if dtype is not None:
        import polars as pl
    if dtype is not None and (dtype == pl.Utf8 or dtype == pl.Boolean):
        return Kind.TEXT
    if name.endswith("_cny") or "_cny_" in name:
        return Kind.MONEY
    if name in KINDS:
        return KINDS[name]
    m = _PCT_SUFFIX.match(name)
    while m:
        base = m.group("base")
        if base.endswith("_cny"):
            return Kind.MONEY
        if base in KINDS:
            return KINDS[base]
        m = _PCT_SUFFIX.match(base)
    if dtype is not None:
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
            return Kind.DATE
        if dtype.is_integer():
            return Kind.COUNT
        if dtype.is_numeric():
            return Kind.NUMBER
    return Kind.TEXT


def row_kind(code: str | None) -> Kind | None:
    """Kind of a row's values from its indicator / measure code, or None when unknown."""
    if not code:
        return None
    code = str(code)
    if code.endswith("_cny") or code.startswith("cost_"):
        return Kind.MONEY
    base = code.split(":")[0]
    return INDICATOR_KINDS.get(base)


_ROW_KEYS = ("indicator", "measure", "key", "component", "metric", "figure")
_STAT_COLUMNS = re.compile(r"^(value|mean|median|mean_cny|p\d{1,2}|sim_p\d{1,2}|actual|projected|target|floor|se|lo|hi|mean_se|p\d{1,2}_(?:lo|hi)|low|base|high|swing|swing_se|estimate|independent)$")


@dataclass(frozen=True)
class DisplayFrame:
    """Text cells of a table ready to show, with the money unit of the table (None: no money).

    ``cell_kinds[i][j]`` is the kind of row ``i``, column ``j``; ``key`` the column naming what
    each row measures (tables of mixed indicators), if any. :meth:`header_unit` and
    :meth:`row_unit` say where to name the money unit: in a money column's header, or — in a
    table of mixed indicators — in the row's label; always once, one unit per table.
    """

    frame: pl.DataFrame
    kinds: dict[str, Kind]
    unit: MoneyUnit | None
    cell_kinds: tuple[tuple[Kind, ...], ...] = ()
    key: str | None = None

    def header_unit(self, column: str) -> str:
        if self.unit is None or self.key is not None:
            return ""
        j = self.frame.columns.index(column)
        return self.unit.value[1] if any(r[j] is Kind.MONEY for r in self.cell_kinds) else ""

    def row_unit(self, i: int) -> str:
        if self.unit is None or self.key is None:
            return ""
        return self.unit.value[1] if Kind.MONEY in self.cell_kinds[i] else ""


def display_frame(frame: pl.DataFrame, *, lang: str = "zh", kinds: dict[str, Kind] | None = None,
                  translate=None, row_kinds: list[Kind | None] | None = None) -> DisplayFrame:
    """Text cells of ``frame`` with one money unit for the whole table.

    * column kinds from ``kinds`` (overrides) or :func:`column_kind`;
    * in tables with a row key column (``indicator``, ``measure``, ``key``, ``component``,
      ``metric``), the statistic columns (``value``, ``mean``, ``p50`` …) take the row's kind
      from :func:`row_kind` when it is known; the money unit then goes into the key cell;
    * ``translate(code, lang)`` (the catalogue) is applied to text cells of code columns;
    * ``row_kinds`` (one per row) gives every numeric cell of a row its kind explicitly, except in
      the columns named in ``kinds`` (e.g. a count of paths beside a row's estimate).
    """
    import polars as pl

    kinds = dict(kinds or {})
    fixed = set(kinds)  # columns whose kind the caller gave: row kinds do not override them
    for c, d in frame.schema.items():
        kinds.setdefault(c, column_kind(c, d))
    key_col = next((c for c in _ROW_KEYS if c in frame.columns and frame.schema[c] == pl.Utf8), None)
    rows = frame.to_dicts()
    explicit = row_kinds is not None
    if not explicit:
        row_kinds = [row_kind(r[key_col]) if key_col else None for r in rows]
    cell_kinds = []
    for i in range(len(rows)):
        ks = []
        for c, d in frame.schema.items():
            k = kinds[c]
            if row_kinds[i] is not None and d.is_numeric() and c not in fixed and \
                    (explicit or (key_col and _STAT_COLUMNS.match(c))):
                k = row_kinds[i]
            ks.append(k)
        cell_kinds.append(tuple(ks))
    money_values = [r[c] for i, r in enumerate(rows) for j, c in enumerate(frame.columns)
                    if cell_kinds[i][j] is Kind.MONEY]
    unit = money_unit(money_values) if money_values else None
    in_rows = key_col is not None and not explicit
    out: dict[str, list[str]] = {c: [] for c in frame.columns}
    for i, r in enumerate(rows):
        for j, c in enumerate(frame.columns):
            k, v = cell_kinds[i][j], r[c]
            if k is Kind.TEXT and isinstance(v, str):
                text = translate(v, lang) if translate is not None else v
                if in_rows and c == key_col and unit is not None and Kind.MONEY in cell_kinds[i]:
                    text += f" ({unit.value[1]})" if lang == "en" else f"({unit.value[1]})"
                out[c].append(text)
            else:
                out[c].append(fmt(v, k, unit=unit, lang=lang))
    shown = pl.DataFrame({c: pl.Series(c, v, dtype=pl.Utf8) for c, v in out.items()}) if rows else \
        pl.DataFrame(schema={c: pl.Utf8 for c in frame.columns})
    return DisplayFrame(shown, kinds, unit, tuple(cell_kinds), key_col if in_rows else None)


def units_row(frame: pl.DataFrame, kinds: dict[str, Kind] | None = None) -> dict[str, str]:
    """The unit of each column of a raw export (``CNY``, ``decimal share``, ``×`` …), bilingual."""
    names = {Kind.MONEY: "CNY 元", Kind.PERCENT: "decimal 小数 (0.1 = 10%)", Kind.MULTIPLE: "× 倍",
             Kind.NUMBER: "number 数值", Kind.COUNT: "count 个数", Kind.YEAR: "year 年", Kind.DATE: "date 日期",
             Kind.TEXT: ""}
    kinds = kinds or {}
    return {c: names[kinds.get(c) or column_kind(c, d)] for c, d in frame.schema.items()}
