"""Non-browser tests: text table, derivations, exports, uploads, what-if, serve bootstrap."""

from __future__ import annotations

import base64
import io
import json
import math

import polars as pl
import pytest

from dashboards.i18n import TEXT, t


def test_every_text_has_both_languages():
    for key, (zh, en) in TEXT.items():
        assert zh.strip() and en.strip(), key
    assert t("nav_overview", "zh") == "总览" and t("nav_overview", "en") == "Overview"
    assert t("nav_overview", "fr") == "总览"  # unknown language: the default (Chinese)
    with pytest.raises(KeyError):
        t("no_such_key", "en")


def test_every_page_renders_in_both_languages_with_known_text(dash_app, quick_run):
    from dashboards.app import render_page
    from dashboards.pages import PAGES

    for path, _, _ in PAGES:
        for lang in ("zh", "en"):
            page = render_page(dash_app.fundsvc_data, path, quick_run.run_id, lang, dash_app)
            assert page is not None


def test_export_bytes_csv_and_xlsx_round_trip():
    from dashboards.app import export_bytes

    frame = pl.DataFrame({"主体": ["引导基金", "b"], "x": [1.5, 2.0]})
    csv = export_bytes(frame, "csv")  # raw values; the row under the header names the units
    assert csv.startswith("\ufeff".encode())
    assert pl.read_csv(io.BytesIO(csv[3:]), skip_rows_after_header=1).equals(frame)
    assert csv.decode("utf-8-sig").splitlines()[1] == '"",number 数值'
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(frame, "xlsx"))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["主体", "x"], [None, "number 数值"], ["引导基金", 1.5], ["b", 2.0]]


def test_export_callback_serves_the_stored_table(dash_app, quick_run):
    """The export callback through Flask's test client, as the browser calls it."""
    client = dash_app.server.test_client()
    payload = {
        "output": "export-download.data", "outputs": {"id": "export-download", "property": "data"},
        "inputs": [{"id": {"fmt": "csv", "table": "equity_summary", "type": "export"}, "property": "n_clicks",
                    "value": 1}],
        "changedPropIds": ['{"fmt":"csv","table":"equity_summary","type":"export"}.n_clicks'],
        "state": [{"id": "run-select", "property": "value", "value": quick_run.run_id}],
    }
    payload["inputs"] = [[payload["inputs"][0]]]
    r = client.post("/_dash-update-component", json=payload)
    assert r.status_code == 200, r.data[:500]
    sent = r.get_json()["response"]["export-download"]["data"]
    body = base64.b64decode(sent["content"]) if sent.get("base64") else sent["content"].encode()
    got = pl.read_csv(io.BytesIO(body.lstrip(b"\xef\xbb\xbf")), skip_rows_after_header=1)  # units row
    stored = quick_run.store.runs.load_table(quick_run.run_id, "equity_summary")
    assert got["entity"].to_list() == stored["entity"].to_list()
    assert got["tvpi_p50"].to_list() == pytest.approx(stored["tvpi_p50"].to_list())
    assert sent["filename"] == f"equity_summary_run{quick_run.run_id}.csv"


def _b64(raw: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(raw).decode()


def test_decode_upload_limits_size_before_decoding():
    from dashboards.pages.runs import decode_upload

    scenario, _raw, error = decode_upload(_b64(b"#" * (3 * 2**20)), "../../etc/big.toml")
    assert scenario is None and "limited to 2 MiB" in error and error.startswith("big.toml")
    _, _, error = decode_upload("data:x;base64,@@@notbase64", "x.toml")
    assert "could not be decoded" in error


def test_programme_targets_and_tolerance_from_stored_tables(quick_run):
    from dashboards.derive import programme_targets, tolerance_view, tolerated_loss_ratio

    s = quick_run.scenario
    runs = quick_run.store.runs
    targets = programme_targets(s, runs.load_array(quick_run.run_id, "equity_indicators"),
                                runs.load_table(quick_run.run_id, "credit_pool_summary"))
    lev = targets.filter(pl.col("key") == "target_leverage")["achieved"][0]
    assert lev == pytest.approx(sum(f.commitment_cny for f in s.sub_funds)
                                / sum(f.commitment_cny * f.guidance_share for f in s.sub_funds))
    tol = tolerated_loss_ratio(s)
    # quick: seed 0.8, venture 0.4, growth 0.2 weighted by guidance commitment 60m, 100m, 100m
    assert tol == pytest.approx((0.8 * 60 + 0.4 * 100 + 0.2 * 100) / 260)
    view = tolerance_view(runs.load_table(quick_run.run_id, "equity_quantiles"), tol)
    assert view.within == (view.median <= tol) and 0 <= view.p_exceed <= 1
    assert math.isnan(tolerance_view(pl.DataFrame(), tol).median)


def test_whatif_higher_graduation_raises_median_tvpi(quick_run):
    from dashboards.whatif import WhatIf, modified_scenario, run_whatif

    s = quick_run.scenario
    m = modified_scenario(s, WhatIf(2.0, 0.3, 0.01))
    for prof, orig in zip(m.stage_profiles, s.stage_profiles, strict=True):
        for st, o in zip(prof.stages, orig.stages, strict=True):
            assert st.p_next_round == pytest.approx(min(2 * o.p_next_round, 1 - o.p_exit))
    assert all(f.reserve_ratio == 0.3 and f.fees.management_fee_rate == 0.01 for f in m.sub_funds)
    base = run_whatif(s, WhatIf(), paths=1000)
    better = run_whatif(s, WhatIf(1.5), paths=1000)
    g = lambda f: f.filter(pl.col("entity") == "guidance")["tvpi_p50"][0]
    assert g(better) > g(base)


def test_serve_bootstrap_simulates_only_an_empty_database(tmp_path):
    from rich.console import Console

    from fundsvc.cli.serve import bootstrap
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    store = Store.open(get_settings(data_dir=tmp_path, database_url=None), upgrade=True)
    console = Console(file=io.StringIO())
    run_id = bootstrap(store, console, scenario="quick", paths=300)
    assert store.runs.get(run_id).status.value == "succeeded" and store.runs.get(run_id).n_paths == 300
    assert bootstrap(store, console, scenario="quick", paths=300) is None
    assert len(store.runs.list(limit=None)) == 1
    store.engine.dispose()


TEST_STAGES = (500, 2000)
"""What-if stages in the tests (the app's default is (2,000, 10,000)); 2,000 is the stored run's
path count, so the refined base is the stored summary itself."""


def test_whatif_callback_applies_the_panel_values(dash_app, quick_run):
    """The what-if start callback returns at once with a job id; the job's results equal full
    reruns of the base and the changed scenario on the stored run's seed and chunk size (the
    refined base is the stored run's own summary); polling renders it with its stage, the sides
    rerun and the Monte Carlo errors. Starting the same change again reuses the job."""
    import time

    import fundsvc
    from dashboards.components import fmt_mult
    from dashboards.whatif import WhatIf, modified_scenario

    client = dash_app.server.test_client()
    jobs = dash_app.fundsvc_whatifs
    jobs.stages = TEST_STAGES
    values = {"whatif-grad": 1.3, "whatif-reserve": 0.3, "whatif-fee": 0.015}
    run = quick_run.store.runs.get(quick_run.run_id)

    def start():
        t0 = time.perf_counter()
        r = client.post("/_dash-update-component", json={
            "output": "..whatif-job.data...whatif-poll.disabled..",
            "outputs": [{"id": "whatif-job", "property": "data"}, {"id": "whatif-poll", "property": "disabled"}],
            "inputs": [{"id": "whatif-run", "property": "n_clicks", "value": 1}],
            "state": [*({"id": k, "property": "value", "value": v} for k, v in values.items()),
                      {"id": "run-select", "property": "value", "value": quick_run.run_id}],
            "changedPropIds": ["whatif-run.n_clicks"]})
        assert r.status_code == 200
        return json.loads(r.get_data(as_text=True))["response"]["whatif-job"]["data"], time.perf_counter() - t0

    try:
        job_id, seconds = start()
        assert seconds < 1.0  # the callback does not wait for the simulation
        assert start()[0] == job_id  # idempotent: the same change is the same job
        deadline = time.monotonic() + 120
        while jobs.status(job_id).status == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        job = jobs.status(job_id)
        assert job.status == "succeeded" and job.stage_paths == TEST_STAGES[-1] and job.final
        assert job.rerun == ("venture",) and job.reused == ("credit",)
        expected = fundsvc.simulate(modified_scenario(quick_run.scenario, WhatIf(1.3, 0.3, 0.015)),
                                    paths=TEST_STAGES[-1], seed=run.seed, chunk_size=run.chunk_size).equity_summary()
        stored = quick_run.store.runs.load_table(quick_run.run_id, "equity_summary")
        tvpi = lambda f: f.filter(pl.col("entity") == "guidance")["tvpi_p50"][0]
        assert tvpi(expected) != tvpi(stored)
        assert job.modified.equals(expected) and job.base.equals(stored)
        r = client.post("/_dash-update-component", json={
            "output": next(k for k in dash_app.callback_map if "whatif-progress.children" in k),
            "outputs": [{"id": "whatif-progress", "property": "children"},
                        {"id": "whatif-result", "property": "children"}, {"id": "whatif-poll", "property": "disabled"}],
            "inputs": [{"id": "whatif-poll", "property": "n_intervals", "value": 3},
                       {"id": "whatif-job", "property": "data", "value": job_id}],
            "state": [{"id": "lang", "property": "data", "value": "en"}],
            "changedPropIds": ["whatif-poll.n_intervals"]})
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        body = json.loads(r.get_data(as_text=True))
        assert _find_by_id(body, "whatif-mod-0")["children"] == fmt_mult(tvpi(expected))
        caption = _find_by_id(body, "whatif-caption")
        assert caption["children"].startswith(f"Refined answer: {TEST_STAGES[-1]:,} paths")
        assert "Rerun: equity (sub-funds); reused from the base run" in caption["children"]
        g = expected.filter(pl.col("entity") == "guidance")
        assert _find_by_id(body, "whatif-err-0")["children"] == (
            f"[{fmt_mult(g['tvpi_p50_lo'][0])}, {fmt_mult(g['tvpi_p50_hi'][0])}]")
        assert _find_by_id(body, "whatif-err-1")["children"] == f"± {fmt_mult(g['tvpi_mean_se'][0], 3)}"
    finally:
        jobs.shutdown()


def test_whatif_first_answer_then_refined(quick_run):
    """The engine's stages: the first answer (few paths) equals a full rerun at that path count;
    the refined one reuses the stored base summary; only the venture side is simulated; the first
    answer's standard error is larger (fewer paths)."""
    import fundsvc
    from dashboards.whatif import BaseRun, WhatIf, modified_scenario
    from dashboards.whatif_engine import WhatIfEngine

    run = quick_run.store.runs.get(quick_run.run_id)
    stored = quick_run.store.runs.load_table(quick_run.run_id, "equity_summary")
    base = BaseRun(run.id, quick_run.scenario, run.seed, run.chunk_size, run.n_paths, stored)
    engine = WhatIfEngine()
    change = WhatIf(0.7)
    first = engine.stage(base, change, TEST_STAGES[0])
    full = lambda s, n: fundsvc.simulate(s, paths=n, seed=run.seed, chunk_size=run.chunk_size).equity_summary()
    assert first.base.equals(full(quick_run.scenario, TEST_STAGES[0]))
    assert first.modified.equals(full(modified_scenario(quick_run.scenario, change), TEST_STAGES[0]))
    refined = engine.stage(base, change, TEST_STAGES[1])
    assert refined.base is stored and refined.rerun == ("venture",) and refined.reused == ("credit",)
    se = lambda r: r.modified.filter(pl.col("entity") == "guidance")["tvpi_mean_se"][0]
    assert se(first) > se(refined)
    # direction: a lower graduation rate lowers the guidance fund's median TVPI
    tv = lambda f: f.filter(pl.col("entity") == "guidance")["tvpi_p50"][0]
    assert tv(refined.modified) < tv(refined.base)


def _find_by_id(node, id_):
    """The props of the component with ``id_`` in a Dash JSON response."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == id_:
            return props
        return next((f for v in node.values() if (f := _find_by_id(v, id_)) is not None), None)
    if isinstance(node, list):
        return next((f for v in node if (f := _find_by_id(v, id_)) is not None), None)
    return None


@pytest.mark.parametrize("fmt", ["html", "xlsx", "tables_xlsx"])
def test_assessment_report_download(dash_app, quick_run, fmt):
    """Report downloads through the callback: the assessment's own report (xlsx/html) and all tables."""
    client = dash_app.server.test_client()
    key = {"fmt": fmt, "type": "report"}
    r = client.post("/_dash-update-component", json={
        "output": "report-download.data", "outputs": {"id": "report-download", "property": "data"},
        "inputs": [[{"id": key, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(key, separators=(",", ":")) + ".n_clicks"],
        "state": [{"id": "run-select", "property": "value", "value": quick_run.run_id}]})
    assert r.status_code == 200, r.data[:300]
    sent = r.get_json()["response"]["report-download"]["data"]
    body = base64.b64decode(sent["content"])
    if fmt == "html":
        assert sent["filename"].endswith(".html") and b"<html" in body[:2000].lower()
    else:
        import openpyxl

        sheets = openpyxl.load_workbook(io.BytesIO(body)).sheetnames
        assert "scorecard" in " ".join(sheets).lower() or len(sheets) > 3


def test_whatif_caption_says_first_or_refined():
    from dashboards.pages.funds import whatif_caption
    from dashboards.whatif import WhatIfState

    first = WhatIfState(key=(1, None), stage_paths=2000, final=False, rerun=("venture",), reused=("credit",),
                        seconds=0.4)
    c = whatif_caption(first, "en")
    assert c.children.startswith("First answer: 2,000 paths (0.4 s); refining") and c.to_plotly_json()["props"][
        "data-stage"] == "first"
    zh = whatif_caption(first, "zh").children
    assert "快速结果" in zh and "信贷与资金池" in zh
    refined = whatif_caption(WhatIfState(key=(1, None), stage_paths=10000, final=True, rerun=("venture",)), "en")
    assert refined.children.startswith("Refined answer: 10,000 paths")
