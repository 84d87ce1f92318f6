"""The entity chosen on the funds and loans pages lives in the URL (``?entity=``): a link opens
it, a choice writes it, and an entity the caller's role may not see falls back to the page's
default without showing its name or data (issue 14 item 5, issue 16 item 4)."""

from __future__ import annotations

import json

import pytest

from dashboards.urlstate import entity_of, entity_search, pick_entity, query, with_params


def _json(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json()
                      if hasattr(o, "to_plotly_json") else str(o), ensure_ascii=False)


def _find(component, id_):
    if getattr(component, "id", None) == id_:
        return component
    ch = getattr(component, "children", None)
    for x in (ch if isinstance(ch, (list, tuple)) else [ch]):
        if x is not None and not isinstance(x, (str, int, float)):
            hit = _find(x, id_)
            if hit is not None:
                return hit
    return None


def test_query_helpers_keep_the_other_keys():
    assert query("?run=3&lang=en&entity=bank%3Abank_a") == {"run": "3", "lang": "en", "entity": "bank:bank_a"}
    assert with_params("?entity=seed-iot&lang=en", run=3) == "?run=3&lang=en&entity=seed-iot"
    assert with_params("?run=3&entity=x", entity=None) == "?run=3"
    assert with_params("", entity=None) == ""
    assert entity_of("?run=3") is None and entity_of("?entity=pool%3Acity-ip") == "pool:city-ip"
    assert entity_search("bank:bank_b", "?run=1&lang=zh") == "?run=1&lang=zh&entity=bank%3Abank_b"
    assert entity_search("bank:bank_b", "?run=1&entity=bank%3Abank_b") is None  # already there
    assert pick_entity("x", ["a", "b"], "a") == "a" and pick_entity("b", ["a", "b"], "a") == "b"


def _app(quick_run, principal=None):
    from dashboards.app import create_app

    return create_app(lambda: quick_run.store, prefetch=False,
                      principal_of=(lambda: principal) if principal is not None else None)


def test_url_entity_selects_it_on_the_loans_and_funds_pages(quick_run):
    from dashboards.app import render_page

    app = _app(quick_run)
    page = render_page(app.fundsvc_data, "/loans", quick_run.run_id, "zh", app, entity="bank:bank_b")
    assert _find(page, "loss-entity").value == "bank:bank_b"
    assert "bank_b" in _find(page, "loss-dist").figure.layout.title.text  # the chart follows the entity
    page = render_page(app.fundsvc_data, "/funds", quick_run.run_id, "zh", app, entity="vc-bio")
    assert _find(page, "funds-entity").value == "vc-bio"
    # an unknown entity: the page's default, as without one
    page = render_page(app.fundsvc_data, "/loans", quick_run.run_id, "zh", app, entity="bank:nope")
    assert _find(page, "loss-entity").value == "banks"
    page = render_page(app.fundsvc_data, "/funds", quick_run.run_id, "zh", app, entity="nope")
    assert _find(page, "funds-entity").value == "guidance"


def test_router_reads_the_entity_and_choices_write_it(quick_run):
    """The router takes the URL's query; each entity dropdown has a callback writing ``?entity=``."""
    app = _app(quick_run)
    router = next(v for k, v in app.callback_map.items() if k.startswith("page-content.children"))
    assert {"id": "url", "property": "search"} in router["state"]
    writers = {v["inputs"][0]["id"] for k, v in app.callback_map.items()
               if k.startswith("url.search") and v["inputs"][0]["id"] in ("funds-entity", "loss-entity")}
    assert writers == {"funds-entity", "loss-entity"}


def test_nav_links_do_not_carry_the_entity():
    from dashboards.app import _nav

    links = _nav("/loans", "zh", "?run=2&lang=zh&entity=bank%3Abank_a")
    assert {item.children.href.split("?", 1)[1] for item in links} == {"run=2&lang=zh"}


@pytest.mark.parametrize(("role", "tenant", "path", "foreign", "dropdown"), [
    ("bank", "bank_a", "/loans", "bank:bank_b", "loss-entity"),
    ("fund_manager", "seed-iot", "/funds", "vc-bio", "funds-entity"),
])
def test_forbidden_entity_falls_back_without_leaking(quick_run, role, tenant, path, foreign, dropdown):
    from dashboards.app import render_page
    from dashboards.pages import funds, loans
    from fundsvc.auth.roles import Principal, Role

    principal = Principal(1, "u", Role(role), tenant)
    app = _app(quick_run, principal)
    page = render_page(app.fundsvc_data, path, quick_run.run_id, "zh", app, entity=foreign)
    shown = _find(page, dropdown).value
    assert shown != foreign
    assert {o["value"] for o in _find(page, dropdown).options} >= {shown}
    name = foreign.split(":")[-1]
    assert name not in _json(page)  # neither the refused name nor its rows
    # the callback behind the dropdown (a crafted request naming the foreign entity) falls back too
    module = loans if dropdown == "loss-entity" else funds
    assert module.chosen_entity(app.fundsvc_data, quick_run.run_id, foreign) == shown
    # its own entity is honoured
    own = f"bank:{tenant}" if role == "bank" else tenant
    page = render_page(app.fundsvc_data, path, quick_run.run_id, "zh", app, entity=own)
    assert _find(page, dropdown).value == own
