"""Model card: what the model is for, what it assumes (with sources), its limits and its tests.

Generated from the code and, optionally, a stored run (``fundsvc model-card [RUN]``):

* purpose, users and scope (fixed text below, from the design guide);
* **calibrations**: every calibration file in ``scenarios/profiles`` with its label (first
  comment line) and its ``sources`` list — :func:`check_calibrations` reports any file that
  lacks either (the test-suite runs it, so an unsourced calibration fails the build);
* **assumptions in code**: the :data:`CODE_ASSUMPTIONS` registry, each with its source or the
  word "assumption";
* limitations;
* **validation tests with their latest result**, computed when the card is generated (fast
  checks: peer IRR cases, backtests of the bundled histories, interval coverage on a known
  law) plus the run's headline figures with their Monte Carlo intervals when a run is given;
* the code version (package version and git commit when available).
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

PURPOSE = ("Joint Monte Carlo of a city's science-and-technology guidance fund (引导基金), its sub-funds, "
           "tech loans (成果贷 and siblings) and risk-sharing pools (风险补偿资金池), sharing market factors; "
           "whole-fund assessment with a tolerance (容错) verdict; loan pricing.")
USERS = ("Fund managers (cash-flow, NAV, IRR/TVPI fans, pacing); bank credit officers (pricing, portfolio "
         "loss distribution, VaR/ES, pool exhaustion); the finance bureau 财政局 (whole-fund performance, "
         "tolerance verdict, pool size, fiscal exposure).")
SCOPE = ("In scope: deal-level and Takahashi–Alexander sub-funds, European waterfall, guidance-fund terms, "
         "Vasicek/Gaussian-copula loan defaults with IP-collateral recovery, pool loss sharing, scorecard and "
         "tolerance. Out of scope: valuation of individual companies, bank balance-sheet effects beyond the "
         "loans modelled, legal enforceability of pledges, tax beyond a flat rate in loan pricing.")
LIMITATIONS = (
    "Bundled scenarios are illustrative, not the real city's programme.",
    ("Public evidence on IP-pledge recoveries is thin; recovery parameters are partly assumptions (see the "
     "calibration file)."),
    ("The conditional verdict re-weights the run's first 5,000 paths by their public-index history only; "
     "other market information in the actuals is not used yet."),
    ("Expected-shortfall intervals are asymptotic and under-cover with fewer than about 100 tail paths "
     "(measured 88 % for 10 tail paths, 94 % for 100)."),
    "Backtests of fund outcomes use serially dependent observations of the same funds: indicative only.",
    "Sensitivities are one at a time (no interactions) with a ±20 % step by default.",
)

#: Assumptions made in code, with their source or the word "assumption".
CODE_ASSUMPTIONS: tuple[tuple[str, str, str], ...] = (
    ("IRB effective maturity bounds", "1-5 years", "Basel II (June 2006) para 320"),
    ("IRB PD floor", "0.03 % (Basel II), 0.05 % (Basel III)", "Basel II para 285; Basel Framework CRE32"),
    ("After-tax RAROC form", "[(r - f - o - EL)(1 - t) + C b] / C, b after tax",
     "Crouhy, Galai & Mark, Risk Management (2001), RAROC chapter; GARP FRM Part II"),
    ("Return on capital in pricing", "b = funding cost, treated as after tax", "assumption"),
    ("IRR root selection", "smallest non-negative root, else negative root nearest 0",
     "numpy-financial default selection_logic (_irr_default_selection)"),
    ("Minimum fund age for an IRR to date", "8 quarters", "assumption (J-curve; early IRRs not meaningful)"),
    ("Conditional-verdict kernel bandwidth", "0.25 s.d. of the simulated log index, widened to ESS >= 100",
     "assumption (method: Beaumont, Zhang & Balding 2002 ABC re-weighting; ESS: Kish 1965)"),
    ("Paths kept for conditioning", "5,000", "assumption (storage vs effective sample size)"),
    ("Confidence level of reported intervals", "95 %", "assumption (convention)"),
    ("Quantile intervals", "order statistics, Binomial(n, q)", "David & Nagaraja, Order Statistics (2003) s7.1"),
    ("Precision run budget", "1,000,000 paths", "assumption"),
    ("Backtest significance level", "5 % one-sided", "ECB instructions for IRB validation reporting (2019)"),
    ("Sensitivity step", "+/-20 %", "assumption"),
    ("Synthetic backtest LGD", "0.45", "Basel II foundation IRB senior unsecured LGD, para 287"),
)


@dataclass(frozen=True)
class Calibration:
    """A calibration file: its path (relative to the scenarios folder), label and sources."""

    file: str
    label: str
    sources: tuple[str, ...]


def _label(text: str) -> str:
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") and s.strip("# ").strip():
            return s.lstrip("#").strip()
        if s:
            break
    return ""


def calibrations(scenarios_dir: Path) -> list[Calibration]:
    """Every calibration file (``profiles/*.toml``) with its label and ``sources`` list."""
    out = []
    for p in sorted((Path(scenarios_dir) / "profiles").glob("*.toml")):
        text = p.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        src = data.get("sources", [])
        out.append(Calibration(str(p.relative_to(scenarios_dir)), _label(text),
                               tuple(str(s) for s in src) if isinstance(src, list) else (str(src),)))
    return out


def check_calibrations(scenarios_dir: Path) -> list[str]:
    """Problems: calibration files without a label (first comment line) or without sources."""
    problems = []
    for c in calibrations(scenarios_dir):
        if not c.label:
            problems.append(f"{c.file}: no label (the file must start with a comment saying what it calibrates)")
        if not c.sources or not all(s.strip() for s in c.sources):
            problems.append(f"{c.file}: no sources (add sources = [...] citing the data, or say 'assumption')")
    for name, value, source in CODE_ASSUMPTIONS:
        if not source.strip():
            problems.append(f"code assumption '{name}' ({value}): no source and not marked 'assumption'")
    return problems


def code_version() -> str:
    """Package version and the git commit of the checkout, when there is one."""
    from fundsvc import __version__

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=Path(__file__).resolve().parent, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"fundsvc {__version__}" + (f" (git {commit})" if commit else "")


def validation_results(scenarios_dir: Path) -> pl.DataFrame:
    """Fast validation checks run now: test, what it checks, result, passed."""
    from fundsvc.inputs.bundled import resolve_data_file
    from fundsvc.metrics import irr, xirr
    from fundsvc.metrics.uncertainty import mean_se, z_value
    from fundsvc.validation.backtest import backtest_loans
    from fundsvc.validation.tape import read_tape

    rows = []
    gh44 = irr([-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1])
    rows.append(("IRR peer case numpy-financial gh-44", "root selection as numpy-financial/pyxirr (1.00427)",
                 f"{gh44:.6f}", abs(gh44 - 1.0042698487205577) < 1e-9))
    x = xirr([-18480, 13120], ["2020-03-05", "2020-03-16"])
    rows.append(("XIRR peer case pyxirr minus_0_99999", "root below -99.99 % (-0.99998842)", f"{x:.8f}",
                 abs(x + 0.9999884228170087) < 1e-10))
    for name, want in (("backtest_loans_pass", True), ("backtest_loans_fail", False)):
        p = resolve_data_file(name)
        if p.exists():
            res = backtest_loans(read_tape(p))
            what = "PD (binomial, Jeffreys), AUC, LGD: passes a calibrated history, flags a mis-specified one"
            rows.append((f"Backtest {name}", what, f"passed={res.passed}, AUC {res.auc:.3f}", res.passed is want))
    rng = np.random.default_rng(0)
    m, se = mean_se(rng.lognormal(0.0, 0.5, (500, 500)), axis=1)
    cover = float(np.mean(np.abs(m - np.exp(0.125)) <= z_value() * se))
    rows.append(("Coverage of mean +/- 1.96 s.e.", "500 seeds, lognormal(0, 0.5), n = 500", f"{100 * cover:.1f} %",
                 abs(cover - 0.95) < 0.04))
    problems = check_calibrations(scenarios_dir)
    rows.append(("Calibrations sourced and labelled", "every profiles/*.toml has a label and sources",
                 "; ".join(problems) or "all sourced", not problems))
    return pl.DataFrame(rows, schema={"test": pl.Utf8, "checks": pl.Utf8, "result": pl.Utf8, "passed": pl.Boolean},
                        orient="row")


@dataclass(frozen=True)
class ModelCard:
    """The card's content; render with :meth:`markdown`, :meth:`html` or :meth:`write_xlsx`."""

    version: str
    generated: str
    calibrations: list[Calibration]
    validation: pl.DataFrame
    run: dict | None = None
    headlines: pl.DataFrame | None = None

    def assumptions(self) -> pl.DataFrame:
        rows = [(c.file, c.label, "; ".join(c.sources) or "MISSING") for c in self.calibrations]
        rows += [(f"code: {n}", v, s) for n, v, s in CODE_ASSUMPTIONS]
        return pl.DataFrame(rows, schema={"item": pl.Utf8, "what": pl.Utf8, "source": pl.Utf8}, orient="row")

    def sections(self) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = [("Purpose", PURPOSE), ("Users", USERS), ("Scope", SCOPE),
                                         ("Assumptions and sources", self.assumptions()),
                                         ("Limitations", "\n".join(f"- {x}" for x in LIMITATIONS)),
                                         ("Validation tests (latest result)", self.validation)]
        if self.run is not None:
            out.append(("Run", ", ".join(f"{k}: {v}" for k, v in self.run.items())))
        if self.headlines is not None:
            out.append(("Run headline figures with 95 % Monte Carlo intervals", self.headlines))
        out.append(("Code version", f"{self.version}; generated {self.generated}"))
        return out

    def markdown(self) -> str:
        lines = ["# Model card — fundsvc", ""]
        for title, body in self.sections():
            lines += [f"## {title}", ""]
            if isinstance(body, pl.DataFrame):
                cols = body.columns
                lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
                lines += ["| " + " | ".join(str(v).replace("|", "/") for v in r) + " |" for r in body.iter_rows()]
            else:
                lines.append(str(body))
            lines.append("")
        return "\n".join(lines)

    def html(self) -> str:
        parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Model card — fundsvc</title></head><body>",
                 "<h1>Model card — fundsvc</h1>"]
        for title, body in self.sections():
            parts.append(f"<h2>{html.escape(title)}</h2>")
            if isinstance(body, pl.DataFrame):
                head = "".join(f"<th>{html.escape(c)}</th>" for c in body.columns)
                rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                               for r in body.iter_rows())
                parts.append(f"<table border='1'><tr>{head}</tr>{rows}</table>")
            else:
                parts.append("<p>" + html.escape(str(body)).replace("\n", "<br>") + "</p>")
        parts.append("</body></html>")
        return "".join(parts)

    def write_xlsx(self, path: Path) -> Path:
        import xlsxwriter

        with xlsxwriter.Workbook(path) as wb:
            texts = [(t, str(b)) for t, b in self.sections() if not isinstance(b, pl.DataFrame)]
            pl.DataFrame({"section": [t for t, _ in texts], "text": [b for _, b in texts]}).write_excel(
                wb, worksheet="card")
            self.assumptions().write_excel(wb, worksheet="assumptions")
            self.validation.write_excel(wb, worksheet="validation")
            if self.headlines is not None:
                self.headlines.write_excel(wb, worksheet="run headlines")
        return Path(path)


def build_model_card(scenarios_dir: Path, *, run: dict | None = None, headlines: pl.DataFrame | None = None) -> ModelCard:
    """Assemble the card (runs the fast validation checks now)."""
    return ModelCard(code_version(), dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     calibrations(scenarios_dir), validation_results(scenarios_dir), run, headlines)
