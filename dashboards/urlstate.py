"""The view a URL names: ``?run=3&lang=en&entity=bank:bank_a`` (run, language, and the entity
chosen on the funds or loans page). Pure helpers on the query string; the callbacks that keep
the URL and the page in step live in :mod:`dashboards.app` and the pages.

The entity a URL names is a request, not a permission: a page shows it only when it is among
the entities the signed-in role may see (the page's options, built from tables filtered by
:mod:`fundsvc.service.policy`), else the page's default — the refused name is never echoed.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

ENTITY = "entity"
_ORDER = ("run", "lang", ENTITY)

__all__ = ["ENTITY", "entity_of", "entity_search", "pick_entity", "query", "register_entity_url", "with_params"]


def query(search: str | None) -> dict[str, str]:
    """The URL's query as a dict (first value of each key): ``"?run=3&lang=en"`` → ``{"run": "3", …}``."""
    out: dict[str, str] = {}
    for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=False):
        out.setdefault(k, v)
    return out


def with_params(search: str | None, **params: object) -> str:
    """``search`` with ``params`` set (``None`` removes a key), keys in a stable order."""
    q = query(search)
    for k, v in params.items():
        if v is None:
            q.pop(k, None)
        else:
            q[k] = str(v)
    ordered = [(k, q[k]) for k in _ORDER if k in q] + [(k, v) for k, v in q.items() if k not in _ORDER]
    return ("?" + urlencode(ordered)) if ordered else ""


def entity_of(search: str | None) -> str | None:
    """The entity the URL names, if any (not yet checked against what the caller may see)."""
    return query(search).get(ENTITY) or None


def pick_entity(requested: str | None, allowed: Iterable[str], default: str) -> str:
    """``requested`` when it is one of ``allowed``, else ``default`` (a clean fallback)."""
    allowed = list(allowed)
    return requested if requested is not None and requested in allowed else default





def entity_search(entity: str | None, search: str | None) -> str | None:
    """The query after choosing ``entity`` on a page, or None when the URL already says so."""
    if not entity:
        return None
    new = with_params(search, **{ENTITY: entity})
    return new if new != (search or "") else None


def register_entity_url(app, dropdown_id: str) -> None:
    """Keep ``?entity=`` in step with the page's entity dropdown ``dropdown_id``: on every choice,
    and when the page appears (so a refused or unknown entity in the URL is replaced by the one
    shown)."""
    from dash import Input, Output, State, no_update

    @app.callback(Output("url", "search", allow_duplicate=True), Input(dropdown_id, "value"),
                  State("url", "search"), prevent_initial_call="initial_duplicate")
    def _entity_to_url(entity, search):
        new = entity_search(entity, search)
        return no_update if new is None else new
