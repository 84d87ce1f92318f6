"""The whole equity simulation of the baseline vs the RNG floor, in one run.

Whole equity simulation = ``simulate_equity_chunk`` on the baseline's guidance fund and all its
sub-funds (deal kernel, Takahashi–Alexander funds, fees, waterfalls, 让利, buy-outs, guidance
aggregation), on the same factor paths. Floor = the time numpy needs to draw one uniform per
deal per quarter per path (same sizes, same run), three ways:

* ``floor_seconds`` (the ratio's floor, as issue 17 measured it): ``rng.random(n)`` into a fresh
  array of all ``n = paths × deals × quarters`` uniforms (about 1 GB at 10,000 paths, so the
  operating system's cost of handing out that memory is part of it);
* ``floor_prealloc_seconds``: the same uniforms drawn into an array allocated beforehand (the
  generator alone);
* ``floor_per_quarter_seconds``: one ``rng.random((paths, deals))`` per quarter, as a per-step
  kernel would draw them (bench_equity_deals.py's baseline).

Each is repeated ``repeats`` times alternately with the simulation; the ratios use the median,
the spread is reported (``*_all`` lists). Target (issue 17): at most 1.0× ``floor_seconds``.

    python bench/bench_equity_full.py [--paths 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


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
    times: dict[str, list[float]] = {"floor": [], "floor_prealloc": [], "floor_per_quarter": [], "equity": []}
    for _ in range(repeats):
        times["floor"].append(_timed(lambda: rng.random(n_uniforms)))
        buf = np.empty(n_uniforms)
        buf.fill(0.0)  # touch the memory before timing
        times["floor_prealloc"].append(_timed(lambda buf=buf: rng.random(out=buf)))
        del buf
        times["floor_per_quarter"].append(_timed(lambda: [rng.random((paths, n_deals)) for _ in range(eq.n_steps)]))
        times["equity"].append(_timed(lambda: simulate_equity_chunk(eq, market, seed, 0)))
    med = {k: float(np.median(v)) for k, v in times.items()}
    return {
        "scenario": "hangzhou_baseline", "paths": paths, "n_funds": len(eq.funds), "n_deals": n_deals,
        "n_steps": eq.n_steps, "repeats": repeats,
        "floor_seconds": med["floor"], "equity_seconds": med["equity"],
        "ratio": med["equity"] / med["floor"],
        "floor_prealloc_seconds": med["floor_prealloc"], "ratio_prealloc": med["equity"] / med["floor_prealloc"],
        "floor_per_quarter_seconds": med["floor_per_quarter"],
        "ratio_per_quarter": med["equity"] / med["floor_per_quarter"],
        **{f"{k}_all": v for k, v in times.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print(json.dumps(run(a.paths, a.repeats), indent=1))


if __name__ == "__main__":
    main()
