"""Benchmark: first render of every dashboard page for a stored 100,000-path run, and the pricing callback.

Usage::

    python bench/bench_dashboards.py [--paths 100000] [--repeat 15] [--workers 1] [--json out.json]

Stores a run of ``scenarios/quick.toml`` with ``--paths`` paths in a temporary data directory
(not timed), then measures through Flask's test client — the same HTTP round trip a browser
makes, minus the network — by posting to ``/_dash-update-component``:

* each page's *first render*: the router callback (URL path, run, language) that builds the
  page's whole layout and figures from the stored results and serialises them to JSON;
  - ``cold``: the page is the first request of a fresh app (empty per-run cache: reads the
    summary tables from the database and, for the pages that need them, the verified Parquet
    arrays; no assessment prefetched), median over ``--cold`` fresh apps per page;
  - ``nav``: a fresh app visited in menu order (overview first), requests back to back (a
    user is slower: the assessment prefetch starts 1.5 s after a run is first shown, so here
    the Assessment page usually computes it itself);
  - ``warm``: median of ``--repeat`` further requests (cached tables; figures and JSON rebuilt);
* the pricing callback (the loan-pricing form: ``price_loan`` plus the result cards);
* a baseline: the language-toggle callback (a no-work round trip through Dash), so each timing
  is also reported as a ratio to it (machines here are shared; the ratio is what transfers).

Targets (issue 6): pricing callback < 200 ms; each page's first render < 1 s (median).

``--cold-start N`` (issue 17, target <= 2 s) measures instead the *server's* cold first page:
``N`` fresh processes, each doing what ``fundsvc serve`` does before the first page —
open the store, create the dashboards (and start their warm-up, as the server does) — and then
what a browser does at once: the index, ``/_dash-layout``, ``/_dash-dependencies`` and the
router callback of the overview for the newest run (``hangzhou_baseline``, 10,000 paths: what
``fundsvc serve`` bootstraps), back to back (a real browser loads scripts in between, which
gives the warm-up a head start). Baselines in the same run: the same in a process that only
imports the web stack (``dash``, ``plotly.graph_objects``, ``polars``: the floor), and with
``--before DIR``, the same procedure on another checkout (e.g. a worktree of main before the
change).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/funds", "/loans", "/pools", "/assessment", "/runs"]


def _post(client, output: str, outputs, inputs: list, state: list, changed: list[str]) -> float:
    t0 = time.perf_counter()
    r = client.post("/_dash-update-component", json={
        "output": output, "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": changed})
    dt = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{output}: HTTP {r.status_code}: {r.data[:300]!r}")
    return dt


def render_page(client, path: str, run_id: int, lang: str = "zh") -> float:
    return _post(client, "page-content.children", {"id": "page-content", "property": "children"},
                 [{"id": "url", "property": "pathname", "value": path},
                  {"id": "run-select", "property": "value", "value": run_id},
                  {"id": "lang", "property": "data", "value": lang}], [], ["url.pathname"])


def price(client, run_id: int, amount_wan: float) -> float:
    from dashboards.pages.loans import _FIELDS, DEFAULT_FORM

    form = DEFAULT_FORM | {"amount_wan": amount_wan, "pool": "city-ip"}
    return _post(client, "price-result.children", {"id": "price-result", "property": "children"},
                 [{"id": f"pf-{k}", "property": "value", "value": form[k]} for k in _FIELDS],
                 [{"id": "run-select", "property": "value", "value": run_id},
                  {"id": "lang", "property": "data", "value": "zh"}], ["pf-amount_wan.value"])


def toggle(client, n: int) -> float:
    return _post(client, "lang.data", {"id": "lang", "property": "data"},
                 [{"id": "lang-toggle", "property": "n_clicks", "value": n}],
                 [{"id": "lang", "property": "data", "value": "zh"}], ["lang-toggle.n_clicks"])


_COLD_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from fundsvc.settings import get_settings
from fundsvc.store import Store
store = Store.open(get_settings(data_dir=Path(sys.argv[1]), database_url=None), upgrade=True)
t_store = time.perf_counter()
from dashboards.app import create_app
app = create_app(lambda: store, prefetch=False)
if hasattr(app, "fundsvc_warm_up"):
    app.fundsvc_warm_up()
t_app = time.perf_counter()
client = app.server.test_client()
for url in ("/", "/_dash-layout", "/_dash-dependencies"):
    assert client.get(url).status_code == 200, url
t_shell = time.perf_counter()
run_id = int(sys.argv[2])
r = client.post("/_dash-update-component", json={
    "output": "page-content.children", "outputs": {"id": "page-content", "property": "children"},
    "inputs": [{"id": "url", "property": "pathname", "value": "/"},
               {"id": "run-select", "property": "value", "value": run_id},
               {"id": "lang", "property": "data", "value": "zh"}],
    "state": [], "changedPropIds": ["url.pathname"]})
assert r.status_code == 200, r.data[:300]
t_page = time.perf_counter()
print(json.dumps({"store_s": t_store - t0, "create_app_s": t_app - t_store, "shell_s": t_shell - t_app,
                  "page_s": t_page - t_shell, "in_process_s": t_page - t0}))
"""
_FLOOR_CHILD = "import dash, dash_bootstrap_components, plotly.graph_objects, polars"


def _child(code: str, args: list[str], source: Path) -> dict:
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(source)}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=source,
                       check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    out = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
    out["wall_s"] = wall
    return out


def cold_start(repeat: int = 3, before: Path | None = None, paths: int = 10_000) -> dict:
    """The server's cold first page (see the module docstring): medians and spread over ``repeat``
    fresh processes, with the import floor (and ``before``) measured in the same run."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    def stats(xs):
        return {"median_s": statistics.median(xs), "min_s": min(xs), "max_s": max(xs), "n": len(xs)}

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(get_settings(data_dir=Path(tmp), database_url=None), upgrade=True)
        t0 = time.perf_counter()
        run_id = simulate_and_store(store, load_scenario(ROOT / "scenarios" / "hangzhou_baseline.toml"),
                                    paths=paths).run_id
        store.engine.dispose()
        print(f"stored run {run_id}: hangzhou_baseline, {paths:,} paths in {time.perf_counter() - t0:.1f} s "
              "(not timed)", file=sys.stderr)
        sources = {"after": ROOT, **({"before": Path(before).resolve()} if before else {})}
        runs: dict[str, list[dict]] = {k: [] for k in sources}
        floor: list[float] = []
        for _ in range(repeat):  # interleaved, so load changes on a shared machine hit both alike
            floor.append(_child(_FLOOR_CHILD, [], ROOT)["wall_s"])
            for k, src in sources.items():
                runs[k].append(_child(_COLD_CHILD, [tmp, str(run_id)], src))
    out: dict = {"paths": paths, "floor": stats(floor)}
    for k, rs in runs.items():
        out[k] = {m: stats([r[m] for r in rs]) for m in rs[0]}
        out[k]["ratio_to_floor"] = out[k]["wall_s"]["median_s"] / out["floor"]["median_s"]
    for k in runs:  # what a user waits for once the server is up: the first requests to the rendered page
        out[k]["first_request_s"] = statistics.median(r["shell_s"] + r["page_s"] for r in runs[k])
    targeted = paths == 10_000
    out["target_met"] = out["after"]["wall_s"]["median_s"] <= 2.0 if targeted else None
    out["target_met_first_request"] = out["after"]["first_request_s"] <= 2.0 if targeted else None
    print(f"\nCold first page (process start -> overview rendered), hangzhou_baseline {paths:,} paths; "
          f"medians (min-max) of {repeat}")
    print(f"{'':<34}{'wall s':>14}{'store':>8}{'app':>8}{'shell':>8}{'page':>8}")
    print(f"{'floor (import dash, plotly, polars)':<34}{out['floor']['median_s']:>8.2f} "
          f"({out['floor']['min_s']:.1f}-{out['floor']['max_s']:.1f})")
    for k in runs:
        r = out[k]
        print(f"{k:<34}{r['wall_s']['median_s']:>8.2f} ({r['wall_s']['min_s']:.1f}-{r['wall_s']['max_s']:.1f})"
              + "".join(f"{r[m]['median_s']:>8.2f}" for m in ("store_s", "create_app_s", "shell_s", "page_s"))
              + f"   {r['ratio_to_floor']:.2f}x floor")
    for k in runs:
        print(f"{k}: first request -> page {out[k]['first_request_s']:.2f} s")
    if targeted:
        print(f"target <= 2 s: process start -> page {'met' if out['target_met'] else 'NOT met'}; "
              f"first request -> page {'met' if out['target_met_first_request'] else 'NOT met'}")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--cold-start", type=int, default=0, metavar="N",
                    help="measure the server's cold first page in N fresh processes instead")
    ap.add_argument("--before", type=Path, help="with --cold-start: also measure this checkout (same run)")
    args = ap.parse_args(argv)
    if args.cold_start:
        out = cold_start(args.cold_start, args.before)
        if args.json:
            args.json.write_text(json.dumps(out, indent=2))
        return out

    from dashboards.app import create_app
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation import Executor
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(get_settings(data_dir=Path(tmp), database_url=None), upgrade=True)
        t0 = time.perf_counter()
        stored = simulate_and_store(store, load_scenario(ROOT / "scenarios" / "quick.toml"), paths=args.paths,
                                    executor=Executor.PROCESSES if args.workers > 1 else Executor.SERIAL,
                                    workers=args.workers, depletion_target=0.05)
        print(f"stored run {stored.run_id}: quick.toml, {args.paths:,} paths in {time.perf_counter() - t0:.1f} s "
              "(not timed below)", file=sys.stderr)
        run_id = stored.run_id

        base_client = create_app(lambda: store).server.test_client()
        toggle(base_client, 1)
        baseline = statistics.median(toggle(base_client, i + 2) for i in range(args.repeat))

        cold: dict[str, list[float]] = {p: [] for p in PAGES}
        nav: dict[str, list[float]] = {p: [] for p in PAGES}
        warm: dict[str, list[float]] = {p: [] for p in PAGES}
        for _ in range(args.cold):
            for p in PAGES:
                fresh = create_app(lambda: store, prefetch=False).server.test_client()
                cold[p].append(render_page(fresh, p, run_id))
            client = create_app(lambda: store).server.test_client()
            for p in PAGES:
                nav[p].append(render_page(client, p, run_id))
        for p in PAGES:
            warm[p] = [render_page(client, p, run_id) for _ in range(args.repeat)]
        price(client, run_id, 500)
        pricing = [price(client, run_id, 500 + 10 * i) for i in range(args.repeat * 3)]
        store.engine.dispose()

    rows = [(p, statistics.median(cold[p]), statistics.median(nav[p]), statistics.median(warm[p])) for p in PAGES]
    out = {"paths": args.paths, "baseline_ms": 1e3 * baseline,
           "pages": {p: {"cold_ms": 1e3 * c, "nav_ms": 1e3 * n, "warm_ms": 1e3 * w} for p, c, n, w in rows},
           "pricing_ms": 1e3 * statistics.median(pricing), "pricing_p95_ms": 1e3 * sorted(pricing)[int(0.95 * len(pricing))]}
    print(f"\nDashboards, quick.toml stored with {args.paths:,} paths; medians; baseline = language-toggle "
          f"round trip {out['baseline_ms']:.1f} ms")
    print(f"{'request':<22}{'cold ms':>9}{'nav ms':>9}{'warm ms':>9}{'warm/baseline':>15}  target <1000 ms (warm)")
    for p, c, n, w in rows:
        flag = "ok" if w < 1.0 else "SLOW"
        flag += "" if c < 1.0 else " (cold over 1 s)"
        print(f"{'page ' + p:<22}{1e3 * c:>9.0f}{1e3 * n:>9.0f}{1e3 * w:>9.0f}{w / baseline:>15.0f}  {flag}")
    pm = out["pricing_ms"]
    print(f"{'pricing callback':<22}{'':>9}{'':>9}{pm:>9.1f}{pm / out['baseline_ms']:>15.0f}  "
          f"target <200 ms: {'ok' if pm < 200 else 'SLOW'} (p95 {out['pricing_p95_ms']:.1f} ms)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
