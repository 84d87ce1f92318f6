"""The faster merge/store path gives the same numbers and files as the reference ways.

* :func:`fundsvc.simulation.quantiles.nanquantile_columns` against ``np.nanquantile`` (the
  reference), bit for bit, on random columns with NaNs, ties, all-NaN columns and edge quantiles;
* :class:`fundsvc.simulation.table_writer.TableWriter` writes each table once, one row group per
  chunk, and re-raises a failure of its thread;
* a stored run's artifact is the written file itself (same rows as the in-memory table).
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from fundsvc.simulation.quantiles import nanquantile_columns
from fundsvc.simulation.registry import GRID
from fundsvc.simulation.table_writer import TableWriter


def _reference(a, q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(a, q, axis=0)


@pytest.mark.parametrize("seed", range(4))
def test_nanquantile_columns_equals_numpy(seed):
    rng = np.random.default_rng(seed)
    grids = [np.asarray(GRID), np.linspace(0.0, 1.0, 101), np.array([0.0, 1.0, 0.5, 1e-9, 0.999])]
    for trial in range(60):
        n, m = int(rng.integers(1, 2500)), int(rng.integers(1, 7))
        a = rng.standard_normal((n, m)) * 10.0 ** rng.uniform(-3, 12)
        if trial % 3 == 0:
            a = np.round(a)  # ties
        if trial % 2:
            a[rng.random(a.shape) < rng.uniform(0, 0.9)] = np.nan
        if trial % 5 == 0:
            a[:, 0] = np.nan  # an all-NaN column (a step before the first call)
        for q in grids:
            ref, fast = _reference(a, q), nanquantile_columns(a, q)
            assert ref.shape == fast.shape
            assert np.array_equal(ref, fast, equal_nan=True)


def test_table_writer_one_file_row_group_per_chunk(tmp_path):
    w = TableWriter(tmp_path)
    chunks = [pl.DataFrame({"path": np.arange(i * 3, i * 3 + 3), "x": np.arange(3) * 0.5 + i}) for i in range(4)]
    for c in chunks:
        w.write({"t": c})
    files = w.close()
    assert files["t"].n_rows == 12
    assert pq.ParquetFile(files["t"].path).metadata.num_row_groups == 4
    assert_frame_equal(pl.read_parquet(files["t"].path), pl.concat(chunks), check_exact=True)


def test_table_writer_reraises_a_failure(tmp_path):
    w = TableWriter(tmp_path)
    w.write({"t": pl.DataFrame({"path": [0, 1]})})
    w.write({"t": pl.DataFrame({"other": ["a"]})})  # schema differs from the file's: the thread fails
    with pytest.raises(RuntimeError, match="writing the path-level tables failed"):
        for _ in range(20):  # the failure surfaces on a later write or at close
            w.write({"t": pl.DataFrame({"path": [2]})})
        w.close()


def test_stored_artifact_is_the_written_file(store):
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store

    stored = simulate_and_store(store, load_scenario(resolve_scenario("quick")), paths=1200, seed=5, chunk_size=500)
    r = stored.result
    assert not r.spool_dir.exists()  # the spool is gone once the run is stored
    for name in ("equity_paths", "credit_paths"):
        a = store.runs.load_array(stored.run_id, name)
        assert_frame_equal(a, getattr(r, name), check_exact=True)
        path = store.runs.artifact_path(stored.run_id, name)
        assert pq.ParquetFile(path).metadata.num_row_groups == 3  # 500 + 500 + 200 paths: written once
