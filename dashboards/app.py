"""The Dash app factory of fundsvc.

``create_app(store_factory=None, settings=None)`` builds a multi-page app: a shell (navbar with
page links, run selector and a 中文/English toggle) and a router callback that renders the
page for the URL path, the chosen run and the language. Pages lay out figures built by pure
functions from the stored run tables, so a page's first render is one callback.

Nothing is created at import time; the store is opened on first use through ``store_factory``
(default: ``Store.open(settings or get_settings(), upgrade=True)``).

No CSS is fetched from a CDN (the service must work offline): ``dashboards/assets/fundsvc.css``
styles the Bootstrap class names the components use; pass ``external_stylesheets`` (e.g.
``dbc.themes.BOOTSTRAP``) to use the full Bootstrap theme where the network allows.
"""

from __future__ import annotations

import importlib
import inspect
import io
import logging
from collections.abc import Callable

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import HTTPException

from dashboards.data import DashboardData
from dashboards.i18n import DEFAULT_LANG, norm_lang, t
from dashboards.pages import PAGES
from dashboards.urlstate import ENTITY, entity_of, query, with_params
from fundsvc.errors import FundsvcError, NotFoundError
from fundsvc.service.policy import Forbidden, page_visible

__all__ = ["create_app"]

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # hard cap on any request body (uploads are checked at 2 MiB)


def _page_module(name: str):
    return importlib.import_module(f"dashboards.pages.{name}")


def _nav(pathname: str, lang: str, search: str = "", data: DashboardData | None = None):
    """Page links the signed-in role may open; they carry the URL's query (run, language) so a
    page switch keeps the view — but not the entity, which belongs to the page it was chosen on."""
    principal = data.principal if data is not None else None
    search = with_params(search, **{ENTITY: None})
    return [dbc.NavItem(dbc.NavLink(t(key, lang), href=path + search, active=(pathname or "/") == path,
                                    id=f"nav-{module}"))
            for path, module, key in PAGES if principal is None or page_visible(principal, module)]


def _user_badge(data: DashboardData, served: bool):
    """The signed-in user's name and role, and a sign-out button (the served app only)."""
    p = data.principal
    parts = [html.Span(p.display, id="user-badge", className="badge bg-secondary me-2")]
    if served:
        parts.append(html.Form(html.Button("退出 Sign out", type="submit", id="logout",
                                           className="btn btn-sm btn-outline-light"),
                               method="post", action="/logout", className="d-inline"))
    return html.Div(parts, className="d-flex align-items-center ms-2")


def _shell(data: DashboardData, served: bool = False):
    def layout():
        try:
            _ = data.principal
        except PermissionError:  # Dash builds the layout once without a request (server set-up)
            return html.Div([dcc.Location(id="url"), html.Div(id="page-content")])
        runs = data.succeeded_runs()
        options = [{"label": f"#{r.id} {r.scenario_name} ({r.n_paths:,})", "value": r.id} for r in runs]
        lang = DEFAULT_LANG.value
        return html.Div([
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="lang", data=lang, storage_type="session"),
            dbc.Navbar(dbc.Container([
                dbc.NavbarBrand(t("app_title", lang), id="app-title", href="/"),
                dbc.NavbarToggler(id="navbar-toggler", n_clicks=0),
                dbc.Collapse(html.Div([
                    dbc.Nav(_nav("/", lang, data=data), id="nav-links", pills=True, navbar=True),
                    html.Div([
                        html.Span(t("run", lang), id="run-label", className="me-2"),
                        html.Div(dcc.Dropdown(id="run-select", options=options,
                                              value=options[0]["value"] if options else None, clearable=False),
                                 className="run-picker"),
                        dbc.Button(t("lang_toggle", lang), id="lang-toggle", size="sm", color="light",
                                   className="ms-2"),
                        _user_badge(data, served),
                    ], className="navbar-tools"),
                ], className="navbar-inner"), id="navbar-collapse", is_open=False, navbar=True),
            ], fluid=True), color="dark", dark=True, className="mb-3"),
            dbc.Container([html.Div(id="app-alert"),
                           dcc.Loading(html.Div(id="page-content"), delay_show=300)], fluid=True),
            dcc.Download(id="export-download"),
        ])
    return layout


def render_page(data: DashboardData, pathname: str | None, run_id: int | None, lang: str, app=None,
                entity: str | None = None):
    """The page for ``pathname`` (what the router callback returns; also used by the benchmark).

    ``entity``: the entity the URL names (``?entity=``); pages with an entity selector show it
    when the caller may see it, else their default (:func:`dashboards.urlstate.pick_entity`).
    """
    lang = norm_lang(lang).value
    module = next((m for path, m, _ in PAGES if path == (pathname or "/")), None)
    if module is None:
        return dbc.Alert(t("not_found", lang), color="warning")
    if not page_visible(data.principal, module):
        return dbc.Alert("此页面不对您的角色开放 · This page is not available to your role", color="warning",
                         id="page-forbidden")
    if run_id is not None:
        try:
            data.record(run_id)
        except NotFoundError:
            return dbc.Alert(f"没有运行 · no run {str(run_id)[:20]}", color="warning", id="no-such-run")
    if module != "runs" and run_id is None:
        return dbc.Alert([t("no_runs", lang), " ", dcc.Link(t("nav_runs", lang), href="/runs")], color="info",
                         id="no-runs")
    custom = getattr(app, "fundsvc_page_layouts", {}) if app is not None else {}
    build = custom.get(module, _page_module(module).layout)
    if entity is not None and "entity" in inspect.signature(build).parameters:
        return build(data, run_id, lang, entity=entity)
    return build(data, run_id, lang)


def _export_frame(data: DashboardData, run_id: int | None, table: str) -> pl.DataFrame | None:
    if table == "runs":
        return _page_module("runs").runs_frame(data)
    if run_id is None or table not in {info.name for info in data.store.runs.tables(run_id)}:
        return None
    return data.table(run_id, table)


def export_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """A table as CSV (UTF-8 with BOM, so Excel shows Chinese text) or XLSX bytes.

    Exports keep raw values (CNY, decimals) for further work; the row under the header names
    each column's unit (:func:`fundsvc.formatting.units_row`).
    """
    from fundsvc.formatting import units_row

    units = units_row(frame)
    if fmt == "xlsx":
        import xlsxwriter

        buf = io.BytesIO()
        with xlsxwriter.Workbook(buf, {"nan_inf_to_errors": True}) as wb:
            ws = wb.add_worksheet("data")
            bold = wb.add_format({"bold": True})
            ws.write_row(0, 0, frame.columns, bold)
            ws.write_row(1, 0, [units[c] for c in frame.columns], wb.add_format({"italic": True}))
            for i, row in enumerate(frame.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.Utf8)).iter_rows(), 2):
                for j, v in enumerate(row):
                    if v is not None:
                        ws.write(i, j, v)
            ws.freeze_panes(2, 0)
            for j, c in enumerate(frame.columns):
                ws.set_column(j, j, max(len(c), len(units[c]), 10) + 2)
        return buf.getvalue()
    header = pl.DataFrame({c: [units[c]] for c in frame.columns}, schema={c: pl.Utf8 for c in frame.columns})
    body = frame.with_columns(pl.all().cast(pl.Utf8))
    return ("\ufeff" + pl.concat([header, body]).write_csv()).encode("utf-8")


def _on_callback_error(err: Exception):
    """Callback errors become an in-page message (never an HTTP 500 with a traceback);
    a refusal by the service layer becomes HTTP 403."""
    if isinstance(err, Forbidden | PermissionError):
        raise HTTPForbidden(str(err)) from None
    if isinstance(err, FundsvcError):
        message = str(err)
    else:
        logging.getLogger("fundsvc.dashboards").exception("callback failed")
        message = "内部错误，已记录 · Internal error (logged on the server)"
    dash.set_props("app-alert", {"children": dbc.Alert(message[:500], color="danger", id="callback-error",
                                                       dismissable=True)})


def _guard_callbacks(app: dash.Dash, keys: set[str], module: str, data: DashboardData) -> None:
    """Wrap the callbacks a page registered so that only roles that may open the page run them."""
    for key in keys:
        entry = app.callback_map[key]
        if "callback" not in entry:  # a clientside callback runs in the browser on data already sent
            continue
        inner = entry["callback"]

        def guarded(*args, _inner=inner, **kwargs):
            if not page_visible(data.principal, module):
                raise HTTPForbidden(f"page {module} is not available to this role")
            return _inner(*args, **kwargs)

        entry["callback"] = guarded


def create_app(store_factory: Callable[[], object] | None = None, settings=None, *,
               external_stylesheets: list[str] | None = None, prefetch: bool = True,
               principal_of: Callable[[], object] | None = None, service=None) -> dash.Dash:
    """Build the fundsvc dashboards.

    Parameters
    ----------
    store_factory : callable, optional
        Returns the :class:`fundsvc.store.Store` to read (called once, lazily).
    settings : fundsvc.settings.Settings, optional
        Used by the default store factory.
    external_stylesheets : list of str, optional
        Extra stylesheet URLs (none by default: the app works offline).
    prefetch : bool
        Compute a run's assessment in the background when the run is first shown.
    principal_of : callable, optional
        Returns the signed-in caller of the current request (the served app passes
        :func:`fundsvc.web.app.dash_principal`); without it the app is a single-user local tool.
    service : fundsvc.web.context.ServiceContext, optional
        Shared with the REST API (run manager, accounts) when served.
    """
    if store_factory is None:
        def store_factory():
            from fundsvc.settings import get_settings
            from fundsvc.store import Store

            return Store.open(settings if settings is not None else get_settings(), upgrade=True)

    data = DashboardData(store_factory, principal_of)
    jobs = service.runs if service is not None else None
    app = dash.Dash(__name__, title="fundsvc", suppress_callback_exceptions=True, update_title=None,
                    external_stylesheets=list(external_stylesheets or []), on_error=_on_callback_error)
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.layout = _shell(data, served=principal_of is not None)
    app.fundsvc_data = data  # for tests and the benchmark

    def warm_up():
        """Fill the first page's caches in the background (:mod:`dashboards.warm`); the server
        calls it once it is created."""
        from dashboards.warm import warm_up as start

        return start(app)

    app.fundsvc_warm_up = warm_up

    @app.callback(Output("url", "search", allow_duplicate=True), Input("lang-toggle", "n_clicks"),
                  State("lang", "data"), State("url", "search"), prevent_initial_call=True)
    def _toggle(n, lang, search):
        """The toggle changes the URL's language; the page follows the URL (:func:`_url_state`)."""
        return with_params(search, lang="zh" if norm_lang(lang).value == "en" else "en")

    @app.callback(Output("url", "search"), Output("run-select", "value"), Output("lang", "data", allow_duplicate=True),
                  Input("url", "search"), Input("run-select", "value"), Input("lang", "data"),
                  State("run-select", "options"), prevent_initial_call="initial_duplicate")
    def _url_state(search, run_id, lang, options):
        """Run and language live in the URL (``?run=3&lang=en``): a link opens the same view.
        Other keys of the query (the page's ``entity``) are kept."""
        q = query(search)
        url_lang = q.get("lang") if q.get("lang") in ("zh", "en") else None
        if ctx.triggered_id in (None, "url"):
            valid = {o["value"] for o in options or []}
            v = q.get("run", "")
            want_run = int(v) if v.isdigit() and int(v) in valid else None
            return (no_update, want_run if want_run is not None and want_run != run_id else no_update,
                    url_lang if url_lang is not None and url_lang != lang else no_update)
        if ctx.triggered_id == "lang" and url_lang is not None and url_lang != lang:
            # the language the tab remembered (session storage) arrives after the URL was read:
            # a link's language wins (the toggle changes the URL, not the store)
            return no_update, no_update, url_lang
        new = with_params(search, run=run_id, lang=url_lang or norm_lang(lang).value)
        return (new if new != (search or "") else no_update), no_update, no_update

    @app.callback(Output("navbar-collapse", "is_open"), Input("navbar-toggler", "n_clicks"),
                  Input("url", "pathname"), State("navbar-collapse", "is_open"), prevent_initial_call=True)
    def _collapse(n, pathname, is_open):
        """The phone menu opens on the toggler and closes when a page is chosen."""
        return (not is_open) if ctx.triggered_id == "navbar-toggler" else False

    @app.callback(Output("nav-links", "children"), Output("app-title", "children"), Output("lang-toggle", "children"),
                  Output("run-label", "children"), Input("url", "pathname"), Input("lang", "data"),
                  Input("url", "search"))
    def _navbar(pathname, lang, search):
        return _nav(pathname, lang, search, data), t("app_title", lang), t("lang_toggle", lang), t("run", lang)

    @app.callback(Output("page-content", "children"), Input("url", "pathname"), Input("run-select", "value"),
                  Input("lang", "data"), State("url", "search"))
    def _router(pathname, run_id, lang, search):
        page = render_page(data, pathname, run_id, lang, app, entity=entity_of(search))
        if run_id is not None and prefetch:
            app.fundsvc_assessments.prefetch(run_id)
        return page

    @app.callback(Output("export-download", "data"),
                  Input({"type": "export", "table": ALL, "fmt": ALL}, "n_clicks"),
                  State("run-select", "value"), prevent_initial_call=True)
    def _export(clicks, run_id):
        trig = ctx.triggered_id
        if not trig or not any(c for c in (clicks or []) if c):
            return no_update
        fmt = "xlsx" if trig["fmt"] == "xlsx" else "csv"
        frame = _export_frame(data, run_id, str(trig["table"]))
        if frame is None:
            return no_update
        name = f"{trig['table']}" + (f"_run{int(run_id)}" if run_id is not None and trig["table"] != "runs" else "")
        if principal_of is not None:
            from fundsvc.auth.accounts import Accounts

            Accounts(data.store).audit(data.principal.username, "download", f"run {run_id} {name}.{fmt}")
        return dcc.send_bytes(export_bytes(frame, fmt), f"{name}.{fmt}")

    if jobs is None:
        jobs = _LazyRunManager(data)
    app.fundsvc_jobs = jobs
    app.fundsvc_callback_pages = {}  # callback output key -> page module (absent: the shell's)
    for _, module, _ in PAGES:
        before = set(app.callback_map)
        _page_module(module).register(app, data, jobs)
        added = set(app.callback_map) - before
        _guard_callbacks(app, added, module, data)
        app.fundsvc_callback_pages.update(dict.fromkeys(added, module))

    @app.server.errorhandler(Exception)
    def _bad_request(err):  # a malformed callback request: 400, never a traceback
        if isinstance(err, HTTPException):
            return err
        logging.getLogger("fundsvc.dashboards").warning("refused request: %s", type(err).__name__)
        return {"title": "Bad request", "status": 400}, 400
    return app


class _LazyRunManager:
    """A :class:`fundsvc.service.runs.RunManager` made on first use (the store opens lazily)."""

    def __init__(self, data: DashboardData):
        self._data = data
        self._manager = None

    def __getattr__(self, name):
        if self._manager is None:
            from fundsvc.service.runs import RunManager

            self._manager = RunManager(self._data.store)
        return getattr(self._manager, name)
