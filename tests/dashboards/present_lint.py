"""What a user reads on a page, an export or a report, and the checks the issue asks for.

``page_texts(component)`` walks a Dash layout and yields ``(where, text)`` for every visible
string: children, grid headers and formatted cells, dropdown labels, figure titles, axis titles
and trace names. ``problems(...)`` applies the rules and returns readable messages:

* a number with more than two decimals, or in scientific notation (``6.633e-06``);
* a raw CNY figure (≥ 10⁷ written out) anywhere — tables are in 万元 / 亿元;
* a money column whose cells name two units (万元 and 亿元);
* an untranslated code (``high_end_equipment``, ``bank:city_bank_b`` …) in the Chinese UI,
  scenario identifiers (fund, pool, bank ids) excepted: they are user data;
* an English word in the Chinese UI outside an allow-list of terms of art (TVPI, IRR, VaR …).

Elements whose id starts with ``sources`` (bilingual citations of calibrations) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from fundsvc.catalogue import is_code

ALLOWED_LATIN = {
    "TVPI", "DPI", "IRR", "RVPI", "NAV", "VaR", "ES", "EL", "UL", "RAROC", "KS", "PME", "CSV", "XLSX", "HTML",
    "PDF", "What", "if", "English", "ID", "IP", "P", "CNY", "n", "m", "s", "e", "J", "A", "B", "C", "Yale", "alpha",
    "TOML", "MiB", "LP", "GP", "PV", "NPL", "ta", "fundsvc", "run", "IRB", "LGD", "PD", "CRM", "IPO", "AUC", "Spearman",
}
_NUM = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.(\d+))?(?:e[-+]?\d+)?", re.I)
_SCI = re.compile(r"\d(?:\.\d+)?e[-+]?\d+", re.I)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _children(c):
    ch = getattr(c, "children", None)
    if ch is None:
        return []
    return ch if isinstance(ch, (list, tuple)) else [ch]


def page_texts(c, where: str = "") -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every visible string of a Dash component tree."""
    if c is None or isinstance(c, bool):
        return
    if isinstance(c, (str, int, float)):
        yield where, str(c)
        return
    if isinstance(c, (list, tuple)):
        for x in c:
            yield from page_texts(x, where)
        return
    cid = getattr(c, "id", None)
    if isinstance(cid, str) and cid.startswith("sources"):
        return
    here = f"{where}/{type(c).__name__}" + (f"#{cid}" if isinstance(cid, str) else "")
    kind = type(c).__name__
    if kind == "AgGrid":
        for d in c.columnDefs or []:
            yield f"{here}:header", d.get("headerName", "")
        for row in c.rowData or []:
            for k, v in row.items():
                if k.endswith("__fmt"):
                    yield f"{here}:cell:{k[:-5]}", str(v)
        return
    if kind == "Graph":
        fig = c.figure
        fig = fig.to_dict() if hasattr(fig, "to_dict") else (fig or {})
        lay = fig.get("layout", {})
        title = lay.get("title", {})
        yield f"{here}:title", (title.get("text") or "") if isinstance(title, dict) else str(title or "")
        for ax, spec in lay.items():
            if ax.startswith(("xaxis", "yaxis")) and isinstance(spec, dict):
                t = spec.get("title", {})
                yield f"{here}:{ax}", (t.get("text") or "") if isinstance(t, dict) else str(t or "")
        for tr in fig.get("data", []):
            if tr.get("name"):
                yield f"{here}:trace", str(tr["name"])
        for an in lay.get("annotations", []) or []:
            if an.get("text"):  # plotly annotations may carry <span>/<br> markup: read the text
                yield f"{here}:annotation", re.sub(r"<[^>]+>", " ", str(an["text"]))
        return
    if kind in ("Dropdown", "RadioItems", "Checklist"):
        for o in c.options or []:
            if isinstance(o, dict):
                yield f"{here}:option", str(o.get("label", ""))
    if kind == "Slider":
        for v in (c.marks or {}).values():
            yield f"{here}:mark", str(v.get("label") if isinstance(v, dict) else v)
    for x in _children(c):
        yield from page_texts(x, here)


def number_problems(where: str, text: str) -> list[str]:
    out = []
    if _SCI.search(text):
        out.append(f"{where}: scientific notation in {text!r}")
    for m in _NUM.finditer(text):
        decimals = m.group(1)
        if decimals is not None and len(decimals) > 2 and "," not in m.group(0)[-4:]:
            out.append(f"{where}: more than two decimals in {text!r}")
        try:
            v = float(m.group(0).replace(",", ""))
        except ValueError:
            continue
        if abs(v) >= 1e7:
            out.append(f"{where}: raw CNY-sized figure {m.group(0)} in {text!r}")
    return out


def language_problems(where: str, text: str, identifiers: set[str]) -> list[str]:
    """Problems of a string in the Chinese UI."""
    out = []
    for token in re.split(r"[\s,;()()、,:]+", text):
        token = token.strip("·—–-:.。%×")
        if token and token not in identifiers and is_code(token):
            out.append(f"{where}: untranslated code {token!r} in {text!r}")
    stripped = text
    for ident in sorted(identifiers, key=len, reverse=True):
        stripped = stripped.replace(ident, " ")
    for w in _LATIN_WORD.findall(stripped):
        if w not in ALLOWED_LATIN:
            out.append(f"{where}: English {w!r} in the Chinese UI: {text!r}")
            break
    return out


def unit_problems(texts: list[tuple[str, str]]) -> list[str]:
    """A column (same ``where`` prefix ``…:cell:<col>``) naming both 万元 and 亿元."""
    by_col: dict[str, set[str]] = {}
    for where, text in texts:
        if ":cell:" in where:
            units = by_col.setdefault(where, set())
            units.update(u for u in ("万元", "亿元") if u in text)
    return [f"{w}: two money units in one column" for w, u in by_col.items() if len(u) > 1]


def problems(texts: list[tuple[str, str]], lang: str, identifiers: set[str] = frozenset()) -> list[str]:
    out = unit_problems(texts)
    for where, text in texts:
        out += number_problems(where, text)
        if lang == "zh":
            out += language_problems(where, text, set(identifiers))
    return out
