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


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

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
