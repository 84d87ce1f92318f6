"""Sequential stopping for ``--precision REL``: add chunks until the headline figures are precise.

After each batch of chunks the run's headline figures (:func:`fundsvc.simulation.uncertainty.
headline_figures`) are re-estimated from all paths so far, with 95 % intervals; the run stops
when every figure in the stopping rule has a relative half-width ``(hi − lo) / 2 / |estimate|``
at or below the target, or when the path budget is used up.

Batches: the first is one chunk; each next batch is sized from the current worst relative
half-width ``w`` by the ``1/√n`` law, ``n_needed = n · (w / target)²``, rounded *down* to whole
chunks, at least one chunk and at most doubling the paths so far. Rounding down means the run
approaches the needed size from below and stops at the first chunk boundary where the target
is met (it does not jump past it on an accurate projection).
Chunks are always taken in index order from the run's fixed chunk plan, so a run that stopped at
``N`` paths is bit-identical to a fixed run of ``N`` paths with the same seed and chunk size.
Because the rule looks at the estimates it is a sequential procedure: the final intervals'
coverage is close to, not exactly, nominal (the classic result of Chow & Robbins, 1965, *Ann.
Math. Statist.* 36:457, is that it is asymptotically exact as the target shrinks).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl

#: Path budget of a ``--precision`` run when no ``--paths`` cap is given.
DEFAULT_MAX_PATHS = 1_000_000


@dataclass
class PrecisionLog:
    """What the sequential rule saw: one entry per check (paths so far, worst figure, its
    relative half-width), whether the target was reached, and the paths used."""

    target: float
    max_paths: int
    checks: list[tuple[int, str, float]] = field(default_factory=list)
    reached: bool = False

    @property
    def paths_used(self) -> int:
        return self.checks[-1][0] if self.checks else 0

    def table(self) -> pl.DataFrame:
        """One row per check: paths, worst_figure, worst_rel_half_width, target, reached (last row)."""
        n = len(self.checks)
        return pl.DataFrame({
            "paths": [c[0] for c in self.checks], "worst_figure": [c[1] for c in self.checks],
            "worst_rel_half_width": [c[2] for c in self.checks], "target": [self.target] * n,
            "max_paths": [self.max_paths] * n, "reached": [self.reached and i == n - 1 for i in range(n)],
        }, schema={"paths": pl.Int64, "worst_figure": pl.Utf8, "worst_rel_half_width": pl.Float64,
                   "target": pl.Float64, "max_paths": pl.Int64, "reached": pl.Boolean})


def worst_figure(headlines: pl.DataFrame) -> tuple[str, float]:
    """The stopping-rule figure with the largest relative half-width (inf if undefined)."""
    rows = headlines.filter(pl.col("in_stopping_rule"))
    if rows.is_empty():
        return "", 0.0
    worst, value = "", -1.0
    for r in rows.iter_rows(named=True):
        w = r["rel_half_width"]
        w = math.inf if w is None or not math.isfinite(w) else float(w)
        if w > value:
            worst, value = r["figure"], w
    return worst, value


def next_batch_size(paths: int, worst: float, target: float, chunk_size: int) -> int:
    """Chunks to add after ``paths`` paths when the worst relative half-width is ``worst``."""
    if not math.isfinite(worst):
        need = 2 * paths
    else:
        need = int(paths * (worst / target) ** 2)
    need = min(max(need, paths + chunk_size), 2 * paths)
    return max(1, (need - paths) // chunk_size)


def sequential_batches(chunks: list, measure: Callable[[], pl.DataFrame], log: PrecisionLog,
                       paths_done: Callable[[], int]) -> Iterator[list]:
    """Yield batches of ``chunks`` (a prefix of the plan each time) until the target is met.

    Parameters
    ----------
    chunks : list of Chunk
        The full plan up to the path budget, in index order.
    measure : callable returning the headline table of all paths reduced so far
    log : PrecisionLog
        Filled in as the checks happen.
    paths_done : callable returning the paths reduced so far
    """
    i = 0
    chunk_size = chunks[0].size if chunks else 1
    take = 1
    while i < len(chunks):
        batch = chunks[i:i + take]
        i += len(batch)
        yield batch
        fig, worst = worst_figure(measure())
        n = paths_done()
        log.checks.append((n, fig, worst))
        if worst <= log.target:
            log.reached = True
            return
        take = next_batch_size(n, worst, log.target, chunk_size)
