"""Benchmark: deal-level equity kernel versus drawing one uniform per deal per quarter per path.

Usage::

    python bench/bench_equity_deals.py [--paths N] [--chunk C] [--repeats R] [--scenario FILE]
                                       [--memory-paths M] [--json out.json]

For the deal-level sub-funds of the scenario (default ``scenarios/hangzhou_baseline.toml``,
else ``scenarios/quick.toml``), per chunk of ``C`` paths:

* the market factors are simulated once (timed separately, not part of the ratio);
* ``simulate_deals`` runs for every deal-level sub-fund (the *kernel* time);
* the *baseline* draws ``rng.random((C, n_deals))`` for every quarter of the horizon for each
  sub-fund — one uniform per deal per quarter per path, in the same chunking.

Kernel and baseline are timed alternately, ``R`` times, and the fastest of each is kept (the
machine is shared; the minimum is the least disturbed measurement). The ratio is
kernel ÷ baseline; the issue's budget for the whole equity simulation is 10×, and this part
aims at 5×.

Memory: ``--memory-paths`` (e.g. 1,000,000) runs that many paths in chunks of ``C``, keeping
only per-path summaries (gross TVPI per sub-fund and path, float64), and reports the peak
resident set size of the process (``resource.getrusage``, which includes the interpreter and
libraries). ``run(paths)`` returns the numbers as a dict.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.grid import TimeGrid
from fundsvc.engine.sampling import Component, chunk_plan, stream, sub_key
from fundsvc.engine.venture.deal_programme import compile_deals
from fundsvc.engine.venture.deals import simulate_deals
from fundsvc.engine.venture.fund import investable_capital
from fundsvc.inputs import load_scenario
from models.venture import SubFundMode

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIOS = (ROOT / "scenarios" / "hangzhou_baseline.toml", ROOT / "scenarios" / "quick.toml")


def programmes(scenario_path: Path | None = None):
    """Load the scenario and compile its deal-level sub-funds; returns (scenario, programmes)."""
    path = scenario_path or next(p for p in DEFAULT_SCENARIOS if p.exists())
    sc = load_scenario(path).scenario
    grid = TimeGrid.venture_grid(sc)
    progs = []
    for sf in sc.sub_funds:
        if sf.mode is not SubFundMode.DEAL_LEVEL:
            continue
        progs.append(compile_deals(
            sf, sc.stage_profile(sf.stage_profile), tuple(sc.market.sectors), grid.n_steps,
            max(grid.step_of(sf.vintage), 0), investable_capital(sf), grid.steps_per_year,
            exit_regime=sc.market.regime,
        ))
    return path, sc, progs


def _time(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def timing(paths: int, chunk: int, repeats: int, scenario_path: Path | None = None, seed: int = 7) -> dict:
    """Kernel vs baseline timing over ``paths`` paths in chunks of ``chunk``."""
    path, sc, progs = programmes(scenario_path)
    n_steps = progs[0].n_steps
    kernel = baseline = market_t = 0.0
    for ch in chunk_plan(paths, chunk):
        t0 = time.perf_counter()
        market = simulate_market(sc.market, ch.size, n_steps, 4, stream(seed, ch.index, Component.FACTORS))
        market_t += time.perf_counter() - t0
        for prog in progs:
            best_k = best_b = np.inf
            for _ in range(repeats):
                rng = stream(seed, ch.index, Component.VENTURE, sub_key(prog.sub_fund_id))
                best_k = min(best_k, _time(lambda prog=prog, market=market, rng=rng: simulate_deals(prog, market, rng)))
                rng_b = stream(seed, ch.index, Component.WHAT_IF, sub_key(prog.sub_fund_id))
                shape = (ch.size, prog.n_deals)
                best_b = min(best_b, _time(lambda rng_b=rng_b, shape=shape: [rng_b.random(shape) for _ in range(n_steps)]))
            kernel += best_k
            baseline += best_b
    return {
        "scenario": path.name,
        "paths": paths,
        "chunk": chunk,
        "n_funds": len(progs),
        "n_deals_total": int(sum(p.n_deals for p in progs)),
        "n_steps": n_steps,
        "kernel_seconds": kernel,
        "baseline_seconds": baseline,
        "ratio": kernel / baseline,
        "market_seconds": market_t,
        "ratio_with_market": (kernel + market_t) / baseline,
    }


def memory(paths: int, chunk: int, scenario_path: Path | None = None, seed: int = 7) -> dict:
    """Run ``paths`` paths in chunks; keep per-path gross TVPI per fund; report peak RSS."""
    _path, sc, progs = programmes(scenario_path)
    n_steps = progs[0].n_steps
    tvpi = np.empty((paths, len(progs)))
    t0 = time.perf_counter()
    for ch in chunk_plan(paths, chunk):
        market = simulate_market(sc.market, ch.size, n_steps, 4, stream(seed, ch.index, Component.FACTORS))
        for j, prog in enumerate(progs):
            fl = simulate_deals(prog, market, stream(seed, ch.index, Component.VENTURE, sub_key(prog.sub_fund_id)))
            tvpi[ch.start:ch.stop, j] = (fl.proceeds.sum(axis=1) + fl.nav[:, -1]) / fl.invested.sum(axis=1)
            del fl
        del market
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "memory_paths": paths,
        "memory_chunk": chunk,
        "memory_seconds": elapsed,
        "peak_rss_mb": peak_kb / 1024.0,
        "summary_mb": tvpi.nbytes / 2**20,
        "median_gross_tvpi": float(np.median(tvpi)),
    }


def run(paths: int = 20_000, chunk: int = 10_000, repeats: int = 3, memory_paths: int = 0,
        scenario_path: Path | None = None) -> dict:
    """Timing ratio for ``paths`` paths and, if ``memory_paths``, the peak-memory run."""
    out = timing(paths, chunk, repeats, scenario_path)
    if memory_paths:
        out.update(memory(memory_paths, chunk, scenario_path))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory-paths", type=int, default=0)
    ap.add_argument("--scenario", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    out = run(args.paths, args.chunk, args.repeats, args.memory_paths, args.scenario)
    for k, v in out.items():
        print(f"{k:>22}: {v:.4g}" if isinstance(v, float) else f"{k:>22}: {v}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
