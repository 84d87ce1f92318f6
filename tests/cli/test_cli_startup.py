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
    """Run the CLI with ``argv`` in a fresh interpreter; return its exit code, the heavy modules and
    every ``fundsvc``/``models``/``rich`` module loaded, and what the cyclic garbage collector did."""
    code = (
        "import gc, json, sys\n"
        "import fundsvc.cli.app as cli\n"
        "during = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and during.append(cli._in_startup))\n"
        f"sys.argv = ['fundsvc', *{argv!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit as e:\n    rc = e.code\nelse:\n    rc = 0\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in ('fundsvc', 'models', 'rich'))\n"
        "gc_info = {'in_startup': sum(during), 'after': len(during) - sum(during), 'enabled': gc.isenabled(),\n"
        "           'frozen': gc.get_freeze_count()}\n"
        "print('@@' + json.dumps({'rc': rc, 'heavy': heavy, 'ours': ours, 'gc': gc_info}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **ENV}
    out = subprocess.run([sys.executable, "-c", code], check=False, env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("@@"))
    return json.loads(line[2:])


PRICE_LOAN = ["price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--pledge-rate", "0.4"]
#: Modules a plain ``price-loan`` (no scenario, standardised capital) must not load: the rest of the
#: credit analytics (pricing needs only the IRB formulas), the engine's recovery tables (only for an
#: LGD sourced from a scenario's recovery model), the scenario loader, the store and the simulation.
NOT_FOR_PRICE_LOAN = (
    "fundsvc.credit.analytics.creditrisk_plus", "fundsvc.credit.analytics.default_count",
    "fundsvc.credit.analytics.vasicek", "fundsvc.credit.analytics.loss_distribution",
    "fundsvc.credit.engine", "fundsvc.credit.pricing.economic_capital", "fundsvc.credit.pricing.book",
    "fundsvc.inputs", "fundsvc.store", "fundsvc.simulation", "fundsvc.service", "fundsvc.web",
    "models.scenario", "models.venture", "models.market",
)


def test_help_imports_no_heavy_module():
    """``fundsvc --help`` lists every command without importing any command module's dependencies."""
    res = _loaded_after(["--help"])
    assert res["rc"] == 0
    assert res["heavy"] == []
    assert not [m for m in res["ours"] if m.startswith(("fundsvc.credit", "models", "rich"))]


def test_price_loan_imports_only_what_pricing_needs():
    """A typical ``price-loan`` (IP worth 2.5 times the loan) needs numpy and scipy.special, but not polars, SQLAlchemy, Dash,
    FastAPI or the rest of scipy (scipy.stats, scipy.optimize), nor the parts of fundsvc that only
    scenarios, simulations and the store use."""
    res = _loaded_after(PRICE_LOAN)
    assert res["rc"] == 0
    tops = {m.split(".")[0] for m in res["heavy"]}
    assert tops <= {"scipy"}, sorted(tops)
    assert not [m for m in res["heavy"] if m.startswith(("scipy.stats", "scipy.optimize", "scipy.integrate"))]
    loaded = [m for m in res["ours"] if m.startswith(NOT_FOR_PRICE_LOAN)]
    assert loaded == [], loaded
    assert "fundsvc.credit.analytics.irb" in res["ours"]  # what the IRB method needs (imported on load)
    assert "scipy.special" in res["heavy"]  # betainc: the IP may cover the loss


@pytest.mark.parametrize("argv", [
    ["price-loan", "--help"],
    ["price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--lgd", "0.45", "--pool-share", "0.4",
     "--quoted-rate", "0.05"],
    ["price-loan", "--amount", "5000000", "--term", "3", "--pd", "0.02", "--lgd", "0.45", "--json"],
    ["price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.03", "--ip-appraisal", "2000000",
     "--pool-share", "0.5", "--quoted-rate", "0.05"],
])
def test_price_loan_without_special_functions_does_not_load_scipy(argv):
    """scipy.special (about a quarter of a second to import) loads only for what needs it: the
    incomplete beta of IP collateral that may cover the loss, the normal of the IRB formula or of a
    sourced LGD. Its help, a loan with a given LGD, and a loan larger than its IP's net value
    (E[(K − a·X)⁺] = K − a·E[X]) under standardised capital need none of them."""
    res = _loaded_after(argv)
    assert res["rc"] == 0
    assert res["heavy"] == [], res["heavy"]


def test_price_loan_json_does_not_load_rich():
    """``--json`` prints with the standard library: rich (tables) is not imported."""
    res = _loaded_after([*PRICE_LOAN, "--json"])
    assert res["rc"] == 0
    assert not [m for m in res["ours"] if m.startswith("rich")]


@pytest.mark.parametrize("argv", [PRICE_LOAN, ["--help"], ["price-loan", "--help"], ["price-loan", "--term", "x"]])
def test_no_garbage_collection_during_startup(argv):
    """The cyclic collector never runs while the command line starts (imports, parsing): it is off
    until the command's own code starts, then on again with start-up's objects frozen."""
    res = _loaded_after(argv)
    assert res["gc"]["in_startup"] == 0, res["gc"]
    assert res["gc"]["enabled"] is True
    assert res["gc"]["frozen"] > 0
    if argv is PRICE_LOAN:
        assert res["rc"] == 0
        assert res["gc"]["after"] > 0  # the command's own work is collected as usual


def test_in_process_use_leaves_the_collector_alone():
    """The app run in-process (tests, the API) does not touch the collector: only ``main()`` does."""
    import gc

    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(build_app(), [*PRICE_LOAN, "--json"], env=ENV)
    assert result.exit_code == 0, result.output
    assert gc.isenabled() and gc.get_freeze_count() == frozen


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
