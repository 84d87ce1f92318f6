"""Calibration report of a stage profile: simulated versus published targets.

Usage::

    python bench/calibrate_stages.py [--profile scenarios/profiles/stages_default.toml]
                                     [--paths 4000] [--seed 20240601] [--json out.json]

Simulates the calibration venture fund (:func:`fundsvc.engine.venture.deal_calibration.calibration_fund`)
under the profile and prints the per-position exit-multiple buckets against Correlation
Ventures, the graduation rates by stage, the CB Insights seed funnel and the median time
between rounds (compare Carta). Then, per entry stage (seed, Series A, Series B / C / later,
each in the calibration fund of its strategy), the loss rate, median exit multiple and share
>= 10x with Monte Carlo standard errors against
:data:`~fundsvc.engine.venture.deal_calibration.STAGE_TARGETS` and their sources.
``run(paths)`` returns the report as a dict (``stages`` holds the per-stage table). The
per-stage exit parameters are fitted by ``bench/fit_stage_exits.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

from fundsvc.engine.venture.deal_calibration import STAGE_TARGETS, calibration_report, stage_report
from models.venture import StageProfile

DEFAULT_PROFILE = Path(__file__).resolve().parents[1] / "scenarios" / "profiles" / "stages_default.toml"


def load_profile(path: Path = DEFAULT_PROFILE) -> StageProfile:
    with open(path, "rb") as fh:
        return StageProfile.model_validate(tomllib.load(fh))


def run(paths: int = 4000, profile_path: Path = DEFAULT_PROFILE, seed: int = 20240601) -> dict:
    profile = load_profile(profile_path)
    rep = calibration_report(profile, n_paths=paths, seed=seed)
    rep["stages"] = stage_report(profile, n_paths=paths, seed=seed)
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", type=Path, default=DEFAULT_PROFILE)
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    rep = run(args.paths, args.profile, args.seed)
    print(f"exit multiples per position ({rep['n_multiples']} ended positions), simulated vs Correlation Ventures:")
    for k, (sim, tgt) in rep["buckets"].items():
        print(f"  {k:>7}: {100 * sim:6.2f} %   target {100 * tgt:5.2f} %   diff {100 * (sim - tgt):+5.2f} pp")
    print(f"  largest difference {100 * rep['max_bucket_error']:.2f} pp (tolerance 2 pp); mean multiple {rep['mean_multiple']:.2f}")
    print("graduation rate by stage (share of companies leaving the stage by a new round):")
    for k, v in rep["graduation"].items():
        print(f"  {k:>9}: {100 * v:5.1f} %")
    print("seed funnel, simulated vs CB Insights:")
    for k, (sim, tgt) in rep["funnel"].items():
        print(f"  {k:>15}: {100 * sim:5.1f} %" + (f"   target {100 * tgt:4.1f} %" if tgt is not None else ""))
    print("median years from a round to the next event (Carta: seed->A 1.2 y in Q4 2021, 2.1 y in Q4 2024):")
    for k, v in rep["median_years_between_rounds"].items():
        print(f"  {k:>9}: {v:.2f}")
    print("per entry stage: simulated ± s.e. vs target ± tolerance")
    for tg in STAGE_TARGETS:
        row = rep["stages"][tg.group]
        print(f"  {tg.group} ({', '.join(s.value for s in tg.entry_stages)}; {tg.strategy.value} fund, "
              f"{row['n']} ended positions, P95 multiple {row['p95']:.2f}):")
        for stat, (v, se, t, tol) in ((k, row[k]) for k in ("loss_rate", "median_exit", "tail_10x")):
            flag = "ok" if abs(v - t) <= tol else "OUTSIDE"
            print(f"    {stat:>11}: {v:7.4f} ± {se:.4f}   target {t:.3f} ± {tol:.3f}   {flag}")
        print(f"    sources: {tg.sources}")
    if args.json:
        args.json.write_text(json.dumps(rep, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
