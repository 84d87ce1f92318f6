"""Small static SVG charts for the HTML and PDF reports (no JavaScript, a few kB each).

The interactive plotly figures stay in the dashboards; a report that is mailed and printed needs
charts that render anywhere, so the HTML report stays well under 1.5 MB and prints to PDF as is.
Every function returns an ``<svg>`` string; numbers on axes go through :mod:`fundsvc.formatting`.
"""

from __future__ import annotations

import html
import math

from fundsvc.formatting import Kind, fmt

__all__ = ["bars_svg", "fan_svg"]

_W, _BLUE, _GREY, _RED = 720, "#1f5fa8", "#d9dee5", "#c0392b"


def _esc(s) -> str:
    return html.escape(str(s))


def _nice_max(x: float) -> float:
    if not x or x <= 0 or math.isnan(x):
        return 1.0
    mag = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= x:
            return m * mag
    return 10 * mag


def bars_svg(labels: list[str], values: list[float], *, totals: list[float] | None = None, title: str = "",
             kind: Kind = Kind.NUMBER, value_labels: list[str] | None = None) -> str:
    """Horizontal bars (``values``), optionally over grey ``totals`` (e.g. points earned of available)."""
    n = len(labels)
    row, left, top = 26, 260, 34
    height = top + n * row + 30
    vmax = _nice_max(max([v for v in [*values, *(totals or [])] if v is not None and not math.isnan(v)] or [1.0]))
    scale = (_W - left - 90) / vmax
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {_W} {height}' width='100%' "
             f"role='img' aria-label='{_esc(title)}'>",
             f"<text x='4' y='18' font-size='14' font-weight='600'>{_esc(title)}</text>"]
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        parts.append(f"<text x='{left - 8}' y='{y + 16}' font-size='12' text-anchor='end'>{_esc(lab)}</text>")
        if totals is not None:
            parts.append(f"<rect x='{left}' y='{y + 4}' width='{max(totals[i], 0) * scale:.1f}' height='16' fill='{_GREY}'/>")
        w = 0.0 if v is None or math.isnan(v) else max(v, 0) * scale
        parts.append(f"<rect x='{left}' y='{y + 4}' width='{w:.1f}' height='16' fill='{_BLUE}'/>")
        text = value_labels[i] if value_labels else fmt(v, kind)
        parts.append(f"<text x='{left + max(w, (totals[i] * scale) if totals else 0) + 6:.1f}' y='{y + 16}' "
                     f"font-size='11'>{_esc(text)}</text>")
    y0 = top + n * row + 4
    parts.append(f"<line x1='{left}' y1='{y0}' x2='{left + vmax * scale:.1f}' y2='{y0}' stroke='#999'/>")
    for k in range(5):
        v = vmax * k / 4
        parts.append(f"<text x='{left + v * scale:.1f}' y='{y0 + 16}' font-size='10' text-anchor='middle'>"
                     f"{_esc(fmt(v, kind))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def fan_svg(dates: list[str], bands: dict[str, list[float]], *, realised: list[tuple[str, float]] | None = None,
            title: str = "", kind: Kind = Kind.NUMBER, line: float | None = None,
            legend: tuple[str, str, str] = ("P5–P95", "P50", "realised")) -> str:
    """A fan: P5–P95 and P25–P75 bands (``bands`` keyed p5, p25, p50, p75, p95), the median, realised
    points (date, value) and an optional horizontal reference ``line`` (e.g. the tolerance)."""
    n = len(dates)
    if n == 0:
        return ""
    left, right, top, h = 70, 20, 30, 220
    height = top + h + 50
    vals = [v for k in bands for v in bands[k] if v is not None and not math.isnan(v)]
    vals += [v for _, v in (realised or []) if v is not None and not math.isnan(v)]
    if line is not None:
        vals.append(line)
    lo, hi = min(vals + [0.0]), _nice_max(max(vals + [0.0]))
    sx = (_W - left - right) / max(n - 1, 1)
    sy = h / (hi - lo) if hi > lo else 1.0
    X = lambda i: left + i * sx  # noqa: E731
    Y = lambda v: top + h - (v - lo) * sy  # noqa: E731
    idx = {d: i for i, d in enumerate(dates)}

    def poly(upper, lower, color, alpha):
        pts = [f"{X(i):.1f},{Y(v):.1f}" for i, v in enumerate(upper)]
        pts += [f"{X(i):.1f},{Y(v):.1f}" for i, v in reversed(list(enumerate(lower)))]
        return f"<polygon points='{' '.join(pts)}' fill='{color}' fill-opacity='{alpha}' stroke='none'/>"

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {_W} {height}' width='100%' "
             f"role='img' aria-label='{_esc(title)}'>",
             f"<text x='4' y='18' font-size='14' font-weight='600'>{_esc(title)}</text>",
             poly(bands["p95"], bands["p5"], _BLUE, 0.15), poly(bands["p75"], bands["p25"], _BLUE, 0.3),
             "<polyline fill='none' stroke='" + _BLUE + "' stroke-width='2' points='"
             + " ".join(f"{X(i):.1f},{Y(v):.1f}" for i, v in enumerate(bands["p50"])) + "'/>"]
    if line is not None:
        parts.append(f"<line x1='{left}' x2='{_W - right}' y1='{Y(line):.1f}' y2='{Y(line):.1f}' stroke='{_RED}' "
                     "stroke-dasharray='5,4'/>")
    for d, v in realised or []:
        if d in idx and v is not None and not math.isnan(v):
            parts.append(f"<circle cx='{X(idx[d]):.1f}' cy='{Y(v):.1f}' r='4' fill='black'/>")
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f"<text x='{left - 6}' y='{Y(v) + 4:.1f}' font-size='10' text-anchor='end'>{_esc(fmt(v, kind))}</text>"
                     f"<line x1='{left}' x2='{_W - right}' y1='{Y(v):.1f}' y2='{Y(v):.1f}' stroke='#eee'/>")
    step = max(1, n // 6)
    for i in range(0, n, step):
        parts.append(f"<text x='{X(i):.1f}' y='{top + h + 16}' font-size='10' text-anchor='middle'>{_esc(dates[i][:7])}</text>")
    ly = top + h + 36
    parts.append(f"<rect x='{left}' y='{ly - 9}' width='14' height='10' fill='{_BLUE}' fill-opacity='0.3'/>"
                 f"<text x='{left + 18}' y='{ly}' font-size='11'>{_esc(legend[0])}</text>"
                 f"<line x1='{left + 140}' x2='{left + 160}' y1='{ly - 4}' y2='{ly - 4}' stroke='{_BLUE}' stroke-width='2'/>"
                 f"<text x='{left + 164}' y='{ly}' font-size='11'>{_esc(legend[1])}</text>"
                 f"<circle cx='{left + 270}' cy='{ly - 4}' r='4' fill='black'/>"
                 f"<text x='{left + 278}' y='{ly}' font-size='11'>{_esc(legend[2])}</text>")
    parts.append("</svg>")
    return "".join(parts)
