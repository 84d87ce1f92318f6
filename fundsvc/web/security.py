"""The ASGI middleware in front of everything: Host/Origin checks, size limits, sign-in, CSRF, headers.

Order for each HTTP request:

1. **Host** must be one of the allowed host names (DNS-rebinding defence) → else 400.
2. **Size**: a body longer than ``max_body_bytes`` (by ``Content-Length`` or as it streams) → 413,
   which the dashboards show as an in-page message (``assets/fundsvc-guard.js``).
3. **Who**: ``Authorization: Bearer <token>`` (API tokens) or the session cookie.
4. **Anonymous**: public paths (login page, health, API docs, static assets) pass; ``/api/…`` → 401
   problem; dashboards → redirect to the login page; Dash callbacks → 401 with the login page.
5. **Cross-site**: an unsafe method (POST …) with a foreign ``Origin`` (or ``Sec-Fetch-Site:
   cross-site``) → 403; with a session cookie it must also carry the CSRF header
   (``X-CSRFToken``, which Dash's renderer sends from the ``_csrf_token`` cookie) → else 403.
6. **Headers** on every response: CSP that Dash can live with (script hashes from
   ``Dash.csp_hashes()``), X-Frame-Options, X-Content-Type-Options, Referrer-Policy, COOP,
   Permissions-Policy, ``Cache-Control: no-store`` and, over TLS, HSTS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from fundsvc.web.context import PRINCIPAL_KEY

SESSION_COOKIE = "fundsvc_session"
CSRF_COOKIE = "_csrf_token"  # the name Dash's renderer reads to send X-CSRFToken
LOGIN_CSRF_COOKIE = "fundsvc_login_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PASSWORD_PATH = "/password"
"""Where a user who must change the password is sent (nothing else is served to them until then)."""
PUBLIC_PREFIXES = ("/login", "/healthz", "/api/v1/docs", "/api/v1/openapi.json", "/assets/fundsvc",
                   "/favicon.ico")


def csrf_for(session_secret: str) -> str:
    """The CSRF token bound to a session (derived, so nothing more is stored)."""
    return hashlib.sha256(f"csrf:{session_secret}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class WebConfig:
    """Security settings of the served app.

    ``allowed_hosts``: host names accepted in ``Host`` (port ignored). ``allowed_origins``: extra
    origins (``https://app.example``) accepted on unsafe requests besides the request's own.
    """

    allowed_hosts: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})
    allowed_origins: frozenset[str] = frozenset()
    max_body_bytes: int = 8 * 1024 * 1024
    script_hashes: tuple[str, ...] = ()
    force_secure_cookies: bool = False
    extra: dict = field(default_factory=dict)

    def csp(self) -> str:
        hashes = " ".join(h if h.startswith("'") else f"'{h}'" for h in self.script_hashes)
        return ("default-src 'self'; "
                f"script-src 'self' {hashes}; ".replace("  ", " ") +
                "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
                "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
                "form-action 'self'; frame-ancestors 'none'")


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    if "cookie" not in headers:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - malformed cookie header: treat as none
        return {}
    return {k: m.value for k, m in jar.items()}


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") or (p.endswith("fundsvc") and path.startswith(p))
               for p in PUBLIC_PREFIXES)


class SecurityMiddleware:
    """Wraps the whole ASGI app (API + login + mounted Dash)."""

    def __init__(self, app, accounts_factory, config: WebConfig, handler=None):
        """``app``: the wrapped ASGI app; ``handler``: what checked requests go to (default ``app``;
        :class:`fundsvc.web.hot.HotPricing` around it in the served app)."""
        self.app = app
        self.handler = handler or app
        self.accounts_factory = accounts_factory
        self.config = config
        # the same on every response: built once (the CSP string is long)
        self._fixed_headers = [(b"content-security-policy", config.csp().encode()),
                               (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                               (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin"),
                               (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]

    async def _send_simple(self, send, scope, status: int, body: bytes, content_type: str,
                           extra: list[tuple[bytes, bytes]] | None = None) -> None:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        headers += extra or []
        await send({"type": "http.response.start", "status": status, "headers": self._secure(scope, headers)})
        await send({"type": "http.response.body", "body": body})

    async def _problem(self, send, scope, status: int, title: str, detail: str,
                       extra: list[tuple[bytes, bytes]] | None = None) -> None:
        body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                           "errors": []}).encode()
        await self._send_simple(send, scope, status, body, "application/problem+json", extra)

    def _secure(self, scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        add = list(self._fixed_headers)
        if not scope["path"].startswith(("/_dash-component-suites", "/assets")):
            add.append((b"cache-control", b"no-store"))
        if scope.get("scheme") == "https":
            add.append((b"strict-transport-security", b"max-age=31536000"))
        drop = {a for a, _ in add}
        return [h for h in headers if h[0].lower() not in drop] + add

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        path = scope["path"]
        method = scope["method"]
        cfg = self.config
        if _host_name(headers.get("host", "")) not in cfg.allowed_hosts:
            return await self._problem(send, scope, 400, "Host not allowed",
                                       "this server does not answer to that host name")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cfg.max_body_bytes):
            return await self._problem(send, scope, 413, "Request too large",
                                       f"requests are limited to {cfg.max_body_bytes // 2**20} MiB")
        cookies = _cookies(headers)
        accounts = self.accounts_factory()
        principal = None
        session_secret = None
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            principal = await _lookup(accounts, accounts.token_principal, auth[7:].strip()) \
                if auth[7:].strip() else None
            if principal is None:
                return await self._problem(send, scope, 401, "Invalid token", "the token is unknown, expired "
                                           "or revoked", [(b"www-authenticate", b'Bearer error="invalid_token"')])
        elif cookies.get(SESSION_COOKIE):
            session_secret = cookies[SESSION_COOKIE]
            principal = await _lookup(accounts, accounts.session_principal, session_secret)
            if principal is None:
                session_secret = None
        if method in UNSAFE:
            origin = headers.get("origin")
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
            if origin is not None and origin.lower() not in {own, *cfg.allowed_origins}:
                return await self._problem(send, scope, 403, "Cross-origin request refused",
                                           "the request's Origin is not this server")
            if headers.get("sec-fetch-site") == "cross-site":
                return await self._problem(send, scope, 403, "Cross-site request refused", "")
            if session_secret is not None and not path.startswith(("/login", "/logout", PASSWORD_PATH)):
                # (/password checks the same token from its form field: a plain form sends no header)
                sent = headers.get("x-csrftoken") or headers.get("x-csrf-token") or ""
                if not hmac.compare_digest(sent, csrf_for(session_secret)):
                    return await self._problem(send, scope, 403, "CSRF check failed",
                                               "reload the page and try again")
        if principal is None and not is_public(path):
            if path.startswith("/api/"):
                return await self._problem(send, scope, 401, "Not signed in",
                                           "sign in or send an API token (Authorization: Bearer …)",
                                           [(b"www-authenticate", b"Bearer")])
            target = path + ("?" + scope["query_string"].decode("latin1") if scope.get("query_string") else "")
            if method == "GET" and not path.startswith("/_dash"):
                return await self._send_simple(send, scope, 303, b"", "text/plain",
                                               [(b"location", f"/login?next={quote(target, safe='')}".encode())])
            from fundsvc.web.login import login_page

            return await self._send_simple(send, scope, 401, login_page("", "/").encode(),
                                           "text/html; charset=utf-8", [(b"x-fundsvc-login", b"/login")])
        if principal is not None and principal.must_change_password and not principal.via_token \
                and not is_public(path) and path not in (PASSWORD_PATH, "/logout"):
            if method == "GET" and not path.startswith(("/_dash", "/api/")):
                return await self._send_simple(send, scope, 303, b"", "text/plain",
                                               [(b"location", f"{PASSWORD_PATH}?next={quote(path, safe='')}".encode())])
            return await self._problem(send, scope, 403, "Password change required",
                                       f"set a new password first ({PASSWORD_PATH})")
        scope = dict(scope)
        scope[PRINCIPAL_KEY] = principal
        if session_secret is not None:
            scope["fundsvc.csrf"] = csrf_for(session_secret)
        received = 0
        limit = cfg.max_body_bytes

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        started = False

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = self._secure(scope, list(message.get("headers", [])))
                if session_secret is not None and cookies.get(CSRF_COOKIE) != scope["fundsvc.csrf"]:
                    message["headers"].append((b"set-cookie", csrf_cookie(scope["fundsvc.csrf"], scope, cfg)))
            await send(message)

        try:
            await self.handler(scope, limited_receive, secured_send)
        except _TooLarge:
            if not started:
                await self._problem(send, scope, 413, "Request too large",
                                    f"requests are limited to {limit // 2**20} MiB")


class _TooLarge(Exception):
    pass


async def _lookup(accounts, method, secret: str):
    """``method(secret)``: on the event loop for SQLite (one local indexed read, ~0.1 ms, never
    waiting for a writer in WAL mode), in the thread pool for a database across the network."""
    if getattr(accounts, "local_database", True):
        return method(secret)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(method, secret)


def _secure_flag(scope, cfg: WebConfig) -> str:
    return "; Secure" if cfg.force_secure_cookies or scope.get("scheme") == "https" else ""


def session_cookie(secret: str, scope, cfg: WebConfig, max_age: int) -> bytes:
    return (f"{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"
            f"{_secure_flag(scope, cfg)}").encode()


def csrf_cookie(value: str, scope, cfg: WebConfig) -> bytes:
    """Readable by scripts on purpose (Dash copies it into the X-CSRFToken header); SameSite=Strict."""
    return f"{CSRF_COOKIE}={value}; Path=/; SameSite=Strict{_secure_flag(scope, cfg)}".encode()


def same_site_path(next_url: str | None) -> str:
    """A local path to go to after sign-in (anything else becomes ``/``: no open redirect)."""
    if not next_url:
        return "/"
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or not next_url.startswith("/") or next_url.startswith("//"):
        return "/"
    return next_url
