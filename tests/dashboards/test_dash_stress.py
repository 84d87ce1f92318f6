"""The stress page shows stored stress and reverse-stress results in Chinese and English."""

import json


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json")
                      else str(o), ensure_ascii=False)


def test_stress_page_without_results_says_how_to_make_them(dash_app, quick_run):
    from dashboards.app import render_page

    data = dash_app.fundsvc_data
    if data.store.stress_results.list(quick_run.run_id):
        return  # another test stored results first (session store)
    page = _text(render_page(data, "/stress", quick_run.run_id, "en", dash_app))
    assert "fundsvc stress SCENARIO --all" in page


def test_stress_page_shows_stored_results_in_both_languages(dash_app, quick_run):
    from dashboards.app import render_page

    repo = dash_app.fundsvc_data.store.stress_results
    repo.add(quick_run.run_id, "stress", "gfc_2008", {
        "title": "2008-style global financial crisis", "title_zh": "2008年式全球金融危机",
        "narrative": "A global credit crisis.", "narrative_zh": "全球信用危机。", "sources": ["CSI 300 closes"],
        "rows": [{"figure": "guidance TVPI mean", "figure_zh": "引导基金TVPI均值", "unit": "x", "base": 1.5,
                  "stressed": 1.2, "change": -0.3, "change_se": 0.02}]})
    repo.add(quick_run.run_id, "reverse", "fund-loss", {
        "target": "guidance fund loss ratio (median)", "level": 0.4, "shift_sigma": -2.8, "window": "quarters 4–15",
        "mahalanobis_norm": 3.9, "tech_cycle_path": [0.0, -1.0, -2.8], "checks": [
            {"label": "breaching path", "shift_sigma": -2.8, "value": 0.45, "se": 0.03, "breached": True}]})
    en = _text(render_page(dash_app.fundsvc_data, "/stress", quick_run.run_id, "en", dash_app))
    zh = _text(render_page(dash_app.fundsvc_data, "/stress", quick_run.run_id, "zh", dash_app))
    assert "2008-style global financial crisis" in en and "guidance TVPI mean" in en and "-0.30×" in en
    assert "2008年式全球金融危机" in zh and "引导基金TVPI均值" in zh and "反向压力测试" in zh
    assert "Mahalanobis norm 3.90" in en and "-2.80σ" in en


def test_stress_page_shows_the_runs_equity_credit_link_in_both_languages(dash_app, quick_run):
    """Every run with both sides stores ``equity_credit_link``; the stress page shows it (labels
    from the catalogue, numbers through the formatting layer)."""
    from dashboards.app import render_page

    data = dash_app.fundsvc_data
    table = data.table(quick_run.run_id, "equity_credit_link")
    assert table["figure"].to_list() == ["rank_correlation", "joint_tail"]
    en = _text(render_page(data, "/stress", quick_run.run_id, "en", dash_app))
    zh = _text(render_page(data, "/stress", quick_run.run_id, "zh", dash_app))
    assert "Rank correlation of equity and credit losses" in en and "If independent" in en and "5.0%" in en
    assert "股权与信贷损失的秩相关" in zh and "若相互独立" in zh and "股债联动" in zh
    rho = table.filter(table["figure"] == "rank_correlation")
    assert f"{rho['estimate'][0]:.2f} ± {rho['se'][0]:.2f}" in en
