"""`fundsvc db upgrade|current` and `fundsvc runs list|show`, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from sqlalchemy import make_url
from typer.testing import CliRunner

from fundsvc.cli import db as db_cli
from fundsvc.cli import runs as runs_cli
from fundsvc.cli.app import _ErrorHandlingGroup
from fundsvc.settings import get_settings
from fundsvc.store import Store
from fundsvc.store.migrate import head_revision

SECRET = "cli-s3cret"


@pytest.fixture
def app() -> typer.Typer:
    """Only this area's commands, with the real app's error handling."""
    app = typer.Typer(cls=_ErrorHandlingGroup, add_completion=False,
                      pretty_exceptions_enable=False)
    db_cli.register(app)
    runs_cli.register(app)
    return app


@pytest.fixture
def options(empty_database_url: str, db_backend: str, tmp_path: Path) -> list[str]:
    url = empty_database_url
    if db_backend == "postgresql":  # trust auth ignores it; it must never be printed
        url = make_url(url).set(password=SECRET).render_as_string(hide_password=False)
    return ["--data-dir", str(tmp_path / "data"), "--database-url", url]


def invoke(app: typer.Typer, *args: str):
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert SECRET not in result.output
    assert "Traceback" not in result.output
    return result


def test_db_upgrade_then_current(app, options) -> None:
    result = invoke(app, "db", "current", "--check", *options)
    assert result.exit_code == 1
    assert "Revision: none (not initialised)" in result.output
    assert "needs `fundsvc db upgrade`" in result.output

    result = invoke(app, "db", "upgrade", *options)
    assert result.exit_code == 0, result.output
    assert f"Upgraded from an empty database to revision {head_revision()}." in result.output
    assert "Database: " in result.output

    result = invoke(app, "db", "upgrade", *options)
    assert f"Already at revision {head_revision()}." in result.output

    result = invoke(app, "db", "current", "--check", *options)
    assert result.exit_code == 0
    assert f"Revision: {head_revision()}" in result.output and "up to date" in result.output


def test_password_is_masked_in_db_output(app, options, db_backend) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite URLs carry no password")
    result = invoke(app, "db", "upgrade", *options)
    assert result.exit_code == 0, result.output
    assert "postgres:***@" in result.output


def test_commands_on_an_unmigrated_database_say_what_to_do(app, options) -> None:
    result = invoke(app, "runs", "list", *options)
    assert result.exit_code == 2
    assert "not initialised for fundsvc; run `fundsvc db upgrade`" in result.output


def test_bad_url_is_one_line_without_traceback(app, tmp_path) -> None:
    result = invoke(app, "runs", "list", "--data-dir", str(tmp_path),
                    "--database-url", f"postgresql://u:{SECRET}@127.0.0.1:1/x")
    assert result.exit_code == 2
    assert "Error: cannot connect to the database at postgresql+psycopg://u:***@" \
        in result.output


@pytest.fixture
def populated(options) -> tuple[list[str], dict[str, int]]:
    data_dir, url = options[1], options[3]
    with Store.open(get_settings(data_dir=data_dir, database_url=url), upgrade=True) as store:
        base = store.scenarios.add("base-case", "x = 1\n").id
        stress = store.scenarios.add("stress[red]", "x = 2\n").id  # markup-like name
        ok = store.runs.create(base, seed=2**100, n_paths=250_000, label="基准")
        store.runs.mark_running(ok)
        store.runs.complete(ok, {"irr_quantiles": pl.DataFrame({"q": [0.05, 0.5, 0.95]})},
                            {"irr": pl.DataFrame({"irr": [0.1] * 50})},
                            timings={"venture": 3.0, "credit": 1.0})
        bad = store.runs.create(stress, seed=7, n_paths=1000)
        store.runs.mark_running(bad)
        store.runs.fail(bad, "pool balance [negative] in year 3")
        queued = store.runs.create(base, seed=8, n_paths=10)
    return options, {"ok": ok, "bad": bad, "queued": queued}


def test_runs_list(app, populated) -> None:
    options, ids = populated
    result = invoke(app, "runs", "list", *options)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = {name: next(line for line in lines if f" {run_id} │" in line)
           for name, run_id in ids.items()}
    assert "base-case" in row["ok"] and "succeeded" in row["ok"] and "250,000" in row["ok"]
    assert "12676506002…" in row["ok"]  # a 128-bit seed is shortened in the list
    assert "stress[red]" in row["bad"] and "failed" in row["bad"]
    assert "queued" in row["queued"]
    assert result.output.index(f" {ids['queued']} │") < result.output.index(f" {ids['ok']} │")

    result = invoke(app, "runs", "list", "--status", "failed", *options)
    assert "stress[red]" in result.output and "base-case" not in result.output
    result = invoke(app, "runs", "list", "--limit", "1", *options)
    assert "queued" in result.output and "succeeded" not in result.output
    result = invoke(app, "runs", "list", "--status", "running", *options)
    assert result.output.strip() == "No runs with status running."


def test_runs_show_succeeded(app, populated) -> None:
    options, ids = populated
    result = invoke(app, "runs", "show", str(ids["ok"]), *options)
    assert result.exit_code == 0, result.output
    out = result.output
    assert str(2**100) in out  # full seed in details
    for expected in ("base-case", "succeeded", "基准", "250,000", "Timings", "venture",
                     "75%", "irr_quantiles", "Artifacts", "irr.parquet", "Duration"):
        assert expected in out, expected


def test_runs_show_failed_shows_the_error(app, populated) -> None:
    options, ids = populated
    result = invoke(app, "runs", "show", str(ids["bad"]), *options)
    assert result.exit_code == 0, result.output
    assert "Error: pool balance [negative] in year 3" in result.output
    assert "stress[red]" in result.output


def test_runs_show_unknown_id(app, populated) -> None:
    options, _ = populated
    result = invoke(app, "runs", "show", "999999", *options)
    assert result.exit_code == 2
    assert "no run with id 999999" in result.output


def test_runs_show_prints_the_stored_equity_credit_link(app, options) -> None:
    """A stored ``equity_credit_link`` table is shown by `runs show` (text and --json)."""
    import json

    from fundsvc.stress.link import EquityCreditLink

    data_dir, url = options[1], options[3]
    with Store.open(get_settings(data_dir=data_dir, database_url=url), upgrade=True) as store:
        sid = store.scenarios.add("linked", "x = 1\n").id
        rid = store.runs.create(sid, seed=1, n_paths=1000)
        store.runs.mark_running(rid)
        store.runs.complete(rid, {"equity_credit_link": EquityCreditLink(1000, 0.2431, 0.0307, 0.04, 0.0277).table()},
                            {}, timings={})
    result = invoke(app, "runs", "show", str(rid), *options)
    assert result.exit_code == 0, result.output
    for expected in ("Equity–credit link", "股债联动", "0.24 ± 0.03", "4.0% ± 2.8%", "5.0%"):
        assert expected in result.output, expected
    doc = json.loads(invoke(app, "runs", "show", str(rid), "--json", *options).output)
    assert [r["figure"] for r in doc["equity_credit_link"]] == ["rank_correlation", "joint_tail"]
