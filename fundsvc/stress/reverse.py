"""Reverse stress test: the most likely tech-cycle path that breaches a target.

Family of paths searched: the tech cycle shifted by ``σ`` standard deviations in every quarter of
a window starting ``offset_quarters`` after the simulation start (mode ``shift`` of
:mod:`models.stress`, i.e. the smallest shift ``Δ`` of the factor innovations that moves the
window by ``σ`` — the Glasserman–Li mean shift). The Mahalanobis norm of such a path is ``‖Δ‖``
(the innovations are i.i.d. N(0, 1)), ``|σ| · sqrt(1ᵀ (M Mᵀ)⁻¹ 1)`` for the window's rows ``M``.
For each window length the least severe ``σ`` that breaches is found by bisection on common
random numbers; the breaching path of smallest norm over the windows is reported, with the
simulated check at that ``σ`` (breached) and at the less severe end of the bracket (not breached).

Targets (``σ`` is found where the statistic crosses ``level``):

* ``fund-loss`` — the median of the guidance fund's loss ratio (容亏率) reaches the whole-fund
  tolerated loss ratio (the scenario's stage-based tolerance) or ``level``;
* ``pool:ID`` — the probability that the pool is depleted within the horizon reaches ``level``
  (default 0.05, the depletion target of ``fundsvc simulate``);
* ``bank:NAME`` — the median of the bank's loss over the horizon reaches ``level`` CNY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from fundsvc.errors import InputError, Problem
from fundsvc.stress.headline import Statistic, standard_error, statistic
from models.scenario import Scenario
from models.stress import ImposedFactor, ImposeMode, StressImposition


class TargetKind(StrEnum):
    FUND_LOSS = "fund-loss"
    POOL = "pool"
    BANK = "bank"


@dataclass(frozen=True)
class Target:
    """What must be breached: ``statistic(paths[key]) >= level``."""

    kind: TargetKind
    key: str
    statistic: Statistic
    level: float
    label: str

    def value(self, pv: dict[str, np.ndarray]) -> tuple[float, float]:
        x = pv[self.key]
        return statistic(x, self.statistic), standard_error(x, self.statistic)


def parse_target(scenario: Scenario, text: str, level: float | None = None) -> Target:
    """``fund-loss``, ``pool:ID`` or ``bank:NAME`` → :class:`Target` (errors name ``--reverse``)."""
    if text == TargetKind.FUND_LOSS.value:
        if scenario.guidance_fund is None or not scenario.sub_funds:
            raise InputError([Problem("command line", "--reverse", "the scenario has no guidance fund")])
        if level is None:
            from fundsvc.assessment.tolerance import tolerated_loss_ratio

            level = tolerated_loss_ratio(scenario.assessment.tolerance, [f.strategy.value for f in scenario.sub_funds],
                                         [f.guidance_commitment_cny for f in scenario.sub_funds])
        return Target(TargetKind.FUND_LOSS, "guidance_loss_ratio", Statistic.MEDIAN, float(level),
                      "guidance fund loss ratio (median) 引导基金容亏率(中位数)")
    kind, _, name = text.partition(":")
    if kind == "pool" and name:
        if name not in {p.id for p in scenario.pools}:
            raise InputError([Problem("command line", "--reverse",
                                      f"pool '{name}' does not exist (known: {sorted(p.id for p in scenario.pools)})")])
        return Target(TargetKind.POOL, f"depleted:pool:{name}", Statistic.PROB, 0.05 if level is None else float(level),
                      f"P(pool {name} depleted) 资金池耗尽概率")
    if kind == "bank" and name:
        banks = sorted({ln.bank for ln in scenario.loans} | {b for p in scenario.pools if p.lending_programme for b in p.lending_programme.banks})
        if name not in banks:
            raise InputError([Problem("command line", "--reverse", f"bank '{name}' has no loans (known: {banks})")])
        if level is None:
            raise InputError([Problem("command line", "--level", "a bank target needs --level (loss in CNY)")])
        return Target(TargetKind.BANK, f"loss:bank:{name}", Statistic.MEDIAN, float(level),
                      f"bank {name} loss over the horizon (median) 银行损失(中位数)")
    raise InputError([Problem("command line", "--reverse", f"'{text}' is not fund-loss, pool:ID or bank:NAME")])


@dataclass(frozen=True)
class ReverseResult:
    """Outcome of :func:`reverse_stress` (``shift_sigma`` None when nothing within range breaches)."""

    target: Target
    shift_sigma: float | None
    offset_quarters: int
    quarters: int | None
    mahalanobis_norm: float | None
    tech_cycle_path: list[float] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    base_value: float = float("nan")

    def to_dict(self) -> dict:
        window = "–" if self.quarters is None else f"quarters {self.offset_quarters}–{self.offset_quarters + self.quarters - 1}"
        return {"target": self.target.label, "key": self.target.key, "level": self.target.level,
                "shift_sigma": self.shift_sigma if self.shift_sigma is not None else float("nan"),
                "window": window, "offset_quarters": self.offset_quarters, "quarters": self.quarters,
                "mahalanobis_norm": self.mahalanobis_norm if self.mahalanobis_norm is not None else float("nan"),
                "tech_cycle_path": self.tech_cycle_path, "checks": self.checks, "base_value": self.base_value}


def _imposition(scenario: Scenario, sigma: float, offset: int, quarters: int):
    return StressImposition(factor=ImposedFactor.TECH_CYCLE, offset_quarters=offset, quarters=quarters,
                            mode=ImposeMode.SHIFT, value=sigma).at(scenario.simulation.start_date)


def shift_path(scenario: Scenario, sigma: float, offset: int, quarters: int) -> tuple[float, np.ndarray]:
    """Mahalanobis norm of the shift and the most likely tech-cycle path (σ units, shape (n_steps,))."""
    from fundsvc.engine.conditioning import FactorRows, compile_conditions
    from fundsvc.engine.grid import TimeGrid

    fg = TimeGrid.factor_grid(scenario)
    n = fg.n_steps
    cs = compile_conditions(scenario.market, [_imposition(scenario, sigma, offset, quarters)],
                            scenario.simulation.start_date, n, fg.steps_per_year)
    fr = FactorRows(scenario.market, n, fg.steps_per_year)
    return float(np.linalg.norm(cs.shift)), fr.A @ cs.shift[:n]


def reverse_stress(scenario: Scenario, target: Target, *, paths: int, seed: int,
                   windows: tuple[int, ...] = (4, 8, 12), offset_quarters: int = 4,
                   max_sigma: float = 4.0, iterations: int = 6) -> ReverseResult:
    """Find the least-norm breaching tech-cycle shift (module doc); every run on the same seed."""
    from fundsvc.stress.runner import run_paths, stressed

    horizon = 4 * scenario.simulation.horizon_years
    windows = tuple(q for q in windows if offset_quarters + q <= horizon)
    if not windows:
        raise InputError([Problem("<input>", "simulation.horizon_years", "too short for a reverse stress window")])

    def evaluate(sigma: float, q: int) -> tuple[float, float]:
        sc = scenario if sigma == 0 else stressed(scenario, [_imposition(scenario, sigma, offset_quarters, q)])
        pv = run_paths(sc, paths=paths, seed=seed)
        if target.key not in pv:
            raise InputError([Problem("<input>", "--reverse", f"the run has no '{target.key}'")])
        return target.value(pv)

    base, base_se = evaluate(0.0, windows[0])
    best = None
    if base >= target.level:
        best = (0.0, 0.0, windows[0], [{"label": "base 基准", "shift_sigma": 0.0, "value": base, "se": base_se,
                                        "breached": True}])
    else:
        for q in windows:
            v_hi, se_hi = evaluate(-max_sigma, q)
            if v_hi < target.level:
                continue
            lo, hi, v_lo, se_lo = 0.0, -max_sigma, base, base_se
            for _ in range(iterations):
                mid = 0.5 * (lo + hi)
                v, se = evaluate(mid, q)
                if v >= target.level:
                    hi, v_hi, se_hi = mid, v, se
                else:
                    lo, v_lo, se_lo = mid, v, se
            norm, _ = shift_path(scenario, hi, offset_quarters, q)
            checks = [{"label": "breaching path 突破路径", "shift_sigma": hi, "value": v_hi, "se": se_hi, "breached": True},
                      {"label": "less severe 较轻路径", "shift_sigma": lo, "value": v_lo, "se": se_lo, "breached": False}]
            if best is None or norm < best[1]:
                best = (hi, norm, q, checks)
    if best is None:
        return ReverseResult(target, None, offset_quarters, None, None, [], [], base)
    sigma, norm, q, checks = best
    _, path = shift_path(scenario, sigma, offset_quarters, q) if sigma != 0 else (0.0, np.zeros(horizon))
    return ReverseResult(target, sigma, offset_quarters, q, norm, [float(x) for x in path], checks, base)


__all__ = ["ReverseResult", "Target", "TargetKind", "parse_target", "reverse_stress", "shift_path"]
