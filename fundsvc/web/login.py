"""The sign-in page (zh/en), sign-in, sign-out and the password change.

The login form carries a CSRF token bound to a pre-session cookie; a successful sign-in starts a
new session (HttpOnly, SameSite=Lax, Secure over TLS cookie) and audits the attempt either way.
Too many wrong passwords lock the user out for a while (:meth:`Accounts.sign_in`). A user who must
change the password (the first admin's one-time password, a reset) is sent to ``/password`` and
served nothing else until the new password is set; setting it ends the old session and starts a
new one.
"""

from __future__ import annotations

import hmac
import html
import secrets
from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fundsvc.auth.accounts import LOCKOUT_AFTER, LOCKOUT_MINUTES, SESSION_HOURS, SignInOutcome
from fundsvc.auth.passwords import MIN_PASSWORD_LENGTH
from fundsvc.web.context import PRINCIPAL_KEY
from fundsvc.web.security import (
    CSRF_COOKIE,
    LOGIN_CSRF_COOKIE,
    PASSWORD_PATH,
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
    message = (_LOCKED if error == "locked" else "用户名或密码错误 · Wrong username or password") if error else ""
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
    result = ctx.accounts.sign_in(username, password)
    if result.principal is None:
        error = "locked" if result.outcome is SignInOutcome.LOCKED else "1"
        return RedirectResponse(f"/login?error={error}&next={quote(target, safe='/')}", status_code=303)
    if result.principal.must_change_password:
        target = f"{PASSWORD_PATH}?next={quote(target, safe='')}"
    return _signed_in(request, ctx.accounts.create_session(result.principal), target)


_LOCKED = (f"连续 {LOCKOUT_AFTER} 次密码错误，账户已锁定 {LOCKOUT_MINUTES} 分钟，请稍后再试或联系管理员 · "
           f"Locked after {LOCKOUT_AFTER} wrong passwords: try again in {LOCKOUT_MINUTES} minutes or ask the admin")


def _signed_in(request: Request, secret: str, target: str) -> Response:
    """Redirect to ``target`` with the cookies of the new session ``secret``."""
    resp = RedirectResponse(target, status_code=303)
    cfg = _cfg(request)
    resp.raw_headers.append((b"set-cookie", session_cookie(secret, request.scope, cfg, SESSION_HOURS * 3600)))
    resp.raw_headers.append((b"set-cookie", csrf_cookie(csrf_for(secret), request.scope, cfg)))
    return resp


def password_page(message: str, next_url: str, csrf: str, forced: bool) -> str:
    """The password-change page (no scripts)."""
    msg = f'<div class="alert alert-danger" id="password-error">{html.escape(message)}</div>' if message else ""
    why = ('<p id="password-required">请先设置新密码 · Set a new password before you go on.</p>' if forced else "")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>修改密码 Change password · fundsvc</title><link rel="stylesheet" href="/assets/fundsvc.css"></head>
<body><div class="container" style="max-width:420px;margin-top:8vh">
<h1 class="h4">修改密码 · Change password</h1>{why}{msg}
<form method="post" action="{PASSWORD_PATH}" id="password-form">
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label class="form-label" for="current">当前密码 Current password</label>
<input class="form-control" id="current" name="current" type="password" autocomplete="current-password" required
 maxlength="200">
<label class="form-label mt-2" for="new">新密码 New password (≥ {MIN_PASSWORD_LENGTH})</label>
<input class="form-control" id="new" name="new" type="password" autocomplete="new-password" required
 minlength="{MIN_PASSWORD_LENGTH}" maxlength="200">
<label class="form-label mt-2" for="confirm">确认新密码 Repeat the new password</label>
<input class="form-control" id="confirm" name="confirm" type="password" autocomplete="new-password" required
 maxlength="200">
<button class="btn btn-primary mt-3" type="submit" id="password-submit">保存 Save</button>
</form></div></body></html>"""


@router.get(PASSWORD_PATH, response_class=HTMLResponse)
def get_password(request: Request, next: str = "/") -> HTMLResponse:
    principal = request.scope.get(PRINCIPAL_KEY)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if principal is None or principal.via_token or not secret:
        return RedirectResponse(f"/login?next={quote(PASSWORD_PATH, safe='')}", status_code=303)
    return HTMLResponse(password_page("", same_site_path(next), csrf_for(secret), principal.must_change_password))


@router.post(PASSWORD_PATH)
def post_password(request: Request, current: str = Form("", max_length=200), new: str = Form("", max_length=200),
                  confirm: str = Form("", max_length=200), csrf: str = Form("", max_length=100),
                  next: str = Form("/", max_length=2000)) -> Response:
    ctx = request.app.state.fundsvc
    principal = request.scope.get(PRINCIPAL_KEY)
    secret = request.cookies.get(SESSION_COOKIE, "")
    target = same_site_path(next)
    if principal is None or principal.via_token or not secret:
        return RedirectResponse("/login", status_code=303)
    if not hmac.compare_digest(csrf, csrf_for(secret)):
        return HTMLResponse(password_page("请刷新页面后再试 · Reload the page and try again", target, csrf_for(secret),
                                          principal.must_change_password), status_code=403)

    def again(message: str, status: int = 400) -> HTMLResponse:
        return HTMLResponse(password_page(message, target, csrf_for(secret), principal.must_change_password),
                            status_code=status)

    if new != confirm:
        return again("两次输入的新密码不一致 · The new passwords differ")
    if len(new) < MIN_PASSWORD_LENGTH:
        return again(f"新密码至少 {MIN_PASSWORD_LENGTH} 个字符 · The new password needs {MIN_PASSWORD_LENGTH} characters or more")
    if new == current:
        return again("新密码不能与当前密码相同 · The new password must differ from the current one")
    check = ctx.accounts.sign_in(principal.username, current)  # counts towards the lock-out like a sign-in
    if check.outcome is SignInOutcome.LOCKED:
        ctx.accounts.end_session(secret)  # locked out: this session ends too
        return again(_LOCKED, 403)
    if check.principal is None:
        return again("当前密码错误 · Wrong current password")
    ctx.accounts.set_password(principal.username, new, actor=principal.username)
    ctx.accounts.end_session(secret)  # the old session ends; a new one starts with the new password
    fresh = replace(check.principal, must_change_password=False)
    return _signed_in(request, ctx.accounts.create_session(fresh), target)


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
