"""Streaming reduction of chunk outputs: memory bounded by the chunk size, not by paths × steps.

A :class:`RunReducer` receives the chunks' outputs strictly in chunk order (the runner buffers
chunks that arrive early) and

* writes each chunk's path-level tables (``equity_paths``, ``equity_indicators``,
  ``credit_paths``) to a Parquet part file in the run's spool directory;
* appends the per-path scalars the summaries need (TVPI, DPI, IRR, loss flag and trough per
  entity; credit losses per entity and window; pool metrics; per-step pool quantities) to
  append-only binary column files, in chunk order;
* adds up mergeable sums (calls, distributions and NAV per entity and step; depletion counts per
  pool and year), in chunk order;
* keeps the fan-sample paths (the run's first ``fan_paths`` paths, a fixed number).

At the end, :meth:`RunReducer.finish` reads the column files back one (entity, measure) at a time
(8 MB per million paths) to compute exact quantiles, VaR/ES and means. Because every byte is
written in chunk order and every reduction runs on the same arrays, the result does not depend on
the executor, the number of workers or the order in which chunks finished.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.simulation.chunk import ChunkOutput, FanSample, run_chunk
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.uncertainty import (
    LOSS_MEASURE_SCHEMA,
    equity_error_frame,
    headline_figures,
    headline_table,
    loss_measure_rows,
    pool_error_columns,
)

ARRAY_NAMES: tuple[str, ...] = ("equity_paths", "equity_indicators", "credit_paths")
_EQ_COLS = ("tvpi", "dpi", "irr", "loss", "trough_cny")
_POOL_COLS = ("loss_horizon", "fiscal_cost", "fiscal_cost_pv", "leverage", "lending_multiple", "new_lending",
              "final_balance", "depleted")
_POOL_STEP_QUANTITIES = ("balance", "payout", "new_lending", "outstanding")


class ColumnSpool:
    """Append-only binary column files, one per key, in a directory.

    Each key holds an array of fixed dtype and trailing shape; :meth:`append` adds rows (paths),
    :meth:`load` returns all rows in the order they were appended.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._meta: dict[str, tuple[Path, np.dtype, tuple[int, ...], int]] = {}

    def append(self, key: str, values: np.ndarray) -> None:
        """Append rows ``values`` (shape (n, ...)) to column ``key``."""
        a = np.ascontiguousarray(values)
        if key not in self._meta:
            self._meta[key] = (self.directory / f"c{len(self._meta):05d}.bin", a.dtype, a.shape[1:], 0)
        path, dtype, tail, n = self._meta[key]
        if a.dtype != dtype or a.shape[1:] != tail:
            raise ValueError(f"column {key!r}: expected dtype {dtype} rows {tail}, got {a.dtype} {a.shape[1:]}")
        with open(path, "ab") as fh:
            a.tofile(fh)
        self._meta[key] = (path, dtype, tail, n + a.shape[0])

    def __contains__(self, key: str) -> bool:
        return key in self._meta

    def load(self, key: str, *, mmap: bool = False) -> np.ndarray:
        """All rows of column ``key``, shape (n_rows, ...)."""
        path, dtype, tail, n = self._meta[key]
        if mmap:
            return np.memmap(path, dtype=dtype, mode="r", shape=(n, *tail))
        return np.fromfile(path, dtype=dtype).reshape((n, *tail))


@dataclass
class _Sums:
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, part: dict[str, np.ndarray]) -> None:
        for k, v in part.items():
            self.values[k] = v.copy() if k not in self.values else self.values[k] + v


def summary_aggregations(quantiles: tuple[float, ...], names: tuple[str, ...]) -> list[pl.Expr]:
    """The polars aggregations of :meth:`SimulationResult.equity_summary` (per entity)."""
    aggs = []
    for col in ("tvpi", "dpi", "irr"):
        valid = pl.col(col).filter(pl.col(col).is_not_nan())
        aggs += [valid.quantile(q, interpolation="linear").alias(f"{col}_{n}") for q, n in zip(quantiles, names)]
    aggs += [
        pl.col("loss").mean().alias("p_loss"),
        pl.col("irr").is_nan().mean().alias("irr_undefined"),
        pl.col("trough_cny").median().alias("trough_median_path_cny"),
        pl.len().alias("paths"),
    ]
    return aggs


def irr_with_total_loss(df: pl.DataFrame | pl.LazyFrame):
    """IRR −100 % where a path lost everything (TVPI = 0) and the IRR is otherwise undefined."""
    return df.with_columns(
        pl.when(pl.col("irr").is_nan() & (pl.col("tvpi") == 0)).then(-1.0).otherwise(pl.col("irr")).alias("irr"))


@dataclass(frozen=True)
class PreparedChunk:
    """A chunk's output reduced, where it was computed, to what the run keeps: small to ship.

    Attributes
    ----------
    chunk : Chunk
    parts : dict of str to bytes
        Path-level tables (``equity_paths``, ``equity_indicators``, ``credit_paths``) encoded
        as Parquet (zstd).
    columns : list of (str, ndarray)
        Per-path scalars (and per-path, per-step pool quantities) to append to the run's column
        files, in order.
    sums : dict of ndarray
        Mergeable sums of the chunk (calls, distributions, NAV per entity and step).
    fan_sample : FanSample or None
    depletion : ndarray of int64 (2, n_pools, n_years) or None
        Paths depleted by the end of each year, and with a depletion event in that year.
    claims : ClaimSet or None
    timings : dict
    equity_entities, credit_entities : tuple of str
    credit_meta : dict or None
        ``pool_ids``, ``pool_initial``, ``n_steps``, ``steps_per_year`` of the credit side.
    """

    chunk: object
    parts: dict[str, bytes]
    columns: list
    sums: dict[str, np.ndarray]
    fan_sample: object | None
    depletion: np.ndarray | None
    claims: object | None
    timings: dict[str, float]
    equity_entities: tuple[str, ...] = ()
    credit_entities: tuple[str, ...] = ()
    credit_meta: dict | None = None


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()


def prepare_chunk(out: ChunkOutput) -> PreparedChunk:
    """Reduce a chunk's output to a :class:`PreparedChunk` (runs on the worker)."""
    t0 = time.perf_counter()
    parts: dict[str, bytes] = {}
    columns: list = []
    eq_ents: tuple[str, ...] = ()
    cr_ents: tuple[str, ...] = ()
    meta = None
    depletion = None
    if out.equity_paths is not None:
        ep = out.equity_paths
        parts["equity_paths"] = _parquet_bytes(ep)
        parts["equity_indicators"] = _parquet_bytes(out.equity_indicators)
        eq_ents = tuple(ep.get_column("entity").unique(maintain_order=True).to_list())
        for ent, sub in zip(eq_ents, ep.partition_by("entity", maintain_order=True)):
            columns += [(f"eq/{ent}/{col}", sub.get_column(col).to_numpy()) for col in _EQ_COLS]
    if out.credit is not None:
        from fundsvc.credit.engine.outputs import first_depletion_step, summarise_credit

        ch = out.credit
        cp = summarise_credit(ch).with_columns(pl.col("path").cast(pl.Int64) + out.chunk.start)
        parts["credit_paths"] = _parquet_bytes(cp)
        cr_ents = tuple(cp.get_column("entity").unique(maintain_order=True).to_list())
        for ent, sub in zip(cr_ents, cp.partition_by("entity", maintain_order=True)):
            columns += [(f"cr/{ent}/{w}", sub.get_column(w).to_numpy()) for w in ("loss_year_1", "loss_horizon")]
            if ent.startswith("pool:"):
                columns += [(f"cr/{ent}/{col}", sub.get_column(col).to_numpy()) for col in _POOL_COLS[1:]]
        spy, n_steps = ch.steps_per_year, ch.n_steps
        n_years = n_steps // spy
        meta = {"pool_ids": tuple(ch.pool_ids), "pool_initial": np.asarray(ch.pool_initial, float),
                "n_steps": n_steps, "steps_per_year": spy}
        first = first_depletion_step(ch)
        depletion = np.zeros((2, len(ch.pool_ids), n_years), np.int64)
        for j, p in enumerate(ch.pool_ids):
            columns += [(f"pf/{p}/balance", ch.pool_balance[:, j, 1:]), (f"pf/{p}/payout", ch.pool_payout[:, j]),
                        (f"pf/{p}/new_lending", ch.pool_new_lending[:, j]),
                        (f"pf/{p}/outstanding", ch.pool_outstanding[:, j])]
            for y in range(1, n_years + 1):
                depletion[0, j, y - 1] = int(((first[:, j] >= 0) & (first[:, j] < y * spy)).sum())
                depletion[1, j, y - 1] = int(ch.pool_depleted[:, j, (y - 1) * spy: y * spy].any(axis=1).sum())
    columns = [(k, np.ascontiguousarray(v)) for k, v in columns]
    timings = dict(out.timings)
    timings["prepare"] = time.perf_counter() - t0
    return PreparedChunk(chunk=out.chunk, parts=parts, columns=columns, sums=dict(out.equity_sums),
                         fan_sample=out.equity_fan_sample, depletion=depletion, claims=out.credit_claims,
                         timings=timings, equity_entities=eq_ents, credit_entities=cr_ents, credit_meta=meta)


def run_prepared(compiled: CompiledScenario, seed: int, chunk, fan_paths: int, keep_claims: bool = False) -> PreparedChunk:
    """:func:`~fundsvc.simulation.chunk.run_chunk` then :func:`prepare_chunk`: the executors' task."""
    return prepare_chunk(run_chunk(compiled, seed, chunk, fan_paths, keep_claims))


class RunReducer:
    """Accumulates chunk outputs in chunk order; see the module docstring.

    Parameters
    ----------
    compiled : CompiledScenario
    spool_dir : Path, optional
        Directory for the Parquet parts and column files (created; default a new temporary
        directory). Deleted by :meth:`discard` or, for in-memory results, by :meth:`finish`.
    keep_claims : bool
        Keep each chunk's credit claims in memory (pool sizing on common random numbers).
    """

    def __init__(self, compiled: CompiledScenario, *, spool_dir: Path | None = None, keep_claims: bool = False):
        self.compiled = compiled
        self.root = Path(spool_dir) if spool_dir is not None else Path(tempfile.mkdtemp(prefix=f"fundsvc-run-{os.getpid()}-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.columns = ColumnSpool(self.root / "columns")
        self.parts: dict[str, list[Path]] = {n: [] for n in ARRAY_NAMES}
        self.keep_claims = keep_claims
        self.next_index = 0
        self.n_paths = 0
        self.timings: dict[str, float] = {}
        self.sums = _Sums()
        self.fan_samples: list = []
        self.claims: list = []
        self.equity_entities: list[str] = []
        self.credit_entities: list[str] = []
        self.pool_ids: tuple[str, ...] = ()
        self.pool_initial: np.ndarray | None = None
        self.credit_steps: tuple[int, int] | None = None  # (n_steps, steps_per_year)
        self.depletion_counts: np.ndarray | None = None  # (2, n_pools, n_years) int64: by-year, in-year

    # ---------------------------------------------------------------- adding chunks
    def _write_part(self, name: str, data: bytes, index: int) -> None:
        d = self.root / "arrays" / name
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"part-{index:06d}.parquet"
        path.write_bytes(data)
        self.parts[name].append(path)

    def add(self, out: ChunkOutput | PreparedChunk) -> None:
        """Reduce the next chunk (chunks must come in index order 0, 1, 2, …)."""
        prep = out if isinstance(out, PreparedChunk) else prepare_chunk(out)
        idx = prep.chunk.index
        if idx != self.next_index:
            raise ValueError(f"chunk {idx} arrived out of order; expected chunk {self.next_index}")
        self.next_index += 1
        self.n_paths += prep.chunk.size
        for k, v in prep.timings.items():
            self.timings[k] = self.timings.get(k, 0.0) + v
        for name in ARRAY_NAMES:
            if name in prep.parts:
                self._write_part(name, prep.parts[name], idx)
        if prep.equity_entities:
            if not self.equity_entities:
                self.equity_entities = list(prep.equity_entities)
            elif list(prep.equity_entities) != self.equity_entities:
                raise ValueError("equity entities changed between chunks")
            self.sums.add(prep.sums)
            if prep.fan_sample is not None:
                self.fan_samples.append(prep.fan_sample)
        if prep.credit_meta is not None:
            if not self.credit_entities:
                self.credit_entities = list(prep.credit_entities)
                self.pool_ids = prep.credit_meta["pool_ids"]
                self.pool_initial = prep.credit_meta["pool_initial"]
                self.credit_steps = (prep.credit_meta["n_steps"], prep.credit_meta["steps_per_year"])
                self.depletion_counts = np.zeros_like(prep.depletion)
            elif list(prep.credit_entities) != self.credit_entities:
                raise ValueError("credit entities changed between chunks")
            self.depletion_counts += prep.depletion
        for key, values in prep.columns:
            self.columns.append(key, values)
        if self.keep_claims and prep.claims is not None:
            self.claims.append(prep.claims)

    # ---------------------------------------------------------------- results
    def equity_summary(self, quantiles: tuple[float, ...], names: tuple[str, ...]) -> pl.DataFrame:
        """Per entity P5…P95 of TVPI/DPI/IRR, P(loss), share of undefined IRRs, median trough,
        with Monte Carlo errors (:func:`fundsvc.simulation.uncertainty.equity_error_columns`)."""
        frames = []
        for ent in self.equity_entities:
            df = pl.DataFrame({col: self.columns.load(f"eq/{ent}/{col}") for col in _EQ_COLS})
            df = irr_with_total_loss(df.with_columns(pl.lit(ent).alias("entity")))
            agg = df.group_by("entity", maintain_order=True).agg(summary_aggregations(quantiles, names))
            frames.append(agg.join(equity_error_frame(df, quantiles, names), on="entity", how="left"))
            del df
        return pl.concat(frames)

    def pacing(self, dates: np.ndarray, fund_ids) -> pl.DataFrame:
        """Mean calls, distributions and NAV per entity and quarter over all paths (CNY)."""
        sums = self.sums.values
        entities = ["guidance", *fund_ids]
        n_steps = len(dates)
        n = self.n_paths
        return pl.DataFrame({
            "entity": np.repeat(np.array(entities, dtype=object), n_steps).astype(str),
            "step": np.tile(np.arange(n_steps, dtype=np.int64), len(entities)),
            "date": np.tile(dates.astype("datetime64[D]"), len(entities)),
            "mean_calls_cny": (sums["calls"] / n).ravel(),
            "mean_distributions_cny": (sums["distributions"] / n).ravel(),
            "mean_nav_cny": (sums["nav"] / n).ravel(),
        })

    def fan_sample(self):
        """The fan-sample paths as one :class:`FanSample`, or None."""
        return FanSample.concat(self.fan_samples) if self.fan_samples else None

    def loss_measures(self, levels) -> pl.DataFrame:
        """EL, UL, VaR, ES per credit entity and window, as ``fundsvc.credit.engine.outputs.loss_measures``,
        with ``se``, ``lo``, ``hi`` (:func:`fundsvc.simulation.uncertainty.loss_measure_rows`)."""
        rows = []
        for name in self.credit_entities:
            for window in ("year_1", "horizon"):
                rows += loss_measure_rows(name, window, self.columns.load(f"cr/{name}/loss_{window}"), levels)
        return pl.DataFrame(rows, schema=LOSS_MEASURE_SCHEMA, orient="row")

    def pool_summary(self) -> pl.DataFrame:
        """One row per pool, as ``fundsvc.credit.engine.outputs.pool_summary``."""
        rows = []
        n = self.n_paths
        for j, p in enumerate(self.pool_ids):
            c = {k: self.columns.load(f"cr/pool:{p}/{k}") for k in _POOL_COLS}
            pd_ = float(c["depleted"].mean())
            lev = c["leverage"]
            rows.append({
                "pool": p, "initial_balance": float(self.pool_initial[j]),
                "payouts_mean": float(c["loss_horizon"].mean()), "payouts_p95": float(np.quantile(c["loss_horizon"], 0.95)),
                "fiscal_cost_mean": float(c["fiscal_cost"].mean()),
                "fiscal_cost_p95": float(np.quantile(c["fiscal_cost"], 0.95)),
                "fiscal_cost_pv_mean": float(c["fiscal_cost_pv"].mean()),
                "leverage_mean": float(np.nanmean(lev)) if np.isfinite(lev).any() else float("nan"),
                "lending_multiple_mean": float(np.nanmean(c["lending_multiple"])),
                "new_lending_mean": float(c["new_lending"].mean()),
                "final_balance_mean": float(c["final_balance"].mean()),
                "p_depleted": pd_, "p_depleted_se": float(np.sqrt(pd_ * (1 - pd_) / n)),
                **pool_error_columns(c),
            })
        return pl.DataFrame(rows) if rows else pl.DataFrame()

    def pool_fans(self, quantiles) -> pl.DataFrame:
        """Quantiles per pool, quantity and step end, as ``fundsvc.credit.engine.outputs.pool_fans``
        (computed one step column at a time from the column files)."""
        q = np.asarray(quantiles, float)
        frames = []
        if self.credit_steps is None:
            n_steps, spy = 0, 1
        else:
            n_steps, spy = self.credit_steps
        t = (np.arange(n_steps) + 1) / spy
        for p in self.pool_ids:
            for name in _POOL_STEP_QUANTITIES:
                mm = self.columns.load(f"pf/{p}/{name}", mmap=True)
                vals = np.empty((q.size, n_steps))
                for s in range(n_steps):
                    vals[:, s] = np.quantile(np.ascontiguousarray(mm[:, s]), q)
                del mm
                frames.append(pl.DataFrame({
                    "pool": p, "step": np.tile(np.arange(n_steps), q.size),
                    "year": np.tile(t, q.size), "quantity": name,
                    "quantile": np.repeat(q, n_steps), "value": vals.reshape(-1)}))
        if not frames:
            return pl.DataFrame(schema={"pool": pl.Utf8, "step": pl.Int64, "year": pl.Float64, "quantity": pl.Utf8,
                                        "quantile": pl.Float64, "value": pl.Float64})
        return pl.concat(frames)

    def depletion_by_year(self) -> pl.DataFrame:
        """P(depleted by end of year y) with its binomial s.e., P(event in year y), per pool."""
        rows = []
        n = self.n_paths
        for j, p in enumerate(self.pool_ids):
            for y in range(1, self.depletion_counts.shape[2] + 1):
                by = self.depletion_counts[0, j, y - 1] / n
                ev = self.depletion_counts[1, j, y - 1] / n
                rows.append((p, y, float(by), float(np.sqrt(by * (1 - by) / n)), float(ev)))
        return pl.DataFrame(rows, schema={"pool": pl.Utf8, "year": pl.Int64, "p_depleted_by": pl.Float64,
                                          "se": pl.Float64, "p_event_in_year": pl.Float64}, orient="row")

    def headlines(self) -> pl.DataFrame:
        """Headline figures with standard errors, 95 % intervals and relative half-widths
        (:func:`fundsvc.simulation.uncertainty.headline_figures`)."""
        figs = headline_figures(self.equity_entities, self.credit_entities, self.pool_ids)
        return headline_table(self.columns.load, figs)

    def load_arrays(self) -> dict[str, pl.DataFrame]:
        """The path-level tables read back into memory (all parts, in chunk order)."""
        return {n: pl.read_parquet(parts) if len(parts) > 1 else pl.read_parquet(parts[0])
                for n, parts in self.parts.items() if parts}

    def drop_columns(self) -> None:
        """Delete the column files (after the summaries are computed)."""
        shutil.rmtree(self.columns.directory, ignore_errors=True)

    def discard(self) -> None:
        """Delete the whole spool directory."""
        shutil.rmtree(self.root, ignore_errors=True)
