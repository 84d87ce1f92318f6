"""Loans page: the pool's capital treatments side by side and the book priced at contract rates (zh/en)."""

from pathlib import Path

from dashboards.pages.loans import DEFAULT_FORM, book_view, crm_view, pricing_fields
from fundsvc.inputs.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_crm_view_and_book_view():
    sc = load_scenario(ROOT / "scenarios/quick.toml").scenario
    assert pricing_fields(DEFAULT_FORM, sc)["recovery_sources"] == sc.recovery_sources
    zh = str(crm_view(DEFAULT_FORM | {"pool": "city-ip"}, sc, "zh"))
    en = str(crm_view(DEFAULT_FORM | {"pool": "city-ip"}, sc, "en"))
    assert "风险权重替代" in zh and "substitution" in en and "资金池缓释认定" in zh
    assert "price-crm-grid" not in str(crm_view(DEFAULT_FORM | {"pool": None}, sc, "en"))
    book = book_view(sc)
    assert book["n_loans"].sum() == 48
    assert {"break_even_pct", "raroc_pct", "raroc_no_pool_pct", "lgd_pct", "el_rate_pct"} <= set(book.columns)
