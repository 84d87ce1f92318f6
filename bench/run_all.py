"""Run the whole benchmark suite in one go and write ``bench/results/latest.md`` and ``latest.json``.

Usage::

    python bench/run_all.py            # full run (the three 1,000,000-path memory runs take ~30-40 min)
    python bench/run_all.py --quick    # small sanity run (a couple of minutes), written to quick.md/.json
    python bench/run_all.py --only irr,dask

Every line of the table compares against a baseline measured in the same run (a ratio):

* ``startup``: ``fundsvc --help`` and a typical ``fundsvc price-loan`` in fresh processes vs
  ``python -c pass``, ``python -c "import numpy"`` and ``import numpy, scipy.special`` (the floor
  of pricing with IP collateral), wall and CPU time (bench_startup.py);
* ``irr``: vectorised IRR (``fundsvc.metrics``) vs a per-path ``pyxirr`` loop (bench_irr.py);
* ``equity``: deal-level equity kernel vs the RNG floor, one uniform per deal per quarter per
  path (bench_equity_deals.py);
* ``credit``: credit kernel (default DENSE sampler; SKIP alongside) vs the RNG floor, one
  uniform per loan-year-path (bench_credit.py);
* ``is``: importance-sampling efficiency gain for a 1-in-1000 portfolio loss (bench_importance_sampling.py);
* ``memory``: peak RSS of a streamed run of the baseline at 100,000 and 1,000,000 paths, equity
  side, whole programme, and whole programme with the CLI's defaults (pool sizing on, its claims
  spooled to disk), each in a fresh process (bench_scale.py);
* ``dask``: paths per second on a Dask LocalCluster with 1 and 2 worker processes (bench_scale.py);
* ``whatif``: a dashboard what-if rerunning only the venture side (first answer, refined) vs
  full-programme reruns (bench_whatif.py);
* ``cold_page``: process start to the first dashboard page vs the import floor (bench_dashboards.py);
* ``store``: merge + store time against the simulation's wall time at 10,000 and 100,000 paths
  (``simulate_and_store`` with the CLI's workers rule, pool sizing apart), and ``fundsvc simulate
  hangzhou_baseline --paths 10000`` end to end with the CLI's defaults (bench_scale.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ALL = ("startup", "irr", "equity", "equity_full", "credit", "is", "dask", "memory", "pricing_batch", "store")


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=HERE.parent).stdout.strip()
    except OSError:
        return "unknown"


def _timed(fn, *args, **kw) -> dict:
    t0 = time.perf_counter()
    try:
        out = fn(*args, **kw)
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
    out["bench_wall_s"] = time.perf_counter() - t0
    return out


def run_startup(quick: bool) -> dict:
    import bench_startup

    return bench_startup.run(repeats=3 if quick else 7)


def run_irr(quick: bool) -> dict:
    import bench_irr

    return bench_irr.run(50_000 if quick else 1_000_000, 5_000 if quick else bench_irr.DEFAULT_BASELINE_PATHS)


def run_equity(quick: bool) -> dict:
    import bench_equity_deals

    return bench_equity_deals.run(paths=10_000 if quick else 40_000, chunk=10_000, repeats=1 if quick else 3)


def run_equity_full(quick: bool) -> dict:
    import bench_equity_full

    return bench_equity_full.run(paths=2_000 if quick else 10_000, repeats=1 if quick else 3)


def run_credit(quick: bool) -> dict:
    import bench_credit

    return bench_credit.run(n_loans=2_000 if quick else 10_000, n_paths=2_000 if quick else 10_000, n_years=5,
                            repeats=1 if quick else 3)


def run_is(quick: bool) -> dict:
    import bench_importance_sampling

    if quick:
        return bench_importance_sampling.run(n_loans=500, plain_paths=50_000, is_paths=5_000, repeats=1)
    return bench_importance_sampling.run()


def run_dask(quick: bool) -> dict:
    import bench_scale

    if quick:
        return bench_scale.dask_throughput("quick", paths=16_000, chunk=2_000)
    return bench_scale.dask_throughput("hangzhou_baseline", paths=100_000, chunk=10_000)  # the default chunk size


MEMORY_VARIANTS = (("equity", "equity", False), ("whole", "whole", False), ("whole_sizing", "whole", True))
"""(key, side, pool sizing on) of the memory runs; ``whole_sizing`` is ``fundsvc simulate``'s defaults."""
MEMORY_LABELS = {"equity": "equity side", "whole": "whole programme, no pool sizing",
                 "whole_sizing": "whole programme, CLI defaults (pool sizing on)"}


def run_memory(quick: bool) -> dict:
    import bench_scale

    scen, small, big, chunk = ("quick", 10_000, 100_000, 2_000) if quick else ("hangzhou_baseline", 100_000, 1_000_000, 10_000)
    out: dict = {"scenario": scen, "small_paths": small, "big_paths": big, "chunk": chunk}
    for key, side, sizing in MEMORY_VARIANTS:
        for n in (small, big):
            out[f"{key}_{n}"] = bench_scale.memory(scen, n, side, chunk, sizing=sizing)
        a, b = out[f"{key}_{small}"], out[f"{key}_{big}"]
        if "peak_rss_mb" in a and "peak_rss_mb" in b:
            out[f"{key}_ratio"] = b["peak_rss_mb"] / a["peak_rss_mb"]
    return out


def run_pricing_batch(quick: bool) -> dict:
    import bench_pricing

    return bench_pricing.run_batch(2_000 if quick else 10_000, 200 if quick else 500, 1 if quick else 3)


def _median_of(runs: list[dict], key: str) -> dict:
    vals = sorted(r[key] for r in runs if key in r)
    if not vals:
        return {}
    return {f"{key}_median": vals[len(vals) // 2], f"{key}_min": vals[0], f"{key}_max": vals[-1]}


def run_store(quick: bool) -> dict:
    import bench_scale

    scen, sizes, chunk, repeats = ("quick", (2_000, 10_000), 2_000, 1) if quick else \
        ("hangzhou_baseline", (10_000, 100_000), 10_000, 3)
    out: dict = {"scenario": scen, "sizes": list(sizes), "chunk": chunk, "repeats": repeats}
    for n in sizes:
        runs = [bench_scale.store_phases(scen, n, chunk) for _ in range(repeats if n == sizes[0] else 1)]
        out[f"paths_{n}"] = {"runs": runs, **_median_of(runs, "merge_store_share"), **_median_of(runs, "simulate_wall_s"),
                             **_median_of(runs, "merge_s"), **_median_of(runs, "store_s")}
    cli = [bench_scale.cli_wall(scen, sizes[0]) for _ in range(repeats)]
    out["cli"] = {"paths": sizes[0], "runs": cli, **_median_of(cli, "wall_s")}
    return out


RUNNERS = {"startup": run_startup, "pricing_batch": run_pricing_batch, "irr": run_irr, "equity": run_equity,
           "equity_full": run_equity_full, "credit": run_credit, "is": run_is, "dask": run_dask,
           "memory": run_memory, "store": run_store}


# ---- dashboards (issue 17: what-if reruns only what changed; cold first page)
def run_whatif(quick: bool) -> dict:
    import bench_whatif

    if quick:
        return bench_whatif.run("quick", repeat=1, first_paths=500, refined_paths=2_000, end_to_end=False)
    return bench_whatif.run("hangzhou_baseline", repeat=3)


def run_cold_page(quick: bool) -> dict:
    import bench_dashboards

    return bench_dashboards.cold_start(repeat=1 if quick else 3, paths=2_000 if quick else 10_000)


ALL += ("whatif", "cold_page")
RUNNERS.update(whatif=run_whatif, cold_page=run_cold_page)


def _met(flag) -> str:
    return "n/a at these sizes" if flag is None else ("met" if flag else "not met")


def dashboard_rows(res: dict) -> list[tuple[str, str, str, str]]:
    """Rows of the what-if and cold-first-page benchmarks (bench_whatif.py, bench_dashboards.py)."""
    rows = []
    r = res.get("whatif", {})
    if "first" in r:
        b = r["baseline"]["median_s"]
        rows.append((f"What-if first answer, {r['scenario']} ({r['first_paths']:,} paths, venture side only, "
                     "base run's random numbers, warm worker)",
                     f"{r['first']['median_s']:.2f} s ({r['first']['min_s']:.2f}-{r['first']['max_s']:.2f})",
                     f"base + changed full-programme reruns {b:.2f} s",
                     f"**{r['first_ratio']:.2f}×** (target ≤ 0.5 s: {_met(r['first_target_met'])})"))
        rows.append((f"What-if refined ({r['refined_paths']:,} paths)",
                     f"{r['refined']['median_s']:.2f} s ({r['refined']['min_s']:.2f}-{r['refined']['max_s']:.2f})",
                     f"{b:.2f} s (as above)",
                     f"**{r['refined_ratio']:.2f}×** (target ≤ 2 s: {_met(r['refined_target_met'])})"))
    r = res.get("cold_page", {})
    if "after" in r:
        a = r["after"]["wall_s"]
        rows.append((f"Cold first page (process start → overview rendered), hangzhou_baseline {r['paths']:,} paths",
                     f"{a['median_s']:.2f} s ({a['min_s']:.2f}-{a['max_s']:.2f}); first request → page "
                     f"{r['after']['first_request_s']:.2f} s"
                     + (f" (before: {r['before']['wall_s']['median_s']:.2f} s; {r['before']['first_request_s']:.2f} s)"
                        if "before" in r else ""),
                     f"import floor (dash, plotly, polars) {r['floor']['median_s']:.2f} s",
                     f"**{r['after']['ratio_to_floor']:.2f}×** the floor (target ≤ 2 s: {_met(r['target_met'])}; "
                     f"from the first request: {_met(r['target_met_first_request'])})"))
    return rows


def _f(x, fmt=".2f") -> str:
    return "—" if x is None else format(x, fmt)


def table_rows(res: dict) -> list[tuple[str, str, str, str]]:
    """(what, measured, baseline, result) rows of the markdown table."""
    rows = []
    r = res.get("startup", {})
    for key, label in (("help", "`fundsvc --help`"), ("price_loan", "`fundsvc price-loan` (typical call)"),
                       ("price_loan_small_ip", "`fundsvc price-loan` (IP worth less than the loan)")):
        if f"{key}_s" in r:
            rows.append((f"Start-up: {label}, fresh process, median of {r['repeats']}",
                         f"{r[f'{key}_s']:.2f} s (range {r[f'{key}_min_s']:.2f}–{r[f'{key}_max_s']:.2f})",
                         f"`python -c pass` {r['python_pass_s']:.2f} s, `import numpy` {r['import_numpy_s']:.2f} s, "
                         f"`import numpy, scipy.special` {r['import_scipy_special_s']:.2f} s (CPU "
                         f"{r['import_scipy_special_cpu_s']:.2f} s)",
                         (f"**{r[f'{key}_vs_numpy']:.2f}×** `import numpy`; CPU {r[f'{key}_cpu_s']:.2f} s "
                          f"(target ≤ 0.4 s: {'met' if r[f'{key}_target_met'] else 'not met'})")))
    r = res.get("irr", {})
    if "speed_ratio" in r:
        rows.append(("Vectorised IRR vs per-path pyxirr loop",
                     f"{r['paths']:,} paths × {r['n_quarters']} quarters: {r['ours_seconds']:.2f} s",
                     f"pyxirr loop {r['pyxirr_seconds_for_all_paths']:.1f} s"
                     + (" (extrapolated from " + f"{r['pyxirr_paths_timed']:,} paths)" if r["pyxirr_extrapolated"] else ""),
                     f"**{r['speed_ratio']:.1f}× faster** (CPU time {r['cpu_time_ratio']:.1f}×)"))
    r = res.get("equity", {})
    if "ratio" in r:
        rows.append(("Equity deal kernel vs RNG floor (1 uniform / deal / quarter / path)",
                     f"{r['paths']:,} paths, {r['n_funds']} deal-level funds, {r['n_deals_total']} deals: {r['kernel_seconds']:.2f} s",
                     f"{r['baseline_seconds']:.2f} s",
                     f"**{r['ratio']:.2f}×** the floor (with factors {r['ratio_with_market']:.2f}×)"))
    r = res.get("equity_full", {})
    if "ratio" in r:
        rows.append(("Whole equity simulation of the baseline (deals, TA funds, fees, waterfalls, guidance view) vs RNG floor",
                     f"{r['paths']:,} paths, {r['n_funds']} sub-funds, {r['n_deals']} deals, {r['n_steps']} quarters: "
                     f"{r['equity_seconds']:.2f} s",
                     f"{r['floor_seconds']:.2f} s" + (f" (generator alone {r['floor_prealloc_seconds']:.2f} s)"
                                                      if "floor_prealloc_seconds" in r else ""),
                     f"**{r['ratio']:.2f}×** the floor (target ≤ 1.0×)"
                     + (f"; {r['ratio_prealloc']:.2f}× the generator alone" if "ratio_prealloc" in r else "")))
    r = res.get("credit", {})
    if "ratio" in r:
        skip = (f"; SKIP sampler {r['kernel_skip_s']:.2f} s, {r['ratio_skip']:.2f}×"
                if "kernel_skip_s" in r else "")
        spread = f" (spread {r['ratio_min']:.2f}–{r['ratio_max']:.2f})" if "ratio_min" in r else ""
        rows.append(("Credit kernel vs RNG floor (1 uniform / loan / year / path)",
                     f"{r['loans']:,} loans × {r['paths']:,} paths × {r['years']} y: {r['kernel_s']:.2f} s{skip}",
                     f"{r['baseline_uniforms_s']:.2f} s (float32 {r['baseline_float32_s']:.2f} s)",
                     f"**{r['ratio']:.2f}×** the floor{spread} (target ≤ 0.5×; {r['ratio_vs_float32']:.2f}× float32)"))
    r = res.get("is", {})
    if "speedup" in r:
        rows.append(("Importance sampling, P(L > VaR 99.9 %)",
                     f"IS {r['is_paths']:,} paths, rel. SE {r['is_rse']:.4f}, {r['is_s']:.2f} s",
                     f"plain MC {r['plain_paths']:,} paths, rel. SE {r['plain_rse']:.3f}, {r['plain_s']:.2f} s",
                     f"**{r['speedup']:.0f}×** efficiency gain (z = {r['agreement_z']:.2f})"))
    r = res.get("memory", {})
    for side, label in MEMORY_LABELS.items():
        a, b = r.get(f"{side}_{r.get('small_paths')}", {}), r.get(f"{side}_{r.get('big_paths')}", {})
        if "peak_rss_mb" in a and "peak_rss_mb" in b:
            rows.append((f"Peak memory, {r['scenario']} {label} (streamed, serial)",
                         f"{r['big_paths']:,} paths: {b['peak_rss_mb']:,.0f} MB ({b['wall_s']:.0f} s)",
                         f"{r['small_paths']:,} paths: {a['peak_rss_mb']:,.0f} MB ({a['wall_s']:.0f} s)",
                         f"**{r[f'{side}_ratio']:.2f}×** (target ≤ 1.5×)"))
    r = res.get("pricing_batch", {})
    if "speedup" in r:
        rows.append(("Loan pricing batch, vectorised over loans vs the one-loan reference loop",
                     f"{r['loans']:,} distinct loans: {r['batch_s']:.3f} s (target ≤ 1 s)",
                     f"{r['reference_loop_s']:.2f} s (timed on {r['reference_loans_timed']:,} loans)",
                     f"**{r['speedup']:.1f}× faster**"))
    r = res.get("dask", {})
    if "speedup_2_vs_1" in r:
        rows.append((f"Dask LocalCluster throughput, {r['scenario']}",
                     f"2 workers: {r['workers_2_paths_per_s']:,.0f} paths/s ({r['workers_2_wall_s']:.1f} s)",
                     f"1 worker: {r['workers_1_paths_per_s']:,.0f} paths/s ({r['workers_1_wall_s']:.1f} s)",
                     f"**{r['speedup_2_vs_1']:.2f}×** (target ≥ 1.8×), bit-identical: {r['bit_identical_1_vs_2']}"))
    rows += dashboard_rows(res)
    r = res.get("store", {})
    for n in r.get("sizes", []):
        x = r.get(f"paths_{n}", {})
        if "merge_store_share_median" in x:
            rows.append((f"Merge + store vs simulate, {r['scenario']} (CLI workers rule, pool sizing apart)",
                         f"{n:,} paths: merge {x['merge_s_median']:.2f} s + store {x['store_s_median']:.2f} s",
                         f"simulate {x['simulate_wall_s_median']:.2f} s",
                         f"**{100 * x['merge_store_share_median']:.0f} %** of simulate (target ≤ 15 %; "
                         f"{len(x['runs'])} run(s), {100 * x['merge_store_share_min']:.0f}–{100 * x['merge_store_share_max']:.0f} %)"))
    c = r.get("cli", {})
    if "wall_s_median" in c:
        rows.append((f"`fundsvc simulate {r['scenario']} --paths {c['paths']}` end to end (CLI defaults)",
                     f"{c['wall_s_median']:.1f} s (median of {len(c['runs'])}, {c['wall_s_min']:.1f}–{c['wall_s_max']:.1f} s)",
                     "30.3 s on main before issue 17 (issue text)" if r["scenario"] == "hangzhou_baseline" else "—",
                     "target ≤ 5 s"))
    return rows


def markdown(res: dict) -> str:
    m = res["meta"]
    lines = [
        "# fundsvc benchmark results",
        "",
        f"Run {m['finished']} UTC on {m['machine']} ({m['cpus']} CPUs), Python {m['python']}, commit `{m['commit']}`"
        f"{' — QUICK run' if m['quick'] else ''}; whole suite took {m['wall_s'] / 60:.1f} min.",
        "Each line compares against a baseline measured in the same run. Rerun with `python bench/run_all.py`"
        " (see bench/README.md).",
        "",
        *([f"Partial rerun of {', '.join(m['partial_rerun'])}; each line's time is `measured_at` in the JSON.", ""]
          if m.get("partial_rerun") else []),
        "| Benchmark | Measured | Baseline (same run) | Result |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table_rows(res)]
    errors = {k: v["error"] for k, v in res.items() if isinstance(v, dict) and "error" in v}
    mem = res.get("memory", {})
    errors.update({f"memory/{k}": v["error"] for k, v in mem.items() if isinstance(v, dict) and "error" in v})
    if errors:
        lines += ["", "Failed:", ""] + [f"* `{k}`: {v.splitlines()[-1] if v else v}" for k, v in errors.items()]
    base = m.get("out") or ("quick" if m["quick"] else "latest")
    lines += ["", f"Raw numbers: `{base}.json` next to this file.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (sanity check), written to quick.md/.json")
    ap.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    ap.add_argument("--out", default=None, help="basename in bench/results (default latest, or quick)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    chosen = [x.strip() for x in a.only.split(",") if x.strip()]
    unknown = set(chosen) - set(ALL)
    if unknown:
        ap.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    t0 = time.perf_counter()
    res: dict = {"meta": {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"), "quick": a.quick,
                          "machine": platform.machine() + " " + platform.system(), "cpus": os.cpu_count(),
                          "python": platform.python_version(), "commit": _git_commit()}}
    base = a.out or ("quick" if a.quick else "latest")
    res["meta"]["out"] = base
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous = RESULTS / f"{base}.json"
    if set(chosen) != set(ALL) and previous.exists():  # a partial rerun updates the other lines' file
        old = json.loads(previous.read_text())
        res = {**old, **{k: v for k, v in res.items() if k != "meta"}, "meta": {**old.get("meta", {}), **res["meta"]}}
        res["meta"]["partial_rerun"] = chosen
    for name in ALL:
        if name not in chosen:
            continue
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {name} ...", flush=True)
        res[name] = _timed(RUNNERS[name], a.quick)
        res[name]["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        print(json.dumps(res[name], default=str)[:600], flush=True)
        res["meta"]["wall_s"] = res["meta"].get("wall_s", 0.0) if "partial_rerun" in res["meta"] else time.perf_counter() - t0
        res["meta"]["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        (RESULTS / f"{base}.json").write_text(json.dumps(res, indent=2, default=str))
        (RESULTS / f"{base}.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
