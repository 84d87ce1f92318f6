"""Generic streaming reduction of chunk outputs: memory bounded by the chunk size, not paths × steps.

The reducer knows no formula. For every side of the run (:mod:`fundsvc.simulation.contract`) it
receives each chunk's named per-path columns, strictly in chunk order (the runner buffers chunks
that arrive early), and

* builds the chunk's path-level tables with the side's ``tables(…, TableKind.PATHS)`` (on the
  worker, :func:`prepare_chunk`) and appends them, on a writer thread, to one Parquet file per
  table (:class:`~fundsvc.simulation.table_writer.TableWriter`) — the file the store adopts;
* applies each column's :class:`~fundsvc.simulation.contract.Reduction`: PATHS columns are
  appended to binary column files (in chunk order), SUM columns added up (in chunk order),
  SAMPLE columns kept for the run's first ``fan_paths`` paths.

:meth:`RunReducer.finish_tables` then hands the reduced columns (PATHS columns memory-mapped from
the column files) to each side's ``tables(…, TableKind.SUMMARY)``. In-memory and streamed runs
differ only in whether the path-level frames are also kept in memory (never read back); every table comes
from the same formula on the same bytes, so the result does not depend on the executor, the
number of workers or the order in which chunks finished.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.simulation.chunk import ChunkOutput, run_chunk
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.contract import Columns, ReducedChunk, split_columns
from fundsvc.simulation.registry import PATH_TABLES, Side, TableKind, TableName
from fundsvc.simulation.table_writer import TableFile, TableWriter

ARRAY_NAMES: tuple[str, ...] = tuple(t.value for t in PATH_TABLES)
"""Path-level tables (``TableKind.PATHS`` in the registry)."""


class ColumnSpool:
    """Append-only binary column files, one per key, in a directory.

    Each key holds an array of fixed dtype and trailing shape; :meth:`append` adds rows (paths),
    :meth:`load` returns all rows in the order they were appended. With ``in_memory`` (a run
    that fits in memory) the rows are kept as arrays instead of files: no write, no read-back.
    """

    def __init__(self, directory: Path, *, in_memory: bool = False):
        self.directory = Path(directory)
        self.in_memory = in_memory
        if not in_memory:
            self.directory.mkdir(parents=True, exist_ok=True)
        self._meta: dict = {}
        self._rows: dict = {}  # in memory: key -> list of row blocks (joined on first load)

    def append(self, key, values: np.ndarray) -> None:
        """Append rows ``values`` (shape (n, ...)) to column ``key``."""
        a = np.ascontiguousarray(values)
        if key not in self._meta:
            self._meta[key] = (self.directory / f"c{len(self._meta):05d}.bin", a.dtype, a.shape[1:], 0)
        path, dtype, tail, n = self._meta[key]
        if a.dtype != dtype or a.shape[1:] != tail:
            raise ValueError(f"column {key!r}: expected dtype {dtype} rows {tail}, got {a.dtype} {a.shape[1:]}")
        if self.in_memory:
            self._rows.setdefault(key, []).append(a)
        else:
            with open(path, "ab") as fh:
                a.tofile(fh)
        self._meta[key] = (path, dtype, tail, n + a.shape[0])

    def __contains__(self, key) -> bool:
        return key in self._meta

    def column_keys(self) -> list:
        return list(self._meta)

    def load(self, key, *, mmap: bool = False) -> np.ndarray:
        """All rows of column ``key``, shape (n_rows, ...)."""
        path, dtype, tail, n = self._meta[key]
        if self.in_memory:
            blocks = self._rows.get(key, [])
            if len(blocks) != 1:
                blocks[:] = [np.concatenate(blocks, axis=0) if blocks else np.zeros((n, *tail), dtype)]
                self._rows[key] = blocks
            out = blocks[0].view()
            out.flags.writeable = False  # like the read-only memory map
            return out
        if mmap:
            if n == 0 or dtype.itemsize * int(np.prod(tail, dtype=np.int64)) == 0:
                return np.zeros((n, *tail), dtype)
            return np.memmap(path, dtype=dtype, mode="r", shape=(n, *tail))
        return np.fromfile(path, dtype=dtype).reshape((n, *tail))


class _SpooledColumns:
    """A side's spooled PATHS columns as a read-on-access mapping (memory-mapped)."""

    def __init__(self, spool: ColumnSpool, side: Side):
        self._spool, self._side = spool, side
        self._names = [k[1] for k in spool.column_keys() if k[0] == side]

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        return self._spool.load((self._side, name), mmap=True)

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class PreparedChunk:
    """A chunk's output reduced, where it was computed, to what the run keeps: small to ship.

    Attributes
    ----------
    chunk : Chunk
    parts : dict of TableName to polars.DataFrame
        The chunk's path-level tables (one row per path and entity; pickled as Arrow IPC when
        shipped from a worker, so the run's Parquet files are encoded once, by the writer).
    reduced : dict of Side to ReducedChunk
        Each side's PATHS columns, SUM sums and SAMPLE rows of this chunk.
    claims : SizingClaims or None
        The chunk's claims for pool sizing, compact (:mod:`fundsvc.credit.pools.claim_spool`).
    timings : dict
    """

    chunk: object
    parts: dict
    reduced: dict
    claims: object | None
    timings: dict[str, float]


def prepare_chunk(compiled: CompiledScenario, out: ChunkOutput) -> PreparedChunk:
    """Reduce a chunk's output to a :class:`PreparedChunk` (runs on the worker)."""
    from fundsvc.simulation.sides import side_for

    t0 = time.perf_counter()
    parts: dict = {}
    reduced: dict = {}
    ch = out.chunk
    for name, cols in out.columns.items():
        side = side_for(name)
        model = compiled.models[name]
        for tname, frame in side.tables(model, Columns(cols, ch.size, ch.start), TableKind.PATHS).items():
            parts[tname] = frame
        reduced[name] = split_columns(side, cols, ch.size, ch.start, out.fan_paths)
    timings = dict(out.timings)
    timings["prepare"] = time.perf_counter() - t0
    return PreparedChunk(chunk=ch, parts=parts, reduced=reduced, claims=out.credit_claims, timings=timings)


def run_prepared(compiled: CompiledScenario, seed: int, chunk, fan_paths: int, keep_claims: bool = False,
                 on_step=None) -> PreparedChunk:
    """:func:`~fundsvc.simulation.chunk.run_chunk` then :func:`prepare_chunk`: the executors' task
    (``on_step``: progress within the chunk, in-process runs only)."""
    return prepare_chunk(compiled, run_chunk(compiled, seed, chunk, fan_paths, keep_claims, on_step))


@dataclass
class _SideState:
    sums: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)


class RunReducer:
    """Accumulates chunk outputs in chunk order; see the module docstring.

    Parameters
    ----------
    compiled : CompiledScenario
    spool_dir : Path, optional
        Directory for the Parquet files and column files (created; default a new temporary
        directory). Deleted by :meth:`discard` or by the caller.
    keep_claims : bool
        Spool each chunk's credit claims (compact, one file per chunk under ``spool_dir/claims``)
        for pool sizing on common random numbers; :attr:`claims` is then a
        :class:`~fundsvc.credit.pools.claim_spool.ClaimSpool`, else None.
    keep_frames : bool
        Also keep the path-level frames in memory (an in-memory result), so that they are never
        read back from the files.
    """

    def __init__(self, compiled: CompiledScenario, *, spool_dir: Path | None = None, keep_claims: bool = False,
                 keep_frames: bool = False):
        self.compiled = compiled
        self.root = Path(spool_dir) if spool_dir is not None else Path(tempfile.mkdtemp(prefix=f"fundsvc-run-{os.getpid()}-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.columns = ColumnSpool(self.root / "columns", in_memory=keep_frames)
        self.writer = TableWriter(self.root / "arrays")
        self.files: dict[str, TableFile] = {}
        self.keep_frames = keep_frames
        self.frames: dict[str, list[pl.DataFrame]] = {}
        self.keep_claims = keep_claims
        self.next_index = 0
        self.n_paths = 0
        self.timings: dict[str, float] = {}
        self.sides: dict[Side, _SideState] = {}
        self.claims = None
        if keep_claims:  # pool sizing: claims on disk, not in memory (fundsvc.credit.pools.claim_spool)
            from fundsvc.credit.pools.claim_spool import ClaimSpool

            self.claims = ClaimSpool(self.root / "claims")

    # ---------------------------------------------------------------- adding chunks
    def add(self, out: ChunkOutput | PreparedChunk) -> None:
        """Reduce the next chunk (chunks must come in index order 0, 1, 2, …)."""
        prep = out if isinstance(out, PreparedChunk) else prepare_chunk(self.compiled, out)
        idx = prep.chunk.index
        if idx != self.next_index:
            raise ValueError(f"chunk {idx} arrived out of order; expected chunk {self.next_index}")
        self.next_index += 1
        self.n_paths += prep.chunk.size
        for k, v in prep.timings.items():
            self.timings[k] = self.timings.get(k, 0.0) + v
        frames = {TableName(name).value: frame for name, frame in prep.parts.items()}
        self.writer.write(frames)  # encoded to Parquet on the writer thread
        if self.keep_frames:
            for name, frame in frames.items():
                self.frames.setdefault(name, []).append(frame)
        for side, red in prep.reduced.items():
            self._add_side(Side(side), red)
        if self.claims is not None and prep.claims is not None:
            self.claims.append(prep.claims)

    def _add_side(self, side: Side, red: ReducedChunk) -> None:
        st = self.sides.setdefault(side, _SideState())
        for k, v in red.paths.items():
            self.columns.append((side, k), v)
        for k, v in red.sums.items():
            st.sums[k] = v.copy() if k not in st.sums else st.sums[k] + v
        if red.sample:
            st.samples.append(red.sample)

    # ---------------------------------------------------------------- results
    def reduced_columns(self, side: Side) -> Columns:
        """The run's reduced columns of ``side`` (PATHS columns memory-mapped from the spool)."""
        st = self.sides[side]
        sample = {k: np.concatenate([s[k] for s in st.samples], axis=0) for k in st.samples[0]} if st.samples else {}
        return Columns(_SpooledColumns(self.columns, side), self.n_paths, 0, sums=st.sums, sample=sample)

    def summary_tables(self) -> dict[TableName, pl.DataFrame]:
        """Every side's summary tables, from the reduced columns."""
        from fundsvc.simulation.sides import side_for

        out: dict[TableName, pl.DataFrame] = {}
        for side in self.sides:
            out.update(side_for(side).tables(self.compiled.models[side], self.reduced_columns(side),
                                             TableKind.SUMMARY))
        return out

    def headlines(self) -> pl.DataFrame:
        """Headline figures with standard errors, 95 % intervals and relative half-widths
        (:func:`fundsvc.simulation.uncertainty.headline_figures`), from the spooled PATHS columns
        (one column at a time): what ``--precision`` checks after each batch and every run stores."""
        from fundsvc.credit.engine.outputs import credit_entities
        from fundsvc.engine.venture.summary import equity_entities
        from fundsvc.simulation.uncertainty import headline_figures, headline_table

        eq_ents: tuple = ()
        cr_ents: tuple = ()
        pool_ids: tuple = ()
        if Side.VENTURE in self.sides:
            eq_ents = tuple(equity_entities(self.compiled.models[Side.VENTURE].fund_ids))
        if Side.CREDIT in self.sides:
            cm = self.compiled.models[Side.CREDIT]
            cr_ents = tuple(credit_entities(cm.banks, cm.pool_ids))
            pool_ids = tuple(cm.pool_ids)

        def load(key: str) -> np.ndarray:
            head, ent, col = key.split("/", 2)
            if head == "eq" and col == "end_sale_share":
                from fundsvc.engine.venture.summary import end_sale_share

                return end_sale_share(self.columns.load((Side.VENTURE, "end_sale_cny"), mmap=True),
                                      self.columns.load((Side.VENTURE, "gross_proceeds_cny"), mmap=True))
            if head == "eq":
                return np.asarray(self.columns.load((Side.VENTURE, col), mmap=True)[:, eq_ents.index(ent)], float)
            if col not in ("loss_year_1", "loss_horizon"):  # pool metrics: (n_paths, n_pools)
                j = pool_ids.index(ent.split(":", 1)[1])
                return np.asarray(self.columns.load((Side.CREDIT, col), mmap=True)[:, j], float)
            return np.asarray(self.columns.load((Side.CREDIT, col), mmap=True)[:, cr_ents.index(ent)], float)

        return headline_table(load, headline_figures(eq_ents, cr_ents, pool_ids))

    def close_files(self) -> dict[str, TableFile]:
        """Wait for the writer thread; the path-level Parquet files by table name (in registry order)."""
        if not self.files:
            written = self.writer.close()
            self.files = {n: written[n] for n in ARRAY_NAMES if n in written}
        return self.files

    def load_arrays(self) -> dict[str, pl.DataFrame]:
        """The path-level tables in memory (all chunks, in chunk order): the kept frames, or
        the files read back when frames were not kept."""
        if self.keep_frames:
            return {n: pl.concat(self.frames[n]) if len(self.frames[n]) > 1 else self.frames[n][0]
                    for n in ARRAY_NAMES if self.frames.get(n)}
        return {n: pl.read_parquet(f.path) for n, f in self.close_files().items()}

    def drop_columns(self) -> None:
        """Delete the column files, or free the in-memory columns (after the summaries are computed)."""
        self.columns._rows.clear()
        shutil.rmtree(self.columns.directory, ignore_errors=True)

    def discard(self) -> None:
        """Stop the writer and delete the whole spool directory."""
        if not self.files:
            self.writer.abort()
        shutil.rmtree(self.root, ignore_errors=True)
