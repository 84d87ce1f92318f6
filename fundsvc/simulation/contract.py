"""The output contract every engine side implements (venture, credit, and any later side).

A side is an object with a :class:`~fundsvc.simulation.registry.Side` ``name``, its
``column_specs`` and four steps::

    compile(scenario, grid)               -> model   (None: the scenario has no such side)
    simulate(model, market, seed, chunk)  -> chunk   (one chunk of paths; pure in (seed, chunk index))
    columns(model, chunk)                 -> {column name: per-path array, path axis first}
    tables(model, columns, kind, only=None) -> {TableName: polars.DataFrame} of that TableKind
                                          (``only``: just these TableNames, e.g. a what-if's summary)

``grid`` is the scenario's factor :class:`~fundsvc.engine.grid.TimeGrid`; a side takes its own
grid from it (``grid.at(...)``, kept as ``model.grid``) and the market factors aggregated to it
(:func:`~fundsvc.engine.grid.market_on`). Every column has a :class:`ColumnSpec` saying how the
run reduces it over chunks (:class:`Reduction`). ``tables`` is the one place a side's tables are
computed (and checked against :mod:`fundsvc.simulation.registry`): path-level tables
(``TableKind.PATHS``) from each chunk's own columns, concatenated in chunk order; summary tables
(``TableKind.SUMMARY``) from the reduced columns of the whole run (:class:`Columns`).

The generic reducer (:mod:`fundsvc.simulation.reduce`) only applies the reductions (spooling
PATHS columns to disk), so an in-memory run and a streamed run call the same ``tables`` on the
same numbers. A direct, single-chunk evaluation is
``side.tables(model, reduce_one(side, side.columns(model, chunk), fan_paths), TableKind.SUMMARY)``.

Adding a per-path metric touches two files: the side module (compute it in ``columns`` and give
it a ``ColumnSpec``; use it in ``tables``) and the registry (its column in the table's schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
import polars as pl

from fundsvc.simulation.registry import Side, TableName


class Reduction(StrEnum):
    """How a column is reduced over the run's chunks.

    CHUNK: used only for the chunk's path-level tables, then dropped (the default of a column
    without a spec).
    PATHS: concatenated over chunks (spooled to disk in streamed runs), shape (n_paths, ...).
    SUM: summed over paths, shape of one path's value; the run also knows ``n_paths``.
    SAMPLE: the run's first ``fan_paths`` paths kept (fan charts, per-step quantiles).
    """

    CHUNK = "chunk"
    PATHS = "paths"
    SUM = "sum"
    SAMPLE = "sample"


@dataclass(frozen=True)
class ColumnSpec:
    """One named per-path column of a side and how the run reduces it (one or more
    :class:`Reduction`; units and shape in the side's doc)."""

    name: str
    reductions: frozenset

    @classmethod
    def of(cls, name: str, *reductions: Reduction) -> ColumnSpec:
        return cls(name, frozenset(reductions))


class Columns(Mapping):
    """The reduced columns of a run (or of one chunk) that a side's ``tables`` reads.

    As a mapping: the PATHS (or, for a chunk, all) columns by name, path axis first; values may
    be memory-mapped arrays read on access (streamed runs), so formulas read them one column at a
    time where memory matters. ``sums``: SUM columns summed over ``n_paths`` paths. ``sample``:
    SAMPLE columns of the run's first ``fan_paths`` paths.

    Attributes
    ----------
    n_paths : int
        Paths reduced.
    path_offset : int
        Run-wide index of the first path (for chunk-level path tables).
    """

    def __init__(self, paths: Mapping[str, np.ndarray], n_paths: int, path_offset: int = 0, *,
                 sums: Mapping[str, np.ndarray] | None = None, sample: Mapping[str, np.ndarray] | None = None):
        self._paths = paths
        self.sums = dict(sums or {})
        self.sample = dict(sample or {})
        self.n_paths = n_paths
        self.path_offset = path_offset

    def __getitem__(self, key: str) -> np.ndarray:
        return self._paths[key]

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


class EngineSide(Protocol):
    """What an engine side provides (see the module docstring)."""

    name: Side
    column_specs: tuple[ColumnSpec, ...]

    def compile(self, scenario, grid): ...

    def simulate(self, model, market, seed: int, chunk): ...

    def columns(self, model, chunk) -> dict[str, np.ndarray]: ...

    def tables(self, model, columns: Columns, kind, only=None) -> dict[TableName, pl.DataFrame]: ...


@dataclass(frozen=True)
class ReducedChunk:
    """One chunk's columns split by reduction (small to ship from a worker).

    Attributes
    ----------
    paths : dict
        PATHS columns (to concatenate).
    sums : dict
        SUM columns summed over the chunk's paths.
    sample : dict
        SAMPLE columns of the chunk's paths with a run-wide index below ``fan_paths``.
    """

    paths: dict
    sums: dict
    sample: dict


def split_columns(side: EngineSide, columns: Mapping[str, np.ndarray], n_paths: int, chunk_start: int,
                  fan_paths: int) -> ReducedChunk:
    """Apply the reductions of ``side.column_specs`` to one chunk's columns (a column without a
    spec serves the chunk's path-level tables only, ``Reduction.CHUNK``)."""
    specs = {c.name: c.reductions for c in side.column_specs}
    missing = set(specs) - set(columns)
    if missing:
        raise ValueError(f"{side.name.value} side: no columns for the specs {sorted(missing)}")
    keep = max(0, min(n_paths, fan_paths - chunk_start))
    paths, sums, sample = {}, {}, {}
    for name, reds in specs.items():
        a = columns[name]
        if Reduction.PATHS in reds:
            paths[name] = np.ascontiguousarray(a)
        if Reduction.SUM in reds:
            sums[name] = np.asarray(a).sum(axis=0)
        if Reduction.SAMPLE in reds and keep:
            sample[name] = np.array(a[:keep], copy=True)
    return ReducedChunk(paths, sums, sample)


def reduce_one(side: EngineSide, columns: Mapping[str, np.ndarray], fan_paths: int) -> Columns:
    """The reduced columns of a run made of one chunk (starting at path 0): what the reducer
    hands to ``tables`` after that chunk alone."""
    n = next(iter(columns.values())).shape[0] if columns else 0
    r = split_columns(side, columns, n, 0, fan_paths)
    return Columns(r.paths, n, 0, sums=r.sums, sample=r.sample)
