"""Benchmark: multi-year importance sampling on the real credit model versus plain Monte Carlo.

Usage::

    python bench/bench_tail_is.py [--scenario hangzhou_baseline] [--plain-paths M] [--is-paths K]
                                  [--lam 3.0] [--json out.json]

On the full credit simulation of a bundled scenario (book, lending programmes, pools with caps,
triggers and replenishment; ``fundsvc.credit.engine.tail_is``), in one run:

1. importance sampling with K paths (its 400-path pilot included in the time) → the banks'
   horizon-loss VaR 99.9 % ``x`` and P(L > x) ≈ 1e-3 with their standard errors;
2. plain Monte Carlo with M paths → P(L > x), VaR 99.9 %, P(pool depleted), with standard errors;
3. agreement: |IS − plain| in units of the combined standard error;
4. the compute ratio: the time plain Monte Carlo needs to reach the relative standard error IS
   reached, ``t_plain · (rse_plain / rse_is)²``, divided by IS's time (target: at least 50).
   For plain Monte Carlo at P = p the relative standard error is ``√((1 − p)/(M·p))``; the ratio
   uses the measured one.

5. the same ratio with its standard error from the per-path variance-reduction factor
   ``VRF = p(1 − p) / Var(w·1{L > x})`` (per path), ``ratio = VRF · n_is · t_plain_path / t_is``
   (plain MC needs ``(1 − p)/(p·r²)`` paths for relative s.e. ``r``; ``p`` from IS, more precise
   than plain's), bootstrapped over the IS paths (``--boot`` resamples);
6. with ``--lams``, steps 1, 4 and 5 for each shift size on the same event ``x`` (the first λ's
   VaR 99.9 %), to choose the shift.

Timings are from one run on a shared machine; only the ratio is meaningful.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fundsvc.credit.engine.tail_is import credit_tail_run
from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario


def vrf_with_se(is_run, event: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """Per-path variance-reduction factor ``p(1 − p)/Var(w·1_A)`` (machine-independent) and its
    bootstrap standard error (resampling IS paths)."""
    x = is_run.weight * event
    n = x.size

    def vrf(v: np.ndarray) -> float:
        p, var = v.mean(), v.var(ddof=1)
        return float(p * (1 - p) / var) if var > 0 else float("nan")

    rng = np.random.default_rng(seed)
    boots = [vrf(x[rng.integers(0, n, n)]) for _ in range(n_boot)]
    return vrf(x), float(np.nanstd(boots, ddof=1))


def ratio_with_se(is_run, event: np.ndarray, t_plain_path: float, n_boot: int, seed: int) -> tuple[float, float]:
    """``VRF · n · t_plain_path / t_is`` (compute ratio at equal relative s.e.) and its bootstrap
    standard error (the time ratio taken as exact)."""
    v, se = vrf_with_se(is_run, event, n_boot, seed)
    k = is_run.n_paths * t_plain_path / is_run.seconds
    return v * k, se * k


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="hangzhou_baseline")
    ap.add_argument("--plain-paths", type=int, default=20_000)
    ap.add_argument("--is-paths", type=int, default=2_000)
    ap.add_argument("--lam", type=float, default=2.5)
    ap.add_argument("--lams", default="", help="further shift sizes to compare, comma-separated (e.g. 2.5,3.5)")
    ap.add_argument("--boot", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    sc = load_scenario(resolve_scenario(a.scenario)).scenario
    t0 = time.perf_counter()
    is_run = credit_tail_run(sc, a.is_paths, a.seed, lam=a.lam)
    var_is, es_is = is_run.var_es(0.999)
    x = var_is.value
    p_is = is_run.p_exceed(x)
    plain = credit_tail_run(sc, a.plain_paths, a.seed + 1)
    p_plain = plain.p_exceed(x)
    var_plain, es_plain = plain.var_es(0.999)
    rse_plain = p_plain.rse if p_plain.value > 0 else float("inf")
    work_plain_same_rse = plain.seconds * (rse_plain / p_is.rse) ** 2
    t_pp = plain.seconds / plain.n_paths
    ratio, ratio_se = ratio_with_se(is_run, is_run.bank_loss > x, t_pp, a.boot, a.seed)
    vrf, vrf_se = vrf_with_se(is_run, is_run.bank_loss > x, a.boot, a.seed)
    shifts = {f"{a.lam:g}": {"seconds": is_run.seconds, "p": p_is.value, "p_se": p_is.se,
                             "compute_ratio": ratio, "compute_ratio_se": ratio_se, "vrf": vrf, "vrf_se": vrf_se}}
    for lam in (float(v) for v in a.lams.split(",") if v.strip()):
        r = credit_tail_run(sc, a.is_paths, a.seed, lam=lam)
        pr = r.p_exceed(x)
        cr, cr_se = ratio_with_se(r, r.bank_loss > x, t_pp, a.boot, a.seed)
        v, v_se = vrf_with_se(r, r.bank_loss > x, a.boot, a.seed)
        shifts[f"{lam:g}"] = {"seconds": r.seconds, "p": pr.value, "p_se": pr.se, "compute_ratio": cr,
                              "compute_ratio_se": cr_se, "vrf": v, "vrf_se": v_se,
                              "agreement_z": (pr.value - p_plain.value) / float(np.hypot(pr.se, p_plain.se))}
    out = {
        "scenario": sc.name, "plain_paths": a.plain_paths, "is_paths": a.is_paths, "lam": a.lam,
        "threshold_cny": x,
        "is": {"seconds": is_run.seconds, "p": p_is.value, "p_se": p_is.se, "p_rse": p_is.rse,
               "var999": var_is.value, "var999_se": var_is.se, "es999": es_is.value, "es999_se": es_is.se,
               "p_depleted": {k: [v.value, v.se] for k, v in is_run.p_depleted().items()},
               "mean_weight": float(is_run.weight.mean())},
        "plain": {"seconds": plain.seconds, "p": p_plain.value, "p_se": p_plain.se, "p_rse": rse_plain,
                  "var999": var_plain.value, "var999_se": var_plain.se, "es999": es_plain.value,
                  "es999_se": es_plain.se,
                  "p_depleted": {k: [v.value, v.se] for k, v in plain.p_depleted().items()}},
        "agreement_z": {
            "p": (p_is.value - p_plain.value) / float(np.hypot(p_is.se, p_plain.se)),
            "var999": (var_is.value - var_plain.value) / float(np.hypot(var_is.se, var_plain.se)),
        },
        "compute_ratio_at_same_rse": work_plain_same_rse / is_run.seconds,
        "paths_ratio_at_same_rse": a.plain_paths * (rse_plain / p_is.rse) ** 2 / (a.is_paths + 400),
        "compute_ratio_vrf": ratio, "compute_ratio_vrf_se": ratio_se, "vrf_per_path": vrf, "vrf_per_path_se": vrf_se,
        "shifts": shifts,
        "wall_seconds": time.perf_counter() - t0,
    }
    print(json.dumps(out, indent=2))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
