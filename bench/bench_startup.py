"""Start-up time of the ``fundsvc`` command line, each run in a fresh Python process.

Times ``fundsvc --help``, a typical ``fundsvc price-loan`` (a loan with pledged IP that may cover
the loss, so the pricer needs ``scipy.special.betainc``) and one with IP worth less than the loan
(no special function, no scipy) against baselines measured in the same run, interleaved
so machine load hits all of them alike:

* ``python -c pass`` (the interpreter);
* ``python -c "import numpy"`` (the least any numeric command needs);
* ``python -c "import numpy, scipy.special"`` (the floor of ``price-loan`` with IP collateral:
  ``from scipy.special import betainc`` runs all of ``scipy.special/__init__``, whose array-API
  layer clones the numpy namespace and so imports ``numpy.f2py``, ``numpy.testing``,
  ``numpy.ma``, ``numpy.random`` …; there is no lighter public way to the function);
* optionally the same two commands from another checkout (``--baseline-tree DIR``, e.g. the
  commit before a change), to compare old and new in one run.

Reports, per case, the median wall time and the median CPU time (user + sys of the child) of
``repeats`` rounds and the spread (min, max). On a shared machine wall time swings with load;
CPU time and ratios against the same run's baselines are the steadier figures. The target of
issue 17 is ≤ 0.4 s wall for each command.

    python bench/bench_startup.py [--repeats 7] [--baseline-tree ../old-checkout]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The typical pricing call of the issue (a 5,000,000 CNY three-year loan with pledged IP worth 2.5 times
#: the loan: the IP may cover the whole loss, so the expected loss needs the incomplete beta function).
PRICE_LOAN_ARGS = ("price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--pledge-rate", "0.4")
#: A loan larger than its IP (3,000,000 CNY against an appraisal of 2,000,000, half the loss to the pool):
#: every recovery leaves a loss, E[(K − a·X)⁺] = K − a·E[X] exactly, no special function and no scipy.
PRICE_LOAN_SMALL_IP_ARGS = ("price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.03", "--ip-appraisal",
                            "2000000", "--pool-share", "0.5", "--quoted-rate", "0.05")

_CLI = "from fundsvc.cli.app import main; main()"
CASES: dict[str, list[str]] = {
    "python_pass": ["-c", "pass"],
    "import_numpy": ["-c", "import numpy"],
    "import_scipy_special": ["-c", "import numpy, scipy.special"],
    "help": ["-c", _CLI, "--help"],
    "price_loan": ["-c", _CLI, *PRICE_LOAN_ARGS],
    "price_loan_small_ip": ["-c", _CLI, *PRICE_LOAN_SMALL_IP_ARGS],
}
#: Cases also run from ``--baseline-tree`` (named ``baseline_<case>``).
COMMAND_CASES = ("help", "price_loan", "price_loan_small_ip")


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("COLUMNS", "100")
    return env


def _once(args: list[str], tree: Path) -> tuple[float, float]:
    """(wall s, user + sys CPU s) of one fresh process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], check=False, env=_env(tree), cwd=tree, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} exited {proc.returncode}: {proc.stderr[-800:]}")
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def run(repeats: int = 7, baseline_tree: str | Path | None = None) -> dict:
    """Median and spread (seconds) of wall and CPU time of every case over ``repeats`` interleaved
    rounds, and ratios against the baselines."""
    cases = {name: (args, ROOT) for name, args in CASES.items()}
    if baseline_tree is not None:
        tree = Path(baseline_tree).resolve()
        cases.update({f"baseline_{name}": (CASES[name], tree) for name in COMMAND_CASES})
    for args, tree in cases.values():  # warm the file cache once
        _once(args, tree)
    wall: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for name, (args, tree) in cases.items():
            w, c = _once(args, tree)
            wall[name].append(w)
            cpu[name].append(c)
    out: dict = {"repeats": repeats, "price_loan_args": " ".join(PRICE_LOAN_ARGS),
                 "price_loan_small_ip_args": " ".join(PRICE_LOAN_SMALL_IP_ARGS)}
    if baseline_tree is not None:
        out["baseline_tree"] = str(baseline_tree)
    for name in cases:
        out[f"{name}_s"] = statistics.median(wall[name])
        out[f"{name}_min_s"], out[f"{name}_max_s"] = min(wall[name]), max(wall[name])
        out[f"{name}_cpu_s"] = statistics.median(cpu[name])
        out[f"{name}_cpu_min_s"], out[f"{name}_cpu_max_s"] = min(cpu[name]), max(cpu[name])
    for name in COMMAND_CASES:
        out[f"{name}_vs_python"] = out[f"{name}_s"] / out["python_pass_s"]
        out[f"{name}_vs_numpy"] = out[f"{name}_s"] / out["import_numpy_s"]
        out[f"{name}_target_met"] = out[f"{name}_s"] <= 0.4
        if baseline_tree is not None:
            out[f"{name}_vs_baseline_tree"] = out[f"{name}_s"] / out[f"baseline_{name}_s"]
            out[f"{name}_cpu_vs_baseline_tree"] = out[f"{name}_cpu_s"] / out[f"baseline_{name}_cpu_s"]
    # how much of price-loan's CPU time is the scipy.special floor, and how much the rest
    out["price_loan_cpu_vs_scipy_special"] = out["price_loan_cpu_s"] / out["import_scipy_special_cpu_s"]
    out["price_loan_cpu_above_scipy_special_s"] = out["price_loan_cpu_s"] - out["import_scipy_special_cpu_s"]
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--baseline-tree", default=None,
                    help="another checkout of fundsvc whose commands are timed alongside (old vs new)")
    ns = ap.parse_args()
    print(json.dumps(run(ns.repeats, ns.baseline_tree), indent=2))
