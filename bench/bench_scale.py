"""Benchmark: peak memory of a streamed run, and Dask throughput with 1 and 2 workers.

Usage::

    python bench/bench_scale.py memory --paths 1000000 [--side whole|equity] [--sizing] [--scenario NAME] [--chunk C]
    python bench/bench_scale.py dask --paths 60000 [--scenario NAME] [--chunk C]
    python bench/bench_scale.py store --paths 100000 [--scenario NAME] [--chunk C]
    python bench/bench_scale.py cli --paths 10000 [--scenario NAME]

``memory`` runs the scenario serially in *this* process with the streaming reducer (path tables
to Parquet parts, summaries from column files) and prints one JSON line with the process's peak
resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, interpreter and libraries included). The
``equity`` side drops the scenario's loans and pools. ``--sizing`` also sizes the pools as the
CLI does by default (``fundsvc simulate``'s ``--depletion-target`` 0.05: initial balance and annual
top-up per pool on the run's own claims, spooled to disk by
:mod:`fundsvc.credit.pools.claim_spool`). :func:`memory` runs it in a fresh subprocess so that
each measurement has its own high-water mark.

``dask`` starts a ``LocalCluster`` with 1, then 2 single-threaded worker processes (without
Dask's ``MALLOC_TRIM_THRESHOLD_`` worker setting, see :data:`WORKER_CONFIG`), warms each
up with a small run, and times the same streamed run on both; throughput = paths per second of
wall time (the client's reduction included). The results of both runs are compared bit for bit.

``store`` times ``simulate_and_store`` phase by phase (simulate, merge, store; pool sizing apart)
with the CLI's workers rule: merge + store against the simulation's wall time is the issue-17
target (≤ 15 %). ``cli`` times ``fundsvc simulate`` end to end in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CLI_DEPLETION_TARGET = 0.05
"""``fundsvc simulate``'s default ``--depletion-target`` (fundsvc/cli/simulate.py): pool sizing on."""


WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Dask's default ``MALLOC_TRIM_THRESHOLD_=65536`` for worker processes also pins glibc's mmap
threshold, so every large temporary array is mmap'ed and page-faulted afresh: the chunk kernels
ran 2-3× slower on a worker than in a plain process. Unset for the benchmark cluster (see
bench/README.md)."""


def _compiled(scenario: str, side: str = "whole"):
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation import compile_scenario

    s = load_scenario(resolve_scenario(scenario)).scenario
    if side == "equity":
        s = s.model_copy(update={"loans": [], "pools": []})
    return compile_scenario(s)


def peak_rss_mb() -> float:
    """This process's own peak resident set (``VmHWM`` in /proc/self/status), in MB.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries ``ru_maxrss`` across ``execve``, so a
    child started by a large parent reports the parent's peak (which made every run look equal).
    ``VmHWM`` belongs to the address space, which ``execve`` replaces.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def memory_child(scenario: str, paths: int, side: str, chunk: int, seed: int = 20260101, sizing: bool = False) -> dict:
    """Run in this process; return peak RSS and timings (call in a fresh process).

    ``sizing``: size the pools as the CLI does by default (:data:`CLI_DEPLETION_TARGET`)."""

    from fundsvc.simulation import run_simulation

    base_mb = peak_rss_mb()
    compiled = _compiled(scenario, side)
    t0 = time.perf_counter()
    r = run_simulation(compiled, paths=paths, seed=seed, chunk_size=chunk, keep_paths_in_memory=False,
                       depletion_target=CLI_DEPLETION_TARGET if sizing else None)
    wall = time.perf_counter() - t0
    summary = r.equity_summary()
    spool_mb = sum(p.stat().st_size for parts in r.array_parts.values() for p in parts) / 2**20
    out = {
        "scenario": scenario, "side": side, "paths": paths, "chunk": chunk, "sizing": sizing,
        "peak_rss_mb": peak_rss_mb(),
        "import_rss_mb": base_mb,
        "wall_s": wall, "paths_per_s": paths / wall,
        "parquet_parts_mb": spool_mb,
        "guidance_tvpi_p50": float(summary.filter(summary["entity"] == "guidance")["tvpi_p50"][0])
        if summary.height else None,
    }
    if sizing:
        sz = r.credit_tables.get("pool_sizing")
        out["pool_sizing_s"] = r.timings.get("merge_pool_sizing")
        out["pool_sizing"] = sz.to_dicts() if sz is not None else None
    r.discard_spool()
    return out


def memory(scenario: str, paths: int, side: str = "whole", chunk: int = 10_000, sizing: bool = False) -> dict:
    """:func:`memory_child` in a fresh subprocess (its own peak RSS)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "memory", "--scenario", scenario, "--paths", str(paths),
           "--side", side, "--chunk", str(chunk), *(["--sizing"] if sizing else [])]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        return {"scenario": scenario, "side": side, "paths": paths, "sizing": sizing, "error": proc.stderr[-2000:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["subprocess_wall_s"] = time.perf_counter() - t0
    return res


def dask_throughput(scenario: str, paths: int, chunk: int, seed: int = 20260101, warmup_paths: int | None = None) -> dict:
    """Paths per second on a LocalCluster with 1 and with 2 workers (same run, compared bit for bit)."""
    import dask
    import distributed
    from polars.testing import assert_frame_equal

    from fundsvc.simulation import Executor, run_simulation

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    compiled = _compiled(scenario)
    out: dict = {"scenario": scenario, "paths": paths, "chunk": chunk}
    results = {}
    for n in (1, 2):
        with dask.config.set(WORKER_CONFIG), distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=40) as cluster, distributed.Client(cluster) as client:
            warm = warmup_paths or 2 * n * chunk
            run_simulation(compiled, paths=warm, seed=seed + 1, chunk_size=chunk, executor=Executor.DASK,
                           dask_client=client, keep_paths_in_memory=False).discard_spool()
            t0 = time.perf_counter()
            r = run_simulation(compiled, paths=paths, seed=seed, chunk_size=chunk, executor=Executor.DASK,
                               dask_client=client, keep_paths_in_memory=False)
            wall = time.perf_counter() - t0
        out[f"workers_{n}_wall_s"] = wall
        out[f"workers_{n}_paths_per_s"] = paths / wall
        results[n] = r
    out["speedup_2_vs_1"] = out["workers_2_paths_per_s"] / out["workers_1_paths_per_s"]
    same = True
    for k, v in results[1].tables().items():
        try:
            assert_frame_equal(v, results[2].tables()[k], check_exact=True)
        except AssertionError:
            same = False
    out["bit_identical_1_vs_2"] = same
    for r in results.values():
        r.discard_spool()
    return out


MERGE_STAGES = ("merge_summaries", "merge_headlines", "merge_wait_writer")
"""Stages after the simulation that count as merge (pool sizing is reported on its own)."""


def store_phases(scenario: str, paths: int, chunk: int = 10_000, seed: int = 20260101,
                 workers: int | None = None, sizing: bool = False) -> dict:
    """Phase breakdown of ``simulate_and_store`` into a throw-away SQLite store, in this process.

    ``workers`` defaults to the CLI's rule (:func:`fundsvc.simulation.runner.default_workers`);
    ``sizing`` adds pool sizing on common random numbers (the CLI's default target 0.05).
    Returns seconds per phase and ``merge_store_share`` = (merge + store) / simulate wall, the
    issue's target (≤ 0.15).
    """
    import tempfile

    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.runner import default_workers
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    loaded = load_scenario(resolve_scenario(scenario))
    n_workers = workers if workers is not None else default_workers(paths, chunk)
    with tempfile.TemporaryDirectory(prefix="fundsvc-bench-store-") as tmp:
        with Store.open(get_settings(data_dir=Path(tmp) / "data"), upgrade=True) as store:
            t0 = time.perf_counter()
            stored = simulate_and_store(store, loaded, paths=paths, seed=seed, chunk_size=chunk, workers=n_workers,
                                        depletion_target=0.05 if sizing else None)
            wall = time.perf_counter() - t0
    t = stored.result.timings
    merge = sum(t.get(k, 0.0) for k in MERGE_STAGES)
    out = {"scenario": scenario, "paths": paths, "chunk": chunk, "workers": n_workers, "sizing": sizing,
           "wall_s": wall, "simulate_wall_s": t["simulate_wall"], "merge_s": merge, "store_s": t["store"],
           "pool_sizing_s": t.get("merge_pool_sizing", 0.0),
           **{f"{k}_s": t.get(k, 0.0) for k in MERGE_STAGES},
           "engine_stages_s": {k: v for k, v in t.items() if k in ("factors", "venture", "venture_columns", "credit",
                                                                  "credit_columns", "prepare")}}
    out["merge_store_share"] = (merge + t["store"]) / t["simulate_wall"]
    return out


def cli_wall(scenario: str, paths: int) -> dict:
    """End-to-end wall time of ``fundsvc simulate SCENARIO --paths N`` with the CLI's defaults
    (a fresh process, a throw-away data folder)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fundsvc-bench-cli-") as tmp:
        cmd = [sys.executable, "-c", "from fundsvc.cli.app import main; main()", "simulate", scenario,
               "--paths", str(paths), "--data-dir", str(Path(tmp) / "data")]
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"scenario": scenario, "paths": paths, "error": proc.stderr[-2000:]}
    return {"scenario": scenario, "paths": paths, "wall_s": wall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["memory", "dask", "store", "cli"])
    ap.add_argument("--scenario", default="hangzhou_baseline")
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--side", choices=["whole", "equity"], default="whole")
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--sizing", action="store_true", help="memory: size the pools as the CLI does by default")
    a = ap.parse_args(argv)
    if a.what == "memory":
        res = memory_child(a.scenario, a.paths, a.side, a.chunk, sizing=a.sizing)
    elif a.what == "store":
        res = store_phases(a.scenario, a.paths, a.chunk)
    elif a.what == "cli":
        res = cli_wall(a.scenario, a.paths)
    else:
        res = dask_throughput(a.scenario, a.paths, a.chunk)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
