"""Benchmark: Glasserman–Li importance sampling versus plain Monte Carlo for a rare portfolio loss.

Usage::

    python bench/bench_importance_sampling.py [--loans N] [--plain-paths M] [--is-paths K] [--json out.json]

On the one-period equivalent of a synthetic book (``fundsvc.credit.engine.tail``; N loans over
a 3-year horizon, six correlated sector factors), picks the loss level ``x`` with P(L > x) about
1e-3 (the 99.9 % quantile of a separate plain run), then in one run times

* plain Monte Carlo with M paths → estimate, standard error, seconds;
* importance sampling with K paths (finding the mean shift included in the time) → estimate,
  standard error, seconds.

Each is run ``--repeats`` times with the same seed and the fastest time is kept (the machine may
be shared).

Compute time needed to reach a relative standard error ``r`` scales as ``time · (rse / r)²``;
the report gives the time IS needs to reach plain MC's relative standard error and the ratio of
plain MC's time to it (target: at least 50). Timings from one run on this machine; only ratios
are meaningful.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.synthetic import synthetic_scenario
from fundsvc.credit.engine.tail import (
    estimate,
    importance_sample,
    one_period_portfolio,
    plain_losses,
)


def _best(f, repeats: int):
    """Run ``f`` ``repeats`` times; return the last result and the smallest wall time (s)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return out, best


def run(n_loans: int = 1000, plain_paths: int = 200_000, is_paths: int = 20_000, seed: int = 3, repeats: int = 2) -> dict:
    sc = synthetic_scenario(n_loans, seed=seed, horizon_years=3, programme=False)
    port = one_period_portfolio(compile_credit(sc), sc.market)
    pilot = plain_losses(port, 100_000, np.random.default_rng(seed + 100))
    x = float(np.quantile(pilot, 0.999))

    lp, t_plain = _best(lambda: plain_losses(port, plain_paths, np.random.default_rng(seed + 1)), repeats)
    mc = estimate(lp, None, x)
    # the IS time includes finding the mean shift
    (li, lr, mu), t_is = _best(lambda: importance_sample(port, x, is_paths, np.random.default_rng(seed + 2)), repeats)
    is_ = estimate(li, lr, x, mu=mu)

    t_is_needed = t_is * (is_.relative_se / mc.relative_se) ** 2
    z = (is_.p_exceed - mc.p_exceed) / np.hypot(is_.se, mc.se)
    return {
        "loans": port.n_loans, "x_cny": x,
        "plain_paths": plain_paths, "plain_s": t_plain, "plain_p": mc.p_exceed, "plain_rse": mc.relative_se,
        "is_paths": is_paths, "is_s": t_is, "is_p": is_.p_exceed, "is_rse": is_.relative_se,
        "is_s_for_plain_rse": t_is_needed, "speedup": t_plain / t_is_needed, "agreement_z": float(z),
        "variance_ratio_per_path": (mc.relative_se**2 * plain_paths) / (is_.relative_se**2 * is_paths),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=1000)
    ap.add_argument("--plain-paths", type=int, default=200_000)
    ap.add_argument("--is-paths", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", type=str, default=None)
    a = ap.parse_args(argv)
    r = run(a.loans, a.plain_paths, a.is_paths, repeats=a.repeats)
    print(f"{r['loans']} loans, loss level x = {r['x_cny'] / 1e6:.1f} m CNY (P(L > x) ≈ 1e-3)")
    print(f"  plain MC: {r['plain_paths']:,} paths, {r['plain_s']:.2f} s, P = {r['plain_p']:.3e}, rel. SE {r['plain_rse']:.3f}")
    print(f"  IS      : {r['is_paths']:,} paths, {r['is_s']:.2f} s, P = {r['is_p']:.3e}, rel. SE {r['is_rse']:.4f}")
    print(f"  agreement: z = {r['agreement_z']:.2f}; variance reduction per path {r['variance_ratio_per_path']:.0f}x")
    print(f"  IS time to reach plain MC's rel. SE: {r['is_s_for_plain_rse']:.3f} s -> speed-up {r['speedup']:.0f}x (target >= 50)")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(r, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
