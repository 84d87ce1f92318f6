"""`fundsvc validate` and `fundsvc scenarios`: what a user sees, and exit codes."""

import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app


@pytest.fixture(scope="module")
def app():
    return build_app()


def invoke(app, *args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def test_validate_quick_prints_summary(app, scenarios_dir):
    r = invoke(app, "validate", str(scenarios_dir / "quick.toml"))
    assert r.exit_code == 0, r.output
    assert "valid" in r.output
    assert "seed-iot" in r.output and "city-ip" in r.output
    assert "亿元" in r.output


def test_validate_by_bundled_name(app):
    r = invoke(app, "validate", "quick")
    assert r.exit_code == 0, r.output


def test_validate_bad_file_exit_2_without_traceback(app, tmp_path, scenarios_dir):
    bad = tmp_path / "s"
    shutil.copytree(scenarios_dir, bad)
    text = (bad / "quick.toml").read_text().replace("guidance_share = 0.25", "guidance_share = 1.25")
    (bad / "quick.toml").write_text(text)
    r = invoke(app, "validate", str(bad / "quick.toml"))
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "sub_funds[1] (id 'vc-bio').guidance_share" in r.output
    assert "less than or equal to 1" in r.output


def test_validate_missing_file(app, tmp_path):
    r = invoke(app, "validate", str(tmp_path / "nope.toml"))
    assert r.exit_code == 2
    assert "file not found" in r.output


def test_scenarios_list_and_show(app):
    r = invoke(app, "scenarios", "list")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    quick = next(i for i, line in enumerate(lines) if "│ quick " in line)  # the name `simulate` takes
    assert "Quick test scenario" in lines[quick + 1] and "48" in lines[quick]  # its title below, its loans
    r = invoke(app, "scenarios", "show", "quick")
    assert r.exit_code == 0, r.output
    assert 'name = "quick"' in r.output


def test_console_script_runs_as_a_process(scenarios_dir, tmp_path):
    """The installed entry point, as a user runs it: exit code and stderr message."""
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "x"\n[simulation\n')
    p = subprocess.run(
        [sys.executable, "-c", "from fundsvc.cli.app import main; main()", "validate", str(bad)],
        capture_output=True, text=True,
    )
    assert p.returncode == 2
    assert "not valid TOML" in p.stderr
    assert "line 2" in p.stderr
    assert "Traceback" not in p.stderr
