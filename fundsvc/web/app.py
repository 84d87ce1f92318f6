"""Compose the served application: FastAPI (API, sign-in, docs) + the Dash app, behind one middleware."""

from __future__ import annotations

from pathlib import Path

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from fundsvc.web import problems
from fundsvc.web.context import PRINCIPAL_KEY, ServiceContext
from fundsvc.web.security import SecurityMiddleware, WebConfig

API_PREFIX = "/api/v1"

_DOCS_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>fundsvc API v1</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script><script src="/api/v1/docs/init.js"></script>
</body></html>"""
_DOCS_INIT = ("window.ui = SwaggerUIBundle({url: '/api/v1/openapi.json', dom_id: '#swagger-ui', "
              "deepLinking: true});")


def _docs(app: FastAPI) -> None:
    """OpenAPI document and Swagger UI served from the installed swagger-ui-bundle (no CDN)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - optional: the JSON document is always served
        swagger_ui_path = None

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_HTML)

    @app.get(f"{API_PREFIX}/docs/init.js", include_in_schema=False)
    def docs_init():
        from fastapi.responses import Response

        return Response(_DOCS_INIT, media_type="application/javascript")

    if swagger_ui_path is not None:
        app.mount(f"{API_PREFIX}/docs/assets", StaticFiles(directory=str(Path(swagger_ui_path))), name="docs-assets")


def create_server(store, *, config: WebConfig | None = None, dash_app=None, mount_dashboards: bool = True,
                  worker: bool | None = None):
    """The ASGI app of ``fundsvc serve``.

    Parameters
    ----------
    store : fundsvc.store.Store
        Opened and migrated.
    config : WebConfig, optional
        Allowed hosts and origins, size limit, cookie policy.
    dash_app : dash.Dash, optional
        The dashboards (default: :func:`dashboards.app.create_app` reading ``store`` with the
        caller's identity from the request).
    worker : bool, optional
        The embedded run-queue worker pool: ``True`` start it now, ``False`` never (runs are left
        to ``fundsvc worker``), ``None`` (default) start it on the first run started here.
    """
    ctx = ServiceContext.for_store(store)
    ctx.runs.start_worker = worker is not False
    if worker:
        ctx.runs.ensure_worker()
    api = FastAPI(title="fundsvc API", version="1.0.0", openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None,
                  redoc_url=None,
                  description="Guidance funds, sub-funds, tech loans and risk-sharing pools. Amounts in CNY, rates "
                              "per year as decimals. Authenticate with `Authorization: Bearer <token>` "
                              "(`fundsvc tokens create`) or a signed-in session. Errors are RFC 9457 problem "
                              "documents naming the field or row.")
    api.state.fundsvc = ctx
    problems.install(api)
    from fundsvc.web.api import router
    from fundsvc.web.login import router as login_router

    api.include_router(router, prefix=API_PREFIX)
    api.include_router(login_router)
    _docs(api)

    @api.api_route(f"{API_PREFIX}/{{rest:path}}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    def _api_not_found(rest: str):
        return problems.problem(404, "Not found", f"no API operation at /{rest[:100]}")

    if mount_dashboards:
        if dash_app is None:
            from dashboards.app import create_app

            dash_app = create_app(lambda: store, principal_of=dash_principal, service=ctx)
        api.state.dash_app = dash_app
        if hasattr(dash_app, "fundsvc_warm_up"):
            dash_app.fundsvc_warm_up()  # the first page's tables, scenario and figure template, in the background
        api.mount("/", WSGIMiddleware(dash_app.server, workers=8))
        hashes = tuple(dash_app.csp_hashes())
    else:
        hashes = ()
    cfg = config or WebConfig()
    if hashes and not cfg.script_hashes:
        cfg = WebConfig(**{**cfg.__dict__, "script_hashes": hashes})
    api.state.web_config = cfg
    from fundsvc.web.hot import HotPricing

    return SecurityMiddleware(api, lambda: ctx.accounts, cfg, handler=HotPricing(api))


def dash_principal():
    """The signed-in caller of the current Dash request (set by the middleware; never a default)."""
    import flask

    scope = flask.request.environ.get("asgi.scope") or {}
    p = scope.get(PRINCIPAL_KEY)
    if p is None:
        raise PermissionError("not signed in")
    return p


__all__ = ["API_PREFIX", "JSONResponse", "create_server", "dash_principal"]
