"""Benchmark: a dashboard what-if that reruns only the changed side vs a full-programme rerun.

Usage::

    python bench/bench_whatif.py [--scenario hangzhou_baseline] [--repeat 3] [--json out.json]

In one process, against a baseline measured in the same run:

* ``baseline``: what the what-if did before (issue 17): simulate the base and the changed
  scenario, whole programme (venture + credit + every table), 2,000 paths each
  (``fundsvc.simulate``; process start-up and imports not counted, which favours the baseline);
* ``full_one``: one full-programme rerun of the changed scenario at 2,000 paths;
* ``first``: the first answer of :class:`dashboards.whatif_engine.WhatIfEngine` — warm (the
  base run compiled and its 2,000-path summary computed when the page opened), only the venture
  side rerun on the base run's random numbers, only ``equity_summary`` built;
* ``refined``: the refinement at 10,000 paths (the base is the stored 10,000-path run's summary);
* ``end_to_end``: through :class:`dashboards.whatif.WhatIfJobs` (the warm worker process):
  submit → first answer in the dashboard process.

Each change is new (a different graduation multiplier per repeat): nothing is cached between
repeats except the base run. Medians and spread (min–max) of ``--repeat`` repeats.
Targets (issue 17): first answer <= 0.5 s, 10,000 paths <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _stats(xs: list[float]) -> dict:
    return {"median_s": statistics.median(xs), "min_s": min(xs), "max_s": max(xs), "n": len(xs)}


def run(scenario: str = "hangzhou_baseline", repeat: int = 3, first_paths: int = 2_000,
        refined_paths: int = 10_000, end_to_end: bool = True) -> dict:
    import fundsvc
    from dashboards.whatif import BaseRun, WhatIf, WhatIfJobs, modified_scenario
    from dashboards.whatif_engine import WhatIfEngine
    from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE
    from fundsvc.inputs.loader import load_scenario

    s = load_scenario(ROOT / "scenarios" / f"{scenario}.toml").scenario
    seed, chunk = int(s.simulation.seed), DEFAULT_CHUNK_SIZE
    t0 = time.perf_counter()
    stored = fundsvc.simulate(s, paths=refined_paths, seed=seed, chunk_size=chunk).equity_summary()
    print(f"base run: {scenario}, {refined_paths:,} paths in {time.perf_counter() - t0:.1f} s (not timed below)",
          file=sys.stderr)
    base = BaseRun(1, s, seed, chunk, refined_paths, stored)
    changes = [WhatIf(1.0 + 0.05 * (i + 1), 0.3, 0.015) for i in range(repeat)]

    baseline, full_one = [], []
    for ch in changes:
        t0 = time.perf_counter()
        fundsvc.simulate(s, paths=first_paths, seed=seed, chunk_size=chunk).equity_summary()
        t1 = time.perf_counter()
        fundsvc.simulate(modified_scenario(s, ch), paths=first_paths, seed=seed, chunk_size=chunk).equity_summary()
        t2 = time.perf_counter()
        baseline.append(t2 - t0)
        full_one.append(t2 - t1)

    engine = WhatIfEngine()
    t0 = time.perf_counter()
    engine.prepare(base, first_paths)
    prepare = time.perf_counter() - t0
    first, refined = [], []
    for ch in changes:
        first.append(engine.stage(base, ch, first_paths).seconds)
        refined.append(engine.stage(base, ch, refined_paths).seconds)

    e2e: list[float] = []
    if end_to_end:
        jobs = WhatIfJobs(stages=(first_paths,))
        try:
            jobs.prepare(base)
            warm = jobs.submit(base, WhatIf(0.55))  # waits for the worker's start-up and the prepare
            while jobs.status(warm).status == "running":
                time.sleep(0.01)
            for i in range(repeat):
                t0 = time.perf_counter()
                job = jobs.submit(base, WhatIf(0.6 + 0.05 * i))
                while jobs.status(job).stage_paths == 0 and jobs.status(job).status == "running":
                    time.sleep(0.005)
                e2e.append(time.perf_counter() - t0)
        finally:
            jobs.shutdown()

    b = statistics.median(baseline)
    out = {
        "scenario": scenario, "first_paths": first_paths, "refined_paths": refined_paths, "prepare_s": prepare,
        "baseline": _stats(baseline), "full_one": _stats(full_one), "first": _stats(first),
        "refined": _stats(refined), **({"end_to_end": _stats(e2e)} if e2e else {}),
    }
    out["first_ratio"] = out["first"]["median_s"] / b
    out["refined_ratio"] = out["refined"]["median_s"] / b
    targeted = (first_paths, refined_paths) == (2_000, 10_000)  # the targets are for these path counts
    out["first_target_met"] = out["first"]["median_s"] <= 0.5 if targeted else None
    out["refined_target_met"] = out["refined"]["median_s"] <= 2.0 if targeted else None
    print(f"\nWhat-if on {scenario}; medians (min-max) of {repeat}; baseline = base + changed full-programme "
          f"reruns at {first_paths:,} paths")
    rows = [("baseline (before)", "baseline"), (f"full rerun, changed only ({first_paths:,})", "full_one"),
            (f"first answer ({first_paths:,})", "first"), (f"refined ({refined_paths:,})", "refined")]
    if e2e:
        rows.append(("first, end to end (process)", "end_to_end"))
    for label, k in rows:
        st = out[k]
        print(f"{label:<38}{st['median_s']:>8.2f} s  ({st['min_s']:.2f}-{st['max_s']:.2f})  "
              f"{st['median_s'] / b:>6.2f}x baseline")
    print(f"prepare (once per run, when the page opens): {prepare:.2f} s")
    if targeted:
        print(f"targets: first <= 0.5 s: {'met' if out['first_target_met'] else 'NOT met'}; "
              f"10,000 paths <= 2 s: {'met' if out['refined_target_met'] else 'NOT met'}")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="hangzhou_baseline")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    out = run(args.scenario, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
