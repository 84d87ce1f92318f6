"""Benchmark: :func:`fundsvc.credit.price_loan` against building its request (a trivial baseline).

Usage::

    python bench/bench_pricing.py [--calls N] [--batch N] [--json out.json]

For three typical requests (standardised bullet loan with IP and a capped pool; IRB with the SME
adjustment; IRB annuity, whose break-even rate is found by fixed-point iteration) it times N
calls of ``price_loan`` and N calls of ``make_request`` (pydantic validation of the same fields,
the floor any pricing call pays) and reports the median per call in ms and the ratio. Then it
prices a batch of 10,000 distinct loans with the vectorised kernel (the API's path) against the
one-loan reference implementation looped over them (:func:`run_batch`; target issue 14: ≤ 1 s). The
dashboard's pricing form must answer within 200 ms; the ratio is the meaningful number, the
absolute timings are from one run on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from fundsvc.credit import make_request, price_loan

CASES = {
    "standardised_bullet": {"amount_cny": 5e6, "term_years": 3, "pd": 0.02, "ip_appraisal_cny": 12e6,
                            "pool_share": 0.4, "pool_cap_cny": 1.5e6, "pool_pay_probability": 0.95,
                            "quoted_rate": 0.045},
    "irb_sme_equal_principal": {"amount_cny": 5e6, "term_years": 3, "pd": 0.02, "pledge_rate": 0.4,
                                "guarantee_share": 0.4, "pool_share": 0.4, "quoted_rate": 0.045,
                                "capital_method": "irb", "annual_revenue_cny": 5e7,
                                "amortisation": "equal_principal"},
    "irb_annuity": {"amount_cny": 5e6, "term_years": 5, "pd": 0.035, "pledge_rate": 0.4, "pool_share": 0.4,
                    "pool_cap_cny": 1e6, "quoted_rate": 0.05, "capital_method": "irb",
                    "annual_revenue_cny": 5e7, "amortisation": "annuity"},
}


def _median_ms(fn, fields: dict, calls: int) -> float:
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn(**fields)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def run(calls: int = 200) -> dict[str, dict[str, float]]:
    """Median ms per call of ``price_loan`` and of the baseline, and their ratio, per case."""
    out = {}
    for name, fields in CASES.items():
        price_loan(**fields)  # warm up imports and caches
        make_request(**fields)
        base = _median_ms(make_request, fields, calls)
        priced = _median_ms(price_loan, fields, calls)
        out[name] = {"price_loan_ms": priced, "baseline_ms": base, "ratio": priced / base}
    return out


def distinct_loans(n: int) -> list[dict]:
    """``n`` distinct API loans (amount, term, PD, collateral and amortisation vary), as bench_api.py sends."""
    base = CASES["standardised_bullet"]
    am = ("bullet", "equal_principal", "annuity")
    return [dict(base, amount_cny=1e6 + 997 * i, term_years=1 + (i % 5), pd=0.005 + 0.0001 * (i % 200),
                 ip_appraisal_cny=2e6 + 1009 * i, amortisation=am[i % 3] if i % 4 == 0 else "bullet")
            for i in range(n)]


def run_batch(n_loans: int = 10_000, reference_loans: int = 500, repeats: int = 3) -> dict:
    """The vectorised batch (``fundsvc.service.pricing.price_batch``, the API's path) against the
    one-loan reference implementation looped over the same loans (timed on ``reference_loans`` of
    them and scaled to ``n_loans``), in the same run. Median of ``repeats``; spread = max − min."""
    from fundsvc.credit.pricing.reference import price_loan_reference
    from fundsvc.service.pricing import price_batch

    loans = distinct_loans(n_loans)
    price_batch(loans[:10])
    fast, slow = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = price_batch(loans)
        fast.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for f in loans[:reference_loans]:
            price_loan_reference(**f)
        slow.append((time.perf_counter() - t0) * n_loans / reference_loans)
    assert all(isinstance(o, dict) for o in out)
    return {"loans": n_loans, "batch_s": statistics.median(fast), "batch_spread_s": max(fast) - min(fast),
            "reference_loop_s": statistics.median(slow), "reference_loans_timed": reference_loans,
            "speedup": statistics.median(slow) / statistics.median(fast), "repeats": repeats}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--json", dest="json_path", default=None)
    ap.add_argument("--batch", type=int, default=10_000, help="loans in the vectorised batch (0: skip)")
    args = ap.parse_args(argv)
    res = run(args.calls)
    if args.batch:
        b = res["batch"] = run_batch(args.batch)
        print(f"batch of {b['loans']:,} distinct loans: {b['batch_s']:.3f} s (spread {b['batch_spread_s']:.3f} s); "
              f"one-loan reference loop {b['reference_loop_s']:.2f} s → {b['speedup']:.1f}× faster")
    print(f"median of {args.calls} calls; baseline = make_request (validating the same fields)")
    print(f"{'case':28s} {'price_loan':>12s} {'baseline':>10s} {'ratio':>7s}")
    for name, r in res.items():
        if name == "batch":
            continue
        print(f"{name:28s} {r['price_loan_ms']:9.3f} ms {r['baseline_ms']:7.3f} ms {r['ratio']:6.1f}×")
    worst = max(r["price_loan_ms"] for k, r in res.items() if k != "batch")
    print(f"slowest case {worst:.3f} ms per call = {100 * worst / 200:.2f} % of the 200 ms dashboard budget")
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
