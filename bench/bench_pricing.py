"""Benchmark: :func:`fundsvc.credit.price_loan` against building its request (a trivial baseline).

Usage::

    python bench/bench_pricing.py [--calls N] [--json out.json]

For three typical requests (standardised bullet loan with IP and a capped pool; IRB with the SME
adjustment; IRB annuity, whose break-even rate is found by fixed-point iteration) it times N
calls of ``price_loan`` and N calls of ``make_request`` (pydantic validation of the same fields,
the floor any pricing call pays) and reports the median per call in ms and the ratio. The
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--json", dest="json_path", default=None)
    args = ap.parse_args(argv)
    res = run(args.calls)
    print(f"median of {args.calls} calls; baseline = make_request (validating the same fields)")
    print(f"{'case':28s} {'price_loan':>12s} {'baseline':>10s} {'ratio':>7s}")
    for name, r in res.items():
        print(f"{name:28s} {r['price_loan_ms']:9.3f} ms {r['baseline_ms']:7.3f} ms {r['ratio']:6.1f}×")
    worst = max(r["price_loan_ms"] for r in res.values())
    print(f"slowest case {worst:.3f} ms per call = {100 * worst / 200:.2f} % of the 200 ms dashboard budget")
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
