"""The command line at 80 columns: nothing cut, ``--json`` valid against the published schemas,
plain help, ``assess`` naming its basis and the actuals it used, ``report`` naming its file."""

from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from fundsvc.cli import schemas
from fundsvc.cli.app import build_app

ENV = {"COLUMNS": "80", "LINES": "50", "TERM": "dumb"}


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """One stored run of quick.toml (400 paths) in a throw-away data dir; ``run(*args)`` invokes the CLI."""
    data = tmp_path_factory.mktemp("cli-present")
    runner = CliRunner()
    app = build_app()

    def run(*args, ok=True):
        res = runner.invoke(app, [*args, "--data-dir", str(data)] if args[0] not in ("scenarios",) else list(args),
                            env=ENV)
        if ok:
            assert res.exit_code == 0, res.output
        return res.output

    sim = run("simulate", "quick", "--paths", "400", "--seed", "3")
    return run, sim


def _fits(text: str) -> None:
    for line in text.splitlines():
        assert len(line) <= 80, f"{len(line)} columns: {line!r}"
    assert "…" not in text, "a cell was cut"


def test_tables_fit_80_columns(cli):
    run, sim = cli
    _fits(sim)
    assert "VaR 99%" in sim and "key columns" in sim  # narrow: the key columns, and it says so
    _fits(run("runs", "list"))
    _fits(run("runs", "show", "1"))
    _fits(run("assess", "1", "--no-save"))
    _fits(run("scenarios", "list"))
    priced = CliRunner().invoke(build_app(), ["price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.03",
                                              "--ip-appraisal", "2000000", "--pool-share", "0.5", "--quoted-rate",
                                              "0.05", "--crm", "substitution"], env=ENV).output
    _fits(priced)
    irb = CliRunner().invoke(build_app(), ["price-loan", "--amount", "3000000", "--term", "3", "--pd", "0.03",
                                           "--ip-appraisal", "2000000", "--pool-share", "0.5", "--method", "irb",
                                           "--crm", "lgd_adjustment"], env=ENV).output
    _fits(irb)
    assert "IRB LGD" in irb and "IRB LGD" not in priced  # the column only where it has values
    assert "LGD after sharing" in priced.replace("\n", " ").replace("│", "").replace("  ", " ") or "分担后" in priced


def test_json_outputs_validate_against_schemas(cli):
    run, _ = cli
    for args, schema in ((("runs", "list", "--json"), schemas.RUNS_LIST), (("runs", "show", "1", "--json"), schemas.RUNS_SHOW),
                         (("scenarios", "list", "--json"), schemas.SCENARIOS_LIST),
                         (("assess", "1", "--no-save", "--json"), schemas.ASSESS)):
        doc = json.loads(run(*args))
        jsonschema.validate(doc, schema)
    doc = json.loads(run("runs", "list", "--json"))
    assert doc["runs"][0]["paths"] == 400 and doc["runs"][0]["status"] == "succeeded"
    with pytest.raises(jsonschema.ValidationError):  # the schema can fail
        jsonschema.validate({"runs": [{"id": "1"}]}, schemas.RUNS_LIST)


def test_help_is_plain(cli):
    run, _ = cli
    for cmd in (("assess", "--help"), ("simulate", "--help"), ("runs", "list", "--help")):
        text = CliRunner().invoke(build_app(), list(cmd), env=ENV).output
        assert "<bool>" not in text and "{" not in text, text
    assert "--save / --no-save" in CliRunner().invoke(build_app(), ["assess", "--help"], env=ENV).output


def test_assess_and_report_name_basis_actuals_and_file(cli, tmp_path):
    run, _ = cli
    out = run("assess", "1", "--no-save")
    assert "结论 Verdict" in out and "依据 Basis: simulated" in out and "No actuals used" in out
    assert "评分卡 Scorecard" in out and "财政资金放大倍数" in out
    target = tmp_path / "annual.xlsx"
    out = run("report", "1", "--period", "2026", "--format", "xlsx", "--out", str(target))
    assert target.exists() and "report written to" in out and target.name in out.replace("\n", "")
    assert "actuals used: none" in out
