"""Fast start of the command line (issue 17): ``fundsvc --help`` and ``fundsvc price-loan`` import
only what they need. Deterministic checks on ``sys.modules`` in a fresh interpreter, not timings
(the timings are ``bench/bench_startup.py``, in ``bench/run_all.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.cli.commands import COMMANDS, scan_commands

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("polars", "scipy", "pandas", "sqlalchemy", "alembic", "dash", "fastapi", "plotly", "numpy_financial",
         "pyxirr", "dask")
ENV = {"COLUMNS": "80", "LINES": "50", "TERM": "dumb"}


def _loaded_after(argv: list[str]) -> dict:
    """Run the CLI with ``argv`` in a fresh interpreter; return its exit code and the heavy modules loaded."""
    code = (
        "import json, sys\n"
        "from fundsvc.cli.app import main\n"
        f"sys.argv = ['fundsvc', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    rc = e.code\nelse:\n    rc = 0\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print('@@' + json.dumps({'rc': rc, 'heavy': heavy}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **ENV}
    out = subprocess.run([sys.executable, "-c", code], check=False, env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("@@"))
    return json.loads(line[2:])


def test_help_imports_no_heavy_module():
    """``fundsvc --help`` lists every command without importing any command module's dependencies."""
    res = _loaded_after(["--help"])
    assert res["rc"] == 0
    assert res["heavy"] == []


def test_price_loan_imports_only_what_pricing_needs():
    """A typical ``price-loan`` needs numpy and scipy.special, but not polars, SQLAlchemy, Dash,
    FastAPI or the rest of scipy (scipy.stats, scipy.optimize)."""
    res = _loaded_after(["price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--pledge-rate", "0.4"])
    assert res["rc"] == 0
    tops = {m.split(".")[0] for m in res["heavy"]}
    assert tops <= {"scipy"}, sorted(tops)
    assert not [m for m in res["heavy"] if m.startswith(("scipy.stats", "scipy.optimize", "scipy.integrate"))]


def test_command_table_matches_the_modules():
    """:data:`COMMANDS` (what the lazy listing shows) is exactly what the command modules register."""
    scanned = scan_commands()
    expected = "\n".join(f"    CommandEntry({e.name!r}, {e.module!r},\n                 {e.summary!r})," for e in scanned)
    assert scanned == COMMANDS, f"update COMMANDS in fundsvc/cli/commands.py to:\n{expected}"


@pytest.mark.parametrize("args", [["--help"], [], ["price-loan", "--help"], ["users", "--help"],
                                  ["runs", "list", "--help"], ["no-such-command"], ["price-loa"]])
def test_lazy_app_prints_what_the_eager_app_prints(args):
    """Help, usage errors and exit codes are the same whether modules load on use or all at once."""
    runner = CliRunner()
    lazy = runner.invoke(build_app(), args, env=ENV)
    eager = runner.invoke(build_app(eager=True), args, env=ENV)
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)
    if args == ["--help"]:
        assert all(e.name in lazy.output for e in COMMANDS)
