"""Benchmark: vectorised IRR (fundsvc.metrics.irr) versus a per-path loop over pyxirr.irr.

Usage::

    python bench/bench_irr.py [--paths N] [--baseline-paths M] [--seed S] [--json out.json]

Generates venture-like quarterly cash flows (60 quarters; capital calls early, management fees
for ten years, heavy-tailed distributions later, residual NAV at the end) for N paths with a
fixed seed, times :func:`fundsvc.metrics.irr` over all N, and times ``pyxirr.irr`` in a Python
loop over the first M paths (all of them when N <= M). When M < N the loop's cost is
extrapolated linearly to N paths (its cost per path does not depend on N) — the report says so.
It reports the wall-clock speed ratio (the figure of merit), the CPU-time ratio (steadier when
other processes share the machine) and the largest absolute difference in the per-quarter rate
over paths where both converge. ``run(paths)`` returns the same numbers as a dict for other bench
entry points. Timings come from one run on this machine; only the ratio is meaningful.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from fundsvc.metrics import irr_result

N_QUARTERS = 60
DEFAULT_BASELINE_PATHS = 20_000


def venture_flows(n_paths: int, seed: int = 20240601, n_quarters: int = N_QUARTERS) -> np.ndarray:
    """Investor-signed quarterly cash flows of venture-like funds, shape (n_paths, n_quarters).

    Commitment 100 (CNY units). Calls draw 8-25 % of the uncalled commitment per quarter for
    the first six years; a management fee of 0.5 per quarter is called for ten years; the fund
    returns a lognormal multiple (median about 1.5x, sigma 0.9, so about a third of paths lose
    money) spread over quarters 12-59 around a random peak; 0-30 % of value is still NAV at the
    end and is added to the last flow. Calls after the first distributions give many paths
    several sign changes, as in real fund cash flows.
    """
    rng = np.random.default_rng(seed)
    q = np.arange(n_quarters, dtype=np.float64)
    call_rate = rng.uniform(0.08, 0.25, size=(n_paths, 1))
    investing = q < 24
    uncalled = 95.0 * (1.0 - call_rate) ** q
    calls = np.where(investing, uncalled * call_rate, 0.0)
    calls *= rng.uniform(0.5, 1.5, size=(n_paths, n_quarters))
    calls += np.where(q < 40, 0.5, 0.0)
    multiple = np.exp(rng.normal(np.log(1.5), 0.9, size=(n_paths, 1)))
    peak = rng.uniform(20.0, 44.0, size=(n_paths, 1))
    width = rng.uniform(4.0, 12.0, size=(n_paths, 1))
    shape = np.exp(-0.5 * ((q - peak) / width) ** 2) * (q >= 12)
    shape *= rng.exponential(1.0, size=(n_paths, n_quarters))
    shape /= shape.sum(axis=1, keepdims=True)
    total_value = multiple * calls.sum(axis=1, keepdims=True)
    residual = rng.uniform(0.0, 0.3, size=(n_paths, 1))
    flows = total_value * (1.0 - residual) * shape - calls
    flows[:, -1] += (total_value * residual)[:, 0]
    return flows


def _pyxirr_loop(flows: np.ndarray) -> np.ndarray:
    import pyxirr

    out = np.empty(flows.shape[0])
    for i, row in enumerate(flows):
        r = pyxirr.irr(row)
        out[i] = np.nan if r is None else r
    return out


def run(paths: int, baseline_paths: int = DEFAULT_BASELINE_PATHS, seed: int = 20240601) -> dict:
    """Time both implementations on ``paths`` venture-like paths; return the numbers as a dict."""
    flows = venture_flows(paths, seed)
    irr_result(flows[:1000])                      # warm-up (imports, BLAS threads)
    t0, c0 = time.perf_counter(), time.process_time()
    ours = irr_result(flows)
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0

    m = min(paths, baseline_paths)
    t0, c0 = time.perf_counter(), time.process_time()
    ref = _pyxirr_loop(flows[:m])
    t_ref_sample, c_ref_sample = time.perf_counter() - t0, time.process_time() - c0
    t_ref = t_ref_sample * paths / m
    c_ref = c_ref_sample * paths / m

    rate = ours.rate[:m]
    both = np.isfinite(rate) & np.isfinite(ref)
    diff = np.abs(rate[both] - ref[both])
    return {
        "paths": paths,
        "n_quarters": flows.shape[1],
        "seed": seed,
        "ours_seconds": t_ours,
        "ours_ok_paths": int(ours.ok.sum()),
        "ours_status_counts": {s.name: n for s, n in ours.counts().items()},
        "pyxirr_paths_timed": m,
        "pyxirr_seconds_timed": t_ref_sample,
        "pyxirr_seconds_for_all_paths": t_ref,
        "pyxirr_extrapolated": m < paths,
        "speed_ratio": t_ref / t_ours,
        "ours_cpu_seconds": c_ours,
        "pyxirr_cpu_seconds_for_all_paths": c_ref,
        "cpu_time_ratio": c_ref / c_ours,
        "compared_paths": int(both.sum()),
        "only_pyxirr_converged": int((np.isfinite(ref) & ~np.isfinite(rate)).sum()),
        "only_ours_converged": int((np.isfinite(rate) & ~np.isfinite(ref)).sum()),
        "max_abs_diff": float(diff.max()) if diff.size else float("nan"),
        "paths_diff_above_1e-8": int((diff > 1e-8).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--baseline-paths", type=int, default=DEFAULT_BASELINE_PATHS)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args(argv)
    res = run(args.paths, args.baseline_paths, args.seed)
    extrap = " (extrapolated from the timed subsample)" if res["pyxirr_extrapolated"] else ""
    print(f"paths x quarters       : {res['paths']:,} x {res['n_quarters']}")
    print(f"fundsvc irr (all)      : {res['ours_seconds']:.3f} s, statuses {res['ours_status_counts']}")
    print(f"pyxirr loop            : {res['pyxirr_seconds_timed']:.3f} s for "
          f"{res['pyxirr_paths_timed']:,} paths -> {res['pyxirr_seconds_for_all_paths']:.2f} s "
          f"for all{extrap}")
    print(f"speed ratio (wall)     : {res['speed_ratio']:.1f}x")
    print(f"CPU-time ratio         : {res['cpu_time_ratio']:.1f}x (ours {res['ours_cpu_seconds']:.2f} s "
          f"CPU, pyxirr {res['pyxirr_cpu_seconds_for_all_paths']:.2f} s; less sensitive to other "
          "load on a shared machine)")
    print(f"max |diff| where both  : {res['max_abs_diff']:.3e} over {res['compared_paths']:,} "
          f"paths ({res['paths_diff_above_1e-8']} above 1e-8; only pyxirr converged: "
          f"{res['only_pyxirr_converged']}, only ours: {res['only_ours_converged']})")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
