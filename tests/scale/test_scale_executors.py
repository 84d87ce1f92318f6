"""The same scenario and seed give bit-identical results on every executor, for any number of
workers, whether or not the path tables are kept in memory, and whatever order chunks finish in."""

from __future__ import annotations

import random

import numpy as np
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from fundsvc.engine.sampling import chunk_plan
from fundsvc.simulation import Executor, run_simulation
from fundsvc.simulation.chunk import run_chunk
from fundsvc.simulation.reduce import ColumnSpool, RunReducer
from fundsvc.simulation.result import merge_chunks

KW = {"paths": 2400, "seed": 11, "chunk_size": 400, "fan_paths": 1000, "depletion_target": 0.1}


def assert_same(a, b):
    """Every table and every path-level array equal, bit for bit."""
    ta, tb = a.tables(), b.tables()
    assert set(ta) == set(tb)
    for k in ta:
        assert_frame_equal(ta[k], tb[k], check_exact=True)
    aa, ab = a.arrays(), b.arrays()
    assert set(aa) == set(ab) == {"equity_paths", "equity_indicators", "credit_paths", "equity_conditioning"}
    for k in aa:
        assert_frame_equal(aa[k], ab[k], check_exact=True)
    assert (a.seed, a.n_paths, a.chunk_size) == (b.seed, b.n_paths, b.chunk_size)


@pytest.fixture(scope="module")
def serial(quick_compiled):
    return run_simulation(quick_compiled, **KW)


def test_serial_result_is_complete(serial):
    t = serial.tables()
    assert {"equity_summary", "equity_fans", "equity_pacing", "equity_quantiles", "credit_loss_measures",
            "credit_pool_summary", "credit_pool_fans", "credit_depletion_by_year", "credit_pool_sizing"} <= set(t)
    assert serial.equity_paths.get_column("path").n_unique() == KW["paths"]
    assert serial.credit_paths.get_column("path").max() == KW["paths"] - 1
    assert (t["equity_summary"]["paths"] == KW["paths"]).all()


def test_processes_bit_identical(quick_compiled, serial):
    assert_same(serial, run_simulation(quick_compiled, executor=Executor.PROCESSES, workers=2, **KW))


def test_dask_local_cluster_bit_identical(quick_compiled, serial, dask_cluster):
    _cluster, client = dask_cluster
    done = []
    r = run_simulation(quick_compiled, executor=Executor.DASK, dask_client=client,
                       progress=lambda d, n: done.append((d, n)), **KW)
    assert done == [(i + 1, 6) for i in range(6)]
    assert r.executor == "dask"
    assert_same(serial, r)


def test_dask_by_address_from_settings(quick_compiled, serial, dask_cluster, monkeypatch):
    """``FUNDSVC_DASK_ADDRESS`` is the default scheduler address; the run streams to one Parquet file per table."""
    cluster, _client = dask_cluster
    monkeypatch.setenv("FUNDSVC_DASK_ADDRESS", cluster.scheduler_address)
    r = run_simulation(quick_compiled, executor="dask", keep_paths_in_memory=False, **KW)
    try:
        assert r.streamed and r.equity_paths is None
        (eq_file,) = r.array_files()["equity_paths"]  # one file written while simulating,
        assert pq.ParquetFile(eq_file).metadata.num_row_groups == 6  # one row group per chunk
        assert_same(serial, r)
        assert r.scan("credit_paths").select("path").collect().height == serial.credit_paths.height
    finally:
        r.discard_spool()
    assert not r.spool_dir.exists()


def test_streamed_equals_in_memory(quick_compiled, serial):
    r = run_simulation(quick_compiled, keep_paths_in_memory=False, **KW)
    try:
        assert_same(serial, r)
    finally:
        r.discard_spool()


def test_reduction_independent_of_arrival_order(quick_compiled, serial):
    """merge_chunks sorts by chunk index; the reducer itself refuses out-of-order chunks."""
    outs = [run_chunk(quick_compiled, serial.seed, c, KW["fan_paths"], True) for c in chunk_plan(KW["paths"], KW["chunk_size"])]
    shuffled = outs[:]
    random.Random(3).shuffle(shuffled)
    merged = merge_chunks(quick_compiled, shuffled, seed=serial.seed, chunk_size=KW["chunk_size"],
                          executor="serial", depletion_target=KW["depletion_target"])
    assert_same(serial, merged)
    red = RunReducer(quick_compiled)
    try:
        with pytest.raises(ValueError, match="out of order"):
            red.add(outs[1])
    finally:
        red.discard()


def test_other_seed_differs(quick_compiled, serial):
    other = run_simulation(quick_compiled, **{**KW, "seed": 12})
    a = serial.equity_summary()["tvpi_p50"].to_numpy()
    b = other.equity_summary()["tvpi_p50"].to_numpy()
    assert not np.array_equal(a, b)


def test_column_spool_roundtrip(tmp_path):
    sp = ColumnSpool(tmp_path)
    sp.append("a", np.arange(3.0))
    sp.append("a", np.arange(3.0, 5.0))
    sp.append("b", np.ones((2, 4), bool))
    assert np.array_equal(sp.load("a"), np.arange(5.0))
    assert sp.load("b", mmap=True).shape == (2, 4)
    with pytest.raises(ValueError, match="dtype"):
        sp.append("a", np.arange(2))
