"""The what-if computation, kept warm between requests: rerun only the changed side, on the base
run's random numbers, first on a few paths and then on more.

:class:`WhatIfEngine` holds, per base run, the compiled scenario, the market factors per chunk
and the base run's equity summary per path count, so a what-if costs one venture rerun at each
stage (the credit side's inputs do not change; its results are the base run's,
:func:`fundsvc.simulation.partial.rerun_changed`). It runs in the what-if worker process
(:class:`dashboards.whatif.WhatIfJobs`); it is plain Python so the benchmark and tests call it
directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import polars as pl

__all__ = ["WHATIF_STAGES", "BaseRun", "StageResult", "WhatIfEngine"]

WHATIF_STAGES: tuple[int, ...] = (2_000, 10_000)
"""Path counts of a what-if: a first answer from 2,000 paths, then refined with 10,000 (both on
the base run's seed and chunk size; 10,000 is the default run, whose stored summary is reused)."""


@dataclass(frozen=True)
class BaseRun:
    """The stored run a what-if changes.

    Attributes
    ----------
    key : int
        The run id (cache key).
    scenario : Scenario
    seed, chunk_size, n_paths : int
        The run's; the what-if reuses its random numbers.
    summary : polars.DataFrame or None
        The run's stored ``equity_summary`` (used as the base at ``n_paths`` paths).
    """

    key: int
    scenario: object
    seed: int
    chunk_size: int
    n_paths: int
    summary: pl.DataFrame | None = None


@dataclass(frozen=True)
class StageResult:
    """One stage of a what-if: base and changed ``equity_summary`` at ``paths`` paths.

    ``rerun`` / ``reused``: the engine sides simulated again / taken from the base run (their
    ``Side`` values); ``seconds``: wall time of the stage.
    """

    paths: int
    base: pl.DataFrame
    modified: pl.DataFrame
    rerun: tuple[str, ...]
    reused: tuple[str, ...]
    seconds: float


@dataclass
class _BaseState:
    base: BaseRun
    compiled: object
    market: dict = field(default_factory=dict)
    summaries: dict = field(default_factory=dict)


class WhatIfEngine:
    """Per-base-run caches and the stage computation (see the module docstring)."""

    def __init__(self):
        self._bases: dict[int, _BaseState] = {}

    def _state(self, base: BaseRun) -> _BaseState:
        st = self._bases.get(base.key)
        if st is None or st.base.seed != base.seed or st.base.chunk_size != base.chunk_size:
            from fundsvc.simulation.compiled import compile_scenario

            st = _BaseState(base, compile_scenario(base.scenario))
            if base.summary is not None and base.summary.height:
                st.summaries[base.n_paths] = base.summary
            self._bases = {base.key: st}  # one base run at a time: bounded memory
        return st

    def base_summary(self, base: BaseRun, paths: int) -> pl.DataFrame:
        """The base run's ``equity_summary`` at ``paths`` paths (its stored one at its own path
        count, else the venture side rerun on its random numbers; cached)."""
        from fundsvc.simulation.partial import rerun_changed
        from fundsvc.simulation.registry import Side, TableName

        st = self._state(base)
        if paths not in st.summaries:
            r = rerun_changed(st.compiled, base.scenario, paths=paths, seed=base.seed, chunk_size=base.chunk_size,
                              market_cache=st.market, sides={Side.VENTURE}, only={TableName.EQUITY_SUMMARY})
            st.summaries[paths] = r.tables[TableName.EQUITY_SUMMARY]
        return st.summaries[paths]

    def prepare(self, base: BaseRun, paths: int) -> None:
        """Compile the base run and compute its summary at ``paths`` (before the first what-if)."""
        self.base_summary(base, paths)

    def stage(self, base: BaseRun, change, paths: int) -> StageResult:
        """Base and changed equity summaries at ``paths`` paths; only the changed sides rerun."""
        from dashboards.whatif import modified_scenario
        from fundsvc.simulation.partial import rerun_changed
        from fundsvc.simulation.registry import TableName

        t0 = time.perf_counter()
        st = self._state(base)
        b = self.base_summary(base, paths)
        r = rerun_changed(st.compiled, modified_scenario(base.scenario, change), paths=paths, seed=base.seed,
                          chunk_size=base.chunk_size, market_cache=st.market, base_tables={TableName.EQUITY_SUMMARY: b},
                          only={TableName.EQUITY_SUMMARY})
        return StageResult(paths, b, r.tables[TableName.EQUITY_SUMMARY], tuple(sorted(s.value for s in r.rerun)),
                           tuple(sorted(s.value for s in r.reused)), time.perf_counter() - t0)
