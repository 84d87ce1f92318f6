"""Benchmark: the credit chunk kernel versus drawing one uniform per loan, year and path.

Usage::

    python bench/bench_credit.py [--loans N] [--paths M] [--years Y] [--json out.json]

Builds a synthetic book (``fundsvc.credit.engine.synthetic``: N loans, 70 % in a 4:4:2 pool with
a per-loan cap and a three-year lending programme), simulates the shared market factors once
(quarterly, aggregated to annual — not timed, the orchestrator does it once for both engines),
then times

* the baseline: ``numpy`` drawing N × M × Y float64 uniforms (``Generator.random`` into a
  reused block of about 4M numbers, the same PCG64 bit generator the kernel uses); the float32
  variant is reported too (the kernel draws float32 uniforms);
* the kernel: ``simulate_credit_chunk`` — defaults, exposures, recoveries, loss sharing, the
  lending cohorts and the pool stage, for all M paths (one chunk) — with the default sampler
  (``DefaultSampler.DENSE``: one uniform per loan and path) and with the option
  ``DefaultSampler.SKIP`` (geometric skipping, fewer uniforms than loans).

Each timing is repeated ``repeats`` times (interleaved, so load on a shared machine hits all
alike); the median is reported with the spread (min, max). Target (issue 17): kernel at most
0.5× the floor. Only the ratios are meaningful.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.compile import CreditSettings
from fundsvc.credit.engine.defaults import DefaultSampler
from fundsvc.credit.engine.synthetic import synthetic_scenario
from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, stream


def baseline_uniforms(n_loans: int, n_paths: int, n_years: int, seed: int = 0, block_elements: int = 1 << 22,
                      dtype=np.float64) -> float:
    """Seconds to draw one float64 uniform per loan, year and path.

    Drawn in cache-sized blocks of paths (about ``block_elements`` numbers, like the kernel) so
    the baseline is not slowed by allocating one huge array: the fastest plain numpy way."""
    rng = np.random.default_rng(seed)
    rows = max(1, block_elements // n_loans)
    out = np.empty((rows, n_loans), dtype)
    t0 = time.perf_counter()
    for _ in range(n_years):
        for p0 in range(0, n_paths, rows):
            r = min(rows, n_paths - p0)
            rng.random(out=out[:r], dtype=dtype)
    return time.perf_counter() - t0


def run(n_loans: int = 10_000, n_paths: int = 10_000, n_years: int = 5, seed: int = 11, repeats: int = 1) -> dict:
    """Time the kernel (both samplers) and the baseline; return medians, spreads, ratios and a
    few result figures."""
    scenario = synthetic_scenario(n_loans, seed=seed, horizon_years=n_years)
    t0 = time.perf_counter()
    model = compile_credit(scenario)
    t_compile = time.perf_counter() - t0
    skip_model = compile_credit(scenario, settings=CreditSettings(default_sampler=DefaultSampler.SKIP))
    market = simulate_market(scenario.market, n_paths, 4 * n_years, 4, stream(seed, 0, Component.FACTORS)).annual()
    times: dict[str, list[float]] = {"base": [], "base32": [], "kern": [], "skip": []}
    chunk = skip_chunk = None
    for _ in range(repeats):
        times["base"].append(baseline_uniforms(n_loans, n_paths, n_years, seed))
        times["base32"].append(baseline_uniforms(n_loans, n_paths, n_years, seed, dtype=np.float32))
        t0 = time.perf_counter()
        chunk = simulate_credit_chunk(model, market, seed, 0)
        times["kern"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        skip_chunk = simulate_credit_chunk(skip_model, market, seed, 0)
        times["skip"].append(time.perf_counter() - t0)
    med = {k: float(np.median(v)) for k, v in times.items()}
    ratios = [k / b for k, b in zip(times["kern"], times["base"])]
    d_dense, d_skip = chunk.n_defaults.sum(axis=1), skip_chunk.n_defaults.sum(axis=1)
    return {
        "loans": n_loans, "paths": n_paths, "years": n_years, "repeats": repeats,
        "baseline_uniforms_s": med["base"], "kernel_s": med["kern"], "ratio": float(np.median(ratios)),
        "ratio_min": min(ratios), "ratio_max": max(ratios),
        "kernel_skip_s": med["skip"], "ratio_skip": med["skip"] / med["base"],
        "skip_speedup_vs_dense": med["kern"] / med["skip"],
        "timings_s": times, "compile_s": t_compile,
        "baseline_float32_s": med["base32"], "ratio_vs_float32": med["kern"] / med["base32"],
        "defaults_per_path": float(d_dense.mean()),
        "defaults_per_path_se": float(d_dense.std(ddof=1) / np.sqrt(d_dense.size)),
        "defaults_per_path_skip": float(d_skip.mean()),
        "defaults_per_path_skip_se": float(d_skip.std(ddof=1) / np.sqrt(d_skip.size)),
        "pool_payout_mean_cny": float(chunk.pool_payout.sum(axis=(1, 2)).mean()),
        "p_depleted": float(chunk.pool_depleted.any(axis=2).mean()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=10_000)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", type=str, default=None)
    a = ap.parse_args(argv)
    res = run(a.loans, a.paths, a.years, repeats=a.repeats)
    print(f"{a.loans:,} loans × {a.paths:,} paths × {a.years} years (pools and lending programme included)")
    print(f"  baseline (numpy, one uniform per loan-year-path): {res['baseline_uniforms_s']:.2f} s (median of {a.repeats})")
    print(f"  credit kernel (default DENSE sampler):            {res['kernel_s']:.2f} s")
    print(f"  credit kernel (SKIP sampler):                     {res['kernel_skip_s']:.2f} s")
    print(f"  ratio kernel / baseline: {res['ratio']:.2f} (spread {res['ratio_min']:.2f}-{res['ratio_max']:.2f}; target <= 0.5); "
          f"SKIP {res['ratio_skip']:.2f}")
    print(f"  (for reference: float32 uniforms {res['baseline_float32_s']:.2f} s, ratio {res['ratio_vs_float32']:.2f})")
    print(f"  book defaults per path {res['defaults_per_path']:.1f} ± {res['defaults_per_path_se']:.1f} "
          f"(SKIP {res['defaults_per_path_skip']:.1f} ± {res['defaults_per_path_skip_se']:.1f}), "
          f"mean pool payout {res['pool_payout_mean_cny'] / 1e6:.1f} m CNY, P(depletion) {res['p_depleted']:.3f}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
