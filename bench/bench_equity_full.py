"""The whole equity simulation of the baseline vs the RNG floor, in one run.

Whole equity simulation = ``simulate_equity_chunk`` on the baseline's guidance fund and all its
sub-funds (deal kernel, Takahashi–Alexander funds, fees, waterfalls, 让利, buy-outs, guidance
aggregation), on the same factor paths. Floor = the time numpy needs to draw one uniform per
deal per quarter per path (same sizes, same run). Target (issue 3): at most 10×.

    python bench/bench_equity_full.py [--paths 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def run(paths: int = 10_000, repeats: int = 3, seed: int = 1) -> dict:
    from fundsvc.engine.factors import simulate_market
    from fundsvc.engine.sampling import Component, stream
    from fundsvc.engine.venture.equity import simulate_equity_chunk
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation import compile_scenario

    s = load_scenario(resolve_scenario("hangzhou_baseline")).scenario
    compiled = compile_scenario(s.model_copy(update={"loans": [], "pools": []}))
    eq = compiled.equity
    market = simulate_market(s.market, paths, compiled.n_factor_steps, 4, stream(seed, 0, Component.FACTORS))
    n_deals = sum(f.programme.n_deals for f in eq.funds if f.programme is not None)
    n_uniforms = paths * n_deals * eq.n_steps
    rng = np.random.default_rng(seed)
    floor, whole = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        rng.random(n_uniforms)
        floor.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        simulate_equity_chunk(eq, market, seed, 0)
        whole.append(time.perf_counter() - t0)
    return {
        "scenario": "hangzhou_baseline", "paths": paths, "n_funds": len(eq.funds), "n_deals": n_deals,
        "n_steps": eq.n_steps, "floor_seconds": min(floor), "equity_seconds": min(whole),
        "ratio": min(whole) / min(floor), "repeats": repeats,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(json.dumps(run(a.paths, a.repeats), indent=1))


if __name__ == "__main__":
    main()
