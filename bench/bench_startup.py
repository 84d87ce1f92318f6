"""Start-up time of the ``fundsvc`` command line, each run in a fresh Python process.

Times ``fundsvc --help`` and a typical ``fundsvc price-loan`` against two baselines measured in
the same run, interleaved so machine load hits all of them alike: ``python -c pass`` (the
interpreter) and ``python -c "import numpy"`` (the least any numeric command needs). Reports the
median wall time of ``repeats`` rounds and the spread (min, max); the target of issue 17 is
≤ 0.4 s for each command.

    python bench/bench_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The typical pricing call of the issue (a 5,000,000 CNY three-year loan with pledged IP).
PRICE_LOAN_ARGS = ("price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--pledge-rate", "0.4")

_CLI = "from fundsvc.cli.app import main; main()"
CASES: dict[str, list[str]] = {
    "python_pass": ["-c", "pass"],
    "import_numpy": ["-c", "import numpy"],
    "help": ["-c", _CLI, "--help"],
    "price_loan": ["-c", _CLI, *PRICE_LOAN_ARGS],
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("COLUMNS", "100")
    return env


def _once(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], check=False, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{args} exited {proc.returncode}: {proc.stderr[-800:]}")
    return dt


def run(repeats: int = 7) -> dict:
    """Median and spread (seconds) of every case over ``repeats`` interleaved rounds, and ratios."""
    env = _env()
    for args in CASES.values():  # warm the file cache once
        _once(args, env)
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(repeats):
        for name, args in CASES.items():
            times[name].append(_once(args, env))
    out: dict = {"repeats": repeats, "price_loan_args": " ".join(PRICE_LOAN_ARGS)}
    for name, ts in times.items():
        out[f"{name}_s"] = statistics.median(ts)
        out[f"{name}_min_s"], out[f"{name}_max_s"] = min(ts), max(ts)
    for name in ("help", "price_loan"):
        out[f"{name}_vs_python"] = out[f"{name}_s"] / out["python_pass_s"]
        out[f"{name}_vs_numpy"] = out[f"{name}_s"] / out["import_numpy_s"]
        out[f"{name}_target_met"] = out[f"{name}_s"] <= 0.4
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    print(json.dumps(run(ap.parse_args().repeats), indent=2))
