"""Users, API tokens, sign-in sessions, run owners and the audit log, stored in the database.

Reached as ``Accounts(store)``. Every method runs in its own transaction. Clear secrets are
returned once (new token, new session, first admin password) and never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from fundsvc.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_password,
    new_secret,
    secret_sha256,
    verify_password,
)
from fundsvc.auth.roles import ALL_SCOPES, Principal, Role, Scope
from fundsvc.errors import InputError, NotFoundError, StoreError
from fundsvc.store.auth_tables import ApiToken, AuditEvent, RunOwner, SignInSession, User
from fundsvc.store.engine import READ_ONLY_OPTION, SINGLE_READ_OPTION, translate_error
from fundsvc.store.types import utcnow

__all__ = ["FIRST_ADMIN", "LOCKOUT_AFTER", "LOCKOUT_MINUTES", "Accounts", "SignIn", "SignInOutcome", "TokenInfo",
           "UserInfo"]

FIRST_ADMIN = "admin"
TOKEN_PREFIX = "fsv_"
SESSION_HOURS = 12
MAX_TOKEN_DAYS = 366
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_TENANT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_LAST_USED_EVERY = dt.timedelta(minutes=1)
_SCOPE_VALUES = frozenset(s.value for s in ALL_SCOPES)
_TOKEN_LOOKUP = (sa.select(ApiToken.id, ApiToken.scopes, ApiToken.expires_at, ApiToken.revoked_at,
                           ApiToken.last_used_at, User.id, User.username, User.role, User.tenant, User.disabled)
                 .join(User, User.id == ApiToken.user_id)
                 .where(ApiToken.token_sha256 == sa.bindparam("digest")))
_SESSION_LOOKUP = (sa.select(SignInSession.expires_at, SignInSession.revoked_at, User.id, User.username, User.role,
                             User.tenant, User.disabled, User.must_change_password)
                   .join(User, User.id == SignInSession.user_id)
                   .where(SignInSession.token_sha256 == sa.bindparam("digest")))


LOCKOUT_AFTER = 5
"""Wrong passwords in a row that lock a user out (assumption: a common 5-attempt policy; China's
classified-protection standard GB/T 22239-2019 (等保 2.0) asks for login-failure handling that limits
failed attempts but does not fix the number)."""
LOCKOUT_MINUTES = 15
"""How long a lock-out lasts (assumption)."""


class SignInOutcome(StrEnum):
    """What a sign-in attempt came to (also the audit log's outcome)."""

    OK = "ok"
    DENIED = "denied"      # unknown user, disabled user or wrong password (not told apart)
    LOCKED = "locked"      # too many wrong passwords: refused until ``SignIn.locked_until``


@dataclass(frozen=True)
class SignIn:
    """Result of :meth:`Accounts.sign_in`: the outcome, the principal when OK, the lock's end when locked."""

    outcome: SignInOutcome
    principal: Principal | None = None
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: Role
    tenant: str | None
    disabled: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "active"


def _user_info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, Role(u.role), u.tenant, bool(u.disabled), u.created_at)


def _bad(field: str, message: str) -> InputError:
    return InputError.single("<input>", field, message)


def check_role_tenant(role: Role | str, tenant: str | None) -> tuple[Role, str | None]:
    """Validate a role and its tenant (bank id or sub-fund id); return them normalised."""
    try:
        role = Role(role)
    except ValueError:
        raise _bad("role", f"'{role}' is not a role; use one of {', '.join(r.value for r in Role)}") from None
    if role.needs_tenant:
        if not tenant or not _TENANT.match(tenant):
            what = "bank id (the lender in the loan book)" if role is Role.BANK else "sub-fund id"
            raise _bad("tenant", f"role {role.value} needs a {what}: letters, digits, _ . - (1-64)")
        return role, tenant
    if tenant:
        raise _bad("tenant", f"role {role.value} has no tenant")
    return role, None


class Accounts:
    """Repository of users, tokens, sessions, run owners and audit events."""

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ users
    def add_user(self, username: str, password: str, role: Role | str, tenant: str | None = None, *,
                 actor: str | None = None, must_change_password: bool = False) -> UserInfo:
        if not _USERNAME.match(username or ""):
            raise _bad("username", "2-64 characters: letters, digits, _ . @ -")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise _bad("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
        role, tenant = check_role_tenant(role, tenant)
        with self.store.session() as s:
            exists = s.scalar(sa.select(User.id).where(User.username == username)) is not None
        if exists:
            raise _bad("username", f"user '{username}' already exists")
        with self.store.session() as s:  # write-only transaction (SQLite: no read-to-write lock upgrade)
            u = User(username=username, password_hash=hash_password(password), role=role.value, tenant=tenant,
                     disabled=False, must_change_password=must_change_password)
            s.add(u)
            s.flush()
            info = _user_info(u)
        self.audit(actor, "user.add", username, detail={"role": role.value, "tenant": tenant})
        return info

    def ensure_first_admin(self) -> str | None:
        """On a database without users create ``admin`` with a random one-time password; return it.

        Returns ``None`` when users exist (there is no default password, ever).
        """
        with self.store.session() as s:
            if s.scalar(sa.select(sa.func.count(User.id))):
                return None
        password = new_password()
        self.add_user(FIRST_ADMIN, password, Role.ADMIN, actor="(first start)", must_change_password=True)
        return password

    def users(self) -> list[UserInfo]:
        with self.store.session() as s:
            return [_user_info(u) for u in s.scalars(sa.select(User).order_by(User.id))]

    def user(self, username: str) -> UserInfo:
        with self.store.session() as s:
            u = s.scalar(sa.select(User).where(User.username == username))
            if u is None:
                raise NotFoundError(f"no user '{username}'")
            return _user_info(u)

    def _update_user(self, username: str, actor: str | None, action: str, detail: dict, **values: Any) -> UserInfo:
        with self.store.session() as s:  # write first, then read (SQLite: no read-to-write lock upgrade)
            if not s.execute(sa.update(User).where(User.username == username).values(**values)).rowcount:
                raise NotFoundError(f"no user '{username}'")
            if values.get("disabled"):
                s.execute(sa.update(SignInSession)
                          .where(SignInSession.user_id == sa.select(User.id).where(User.username == username)
                                 .scalar_subquery(), SignInSession.revoked_at.is_(None))
                          .values(revoked_at=utcnow()))
            info = _user_info(s.scalar(sa.select(User).where(User.username == username)))
        self.audit(actor, action, username, detail=detail)
        return info

    def disable(self, username: str, *, actor: str | None = None, disabled: bool = True) -> UserInfo:
        return self._update_user(username, actor, "user.disable" if disabled else "user.enable", {},
                                 disabled=disabled)

    def set_role(self, username: str, role: Role | str, tenant: str | None = None, *,
                 actor: str | None = None) -> UserInfo:
        role, tenant = check_role_tenant(role, tenant)
        return self._update_user(username, actor, "user.set_role", {"role": role.value, "tenant": tenant},
                                 role=role.value, tenant=tenant)

    def set_password(self, username: str, password: str, *, actor: str | None = None) -> UserInfo:
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise _bad("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
        return self._update_user(username, actor, "user.set_password", {}, password_hash=hash_password(password),
                                 must_change_password=False, failed_sign_ins=0, locked_until=None)

    def sign_in(self, username: str, password: str) -> SignIn:
        """Check a username and password, counting failures; see :class:`SignIn` for the outcomes.

        After :data:`LOCKOUT_AFTER` wrong passwords in a row the user is locked out for
        :data:`LOCKOUT_MINUTES` minutes: every sign-in is refused until then, the right password
        included (so guessing on cannot succeed), and the counter starts again. A successful sign-in
        resets the counter; an admin's ``set-password`` lifts a lock. Every attempt is audited
        (``sign_in`` ok / denied / locked; ``sign_in.lockout`` when a lock starts).
        """
        now = utcnow()
        outcome, principal, until, locked_now = SignInOutcome.DENIED, None, None, False
        with self.store.session() as s:
            u = s.scalar(sa.select(User).where(User.username == username))
            if u is not None and not u.disabled:
                if u.locked_until is not None and u.locked_until > now:
                    outcome, until = SignInOutcome.LOCKED, u.locked_until
                elif verify_password(u.password_hash, password):
                    outcome = SignInOutcome.OK
                    principal = Principal(u.id, u.username, Role(u.role), u.tenant,
                                          must_change_password=bool(u.must_change_password))
                    u.failed_sign_ins, u.locked_until = 0, None
                else:
                    u.failed_sign_ins = (u.failed_sign_ins or 0) + 1
                    if u.failed_sign_ins >= LOCKOUT_AFTER:
                        until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
                        u.failed_sign_ins, u.locked_until, locked_now = 0, until, True
                        outcome = SignInOutcome.LOCKED  # say so at once
        who = username[:200] if username else None
        self.audit(who, "sign_in", None, outcome.value)
        if locked_now:
            self.audit(who, "sign_in.lockout", username, detail={"until": until.isoformat(),
                                                                 "after_failures": LOCKOUT_AFTER})
        return SignIn(outcome, principal, until)

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The principal for a correct username and password of an enabled, not locked-out user,
        else ``None`` (:meth:`sign_in`, which also says why)."""
        return self.sign_in(username, password).principal

    # ------------------------------------------------------------------ sessions
    def create_session(self, principal: Principal, hours: float = SESSION_HOURS) -> str:
        """A new session for a signed-in user; returns the cookie secret (shown once)."""
        secret = new_secret("")
        with self.store.session() as s:
            s.add(SignInSession(user_id=principal.user_id, token_sha256=secret_sha256(secret),
                                expires_at=utcnow() + dt.timedelta(hours=hours)))
        return secret

    def session_principal(self, secret: str) -> Principal | None:
        """The user of a live session (not revoked, not expired, user enabled), else ``None``
        (one indexed read per request, like :meth:`token_principal`)."""
        now = utcnow()
        row = self._read_one(_SESSION_LOOKUP, secret_sha256(secret))
        if row is None:
            return None
        expires_at, revoked_at, user_id, username, role, tenant, disabled, must_change = row
        if revoked_at is not None or expires_at <= now or disabled:
            return None
        return Principal(user_id, username, Role(role), tenant, must_change_password=bool(must_change))

    def end_session(self, secret: str) -> None:
        with self.store.session() as s:
            s.execute(sa.update(SignInSession).where(SignInSession.token_sha256 == secret_sha256(secret))
                      .values(revoked_at=utcnow()))

    # ------------------------------------------------------------------ tokens
    def create_token(self, username: str, name: str, scopes: list[str] | tuple[str, ...], days: float = 90, *,
                     actor: str | None = None) -> tuple[TokenInfo, str]:
        """A new API token for ``username``; returns its record and the secret (shown once)."""
        try:
            scope_set = sorted({Scope(x).value for x in scopes})
        except ValueError:
            raise _bad("scopes", f"use some of {', '.join(s.value for s in Scope)}") from None
        if not scope_set:
            raise _bad("scopes", "give at least one scope")
        if not 0 < days <= MAX_TOKEN_DAYS:
            raise _bad("days", f"must be in (0, {MAX_TOKEN_DAYS}]")
        secret = new_secret(TOKEN_PREFIX)
        with self.store.session() as s:
            user_id = s.scalar(sa.select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFoundError(f"no user '{username}'")
        with self.store.session() as s:
            tok = ApiToken(user_id=user_id, name=(name or "token")[:200], prefix=secret[:10], scopes=scope_set,
                           token_sha256=secret_sha256(secret), expires_at=utcnow() + dt.timedelta(days=days))
            s.add(tok)
            s.flush()
            info = TokenInfo(tok.id, username, tok.name, tok.prefix, tuple(scope_set), tok.created_at,
                             tok.expires_at, None)
        self.audit(actor, "token.create", f"{username}/{info.id}", detail={"scopes": scope_set, "days": days})
        return info, secret

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        q = sa.select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
        if username is not None:
            q = q.where(User.username == username)
        with self.store.session() as s:
            return [TokenInfo(t.id, name, t.name, t.prefix, tuple(t.scopes), t.created_at, t.expires_at,
                              t.revoked_at) for t, name in s.execute(q)]

    def revoke_token(self, token_id: int, *, actor: str | None = None) -> None:
        with self.store.session() as s:
            found = s.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                              .values(revoked_at=sa.func.coalesce(ApiToken.revoked_at, utcnow()))).rowcount
        if not found:
            raise NotFoundError(f"no token {token_id}")
        self.audit(actor, "token.revoke", str(token_id))

    def token_principal(self, secret: str) -> Principal | None:
        """The principal of a valid token (not expired, not revoked, user enabled), else ``None``.

        One indexed read by the token's SHA-256 per request (Core, one SELECT: on SQLite without
        ``BEGIN``, atomic on its own and never waiting for a writer); nothing is cached, so a revocation,
        a disabled user or a changed role from any process counts on the next request. The token is
        256 random bits, so a fast hash is enough (argon2 is for passwords people choose).
        """
        now = utcnow()
        row = self._read_one(_TOKEN_LOOKUP, secret_sha256(secret))
        if row is None:
            return None
        token_id, scopes_raw, expires_at, revoked_at, last_used_at, user_id, username, role, tenant, disabled = row
        if revoked_at is not None or expires_at <= now or disabled:
            return None
        stale = last_used_at is None or now - last_used_at > _LAST_USED_EVERY
        scopes = frozenset(Scope(x) for x in scopes_raw if x in _SCOPE_VALUES)
        principal = Principal(user_id, username, Role(role), tenant, scopes=scopes, via_token=True)
        if stale:  # best effort, in its own write transaction: never fail a request over it
            try:
                with self.store.session() as s:
                    s.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            except StoreError:
                pass
        return principal

    @property
    def local_database(self) -> bool:
        """True for SQLite (a lookup is a local file read that may run on the event loop)."""
        return self.store.engine.dialect.name == "sqlite"

    def _read_one(self, query, digest: str):
        """The first row of ``query`` (bound ``digest``) in a short read-only transaction, or ``None``."""
        try:
            with self.store.engine.connect().execution_options(**{SINGLE_READ_OPTION: True,
                                                                  READ_ONLY_OPTION: True}) as conn:
                return conn.execute(query, {"digest": digest}).first()
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc, self.store.engine) from exc

    # ------------------------------------------------------------------ run owners
    def set_run_owner(self, run_id: int, principal: Principal, owner: tuple[str, str | None] | None = None) -> None:
        """Record who started a run; ``owner`` (role, tenant) it belongs to if not the principal's own."""
        role, tenant = owner if owner is not None else (principal.role.value, principal.tenant)
        with self.store.session() as s:  # a new run has no owner yet: insert only
            s.add(RunOwner(run_id=run_id, user_id=principal.user_id, role=role, tenant=tenant))

    def run_owners(self) -> dict[int, tuple[str, str | None]]:
        """run id -> (role, tenant) of the runs started through the service."""
        with self.store.session() as s:
            return {o.run_id: (o.role, o.tenant) for o in s.scalars(sa.select(RunOwner))}

    # ------------------------------------------------------------------ audit
    def audit(self, username: str | None, action: str, target: str | None = None, outcome: str = "ok",
              detail: dict[str, Any] | None = None) -> None:
        with self.store.session() as s:
            s.add(AuditEvent(username=username, action=action[:64], target=(target or None) and target[:200],
                             outcome=outcome, detail=detail))

    def audit_events(self, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
        q = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action:
            q = q.where(AuditEvent.action == action)
        with self.store.session() as s:
            return [{"at": e.at, "username": e.username, "action": e.action, "target": e.target,
                     "outcome": e.outcome, "detail": e.detail} for e in s.scalars(q)]
