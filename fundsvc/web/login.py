"""The sign-in page (zh/en), sign-in and sign-out.

The login form carries a CSRF token bound to a pre-session cookie; a successful sign-in starts a
new session (HttpOnly, SameSite=Lax, Secure over TLS cookie) and audits the attempt either way.
"""

from __future__ import annotations

import hmac
import html
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fundsvc.auth.accounts import SESSION_HOURS
from fundsvc.web.security import (
    CSRF_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_cookie,
    csrf_for,
    same_site_path,
    session_cookie,
)

router = APIRouter(include_in_schema=False)


def login_page(message: str, next_url: str, csrf: str = "") -> str:
    """The sign-in page (no scripts; styled by the app's own stylesheet)."""
    msg = f'<div class="alert alert-danger" id="login-error">{html.escape(message)}</div>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 Sign in · fundsvc</title><link rel="stylesheet" href="/assets/fundsvc.css"></head>
<body><div class="container" style="max-width:420px;margin-top:8vh">
<h1 class="h4">fundsvc 登录 · Sign in</h1>{msg}
<form method="post" action="/login" id="login-form">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label class="form-label" for="username">用户名 Username</label>
<input class="form-control" id="username" name="username" autocomplete="username" required maxlength="64">
<label class="form-label mt-2" for="password">密码 Password</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required
 maxlength="200">
<button class="btn btn-primary mt-3" type="submit" id="login-submit">登录 Sign in</button>
</form>
<p class="text-muted mt-3 small">首次启动时 <code>fundsvc serve</code> 会打印管理员的一次性密码；用户由管理员用
<code>fundsvc users add</code> 创建。 The first start prints the admin's one-time password; the admin adds users with
<code>fundsvc users add</code>.</p></div></body></html>"""


def _cfg(request: Request):
    return request.app.state.web_config


@router.get("/login", response_class=HTMLResponse)
def get_login(request: Request, next: str = "/", error: str = "") -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    message = "用户名或密码错误 · Wrong username or password" if error else ""
    resp = HTMLResponse(login_page(message, same_site_path(next), token), status_code=401 if error else 200)
    resp.headers.append("set-cookie", f"{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict"
                        + ("; Secure" if _cfg(request).force_secure_cookies or request.url.scheme == "https" else ""))
    return resp


@router.post("/login")
def post_login(request: Request, username: str = Form("", max_length=64), password: str = Form("", max_length=200),
               csrf: str = Form("", max_length=100), next: str = Form("/", max_length=2000)) -> Response:
    ctx = request.app.state.fundsvc
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    target = same_site_path(next)
    if not expected or not hmac.compare_digest(csrf, expected):
        return HTMLResponse(login_page("请刷新页面后再试 · Reload the page and try again", target), status_code=403)
    principal = ctx.accounts.authenticate(username, password)
    if principal is None:
        return RedirectResponse(f"/login?error=1&next={target}", status_code=303)
    secret = ctx.accounts.create_session(principal)
    resp = RedirectResponse(target, status_code=303)
    cfg = _cfg(request)
    resp.raw_headers.append((b"set-cookie", session_cookie(secret, request.scope, cfg, SESSION_HOURS * 3600)))
    resp.raw_headers.append((b"set-cookie", csrf_cookie(csrf_for(secret), request.scope, cfg)))
    return resp


@router.post("/logout")
def post_logout(request: Request) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        request.app.state.fundsvc.accounts.end_session(secret)
    resp = RedirectResponse("/login", status_code=303)
    resp.raw_headers.append((b"set-cookie", f"{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".encode()))
    resp.raw_headers.append((b"set-cookie", f"{CSRF_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0".encode()))
    return resp


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
