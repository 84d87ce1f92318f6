"""Model card: every calibration file's source and label, every validation check's result, formats."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.inputs.bundled import bundled_dir
from fundsvc.validation.model_card import build_model_card, calibrations, check_calibrations


def test_every_bundled_calibration_has_a_label_and_sources():
    """Fails the build when a calibration file lacks a source or a label."""
    assert check_calibrations(bundled_dir()) == []
    names = {c.file for c in calibrations(bundled_dir())}
    assert "profiles/pd_master_scale.toml" in names and "profiles/ip_recovery.toml" in names


def test_missing_source_or_label_is_reported(tmp_path):
    prof = tmp_path / "profiles"
    prof.mkdir()
    (prof / "no_source.toml").write_text("# PD scale of a test bank\n[x]\na = 1\n", encoding="utf-8")
    (prof / "no_label.toml").write_text("sources = ['a paper']\n", encoding="utf-8")
    problems = check_calibrations(tmp_path)
    assert any("no_source.toml: no sources" in p for p in problems)
    assert any("no_label.toml: no label" in p for p in problems)
    assert not any("no_source.toml: no label" in p for p in problems)


def test_card_lists_sources_and_results_in_every_format(tmp_path):
    heads = pl.DataFrame({"figure": ["guidance TVPI mean"], "estimate": [1.9], "lo": [1.8], "hi": [2.0]})
    card = build_model_card(bundled_dir(), run={"run": 7, "scenario": "quick"}, headlines=heads)
    md = card.markdown()
    for c in calibrations(bundled_dir()):
        assert c.file in md and c.sources[0][:40].replace("|", "/") in md
    assert "## Validation tests (latest result)" in md and "Backtest backtest_loans_fail" in md
    assert card.validation["passed"].all(), card.validation
    assert "guidance TVPI mean" in md and "fundsvc " in md
    assert "<h2>Limitations</h2>" in card.html()
    res = CliRunner().invoke(build_app(), ["model-card", "--format", "xlsx", "--output", str(tmp_path / "c.xlsx")])
    assert res.exit_code == 0, res.output
    sheets = pl.read_excel(tmp_path / "c.xlsx", sheet_id=0, engine="openpyxl")
    assert {"card", "assumptions", "validation"} <= set(sheets)
    res = CliRunner().invoke(build_app(), ["model-card", "--format", "xlsx"])
    assert res.exit_code == 2 and "--output" in res.output
