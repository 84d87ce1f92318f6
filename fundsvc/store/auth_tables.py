"""Tables of sign-in, tenancy and audit: users, API tokens, sign-in sessions, run owners, audit log.

Secrets are never stored in clear: passwords as argon2id hashes (``fundsvc.auth.passwords``),
API tokens and session cookies as SHA-256 of a 256-bit random value (a fast hash is enough for
random secrets of that length; the clear value is shown once, on creation).

Tenancy: a user carries its role and, for banks and fund managers, the bank id (the ``lender``
of its loans, ``bank:<id>`` in result tables) or the sub-fund id it manages. A run carries its
owner in :class:`RunOwner` (who started it and for which tenant).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fundsvc.store.tables import NAME_LEN, SHA256_LEN, Base
from fundsvc.store.types import UTCDateTime, utcnow

ROLE_LEN = 32


class User(Base):
    """A person who signs in (dashboards) or owns API tokens."""

    __tablename__ = "users"
    __table_args__ = ({"comment": "Users; passwords as argon2id hashes"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(NAME_LEN), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(512), comment="argon2id hash (PHC string)")
    role: Mapped[str] = mapped_column(sa.String(ROLE_LEN), comment="bureau | bank | fund_manager | viewer | admin")
    tenant: Mapped[str | None] = mapped_column(
        sa.String(NAME_LEN), comment="bank id (role bank) or sub-fund id (role fund_manager)")
    disabled: Mapped[bool] = mapped_column(sa.Boolean(), default=False)
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean(), default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    failed_sign_ins: Mapped[int] = mapped_column(sa.Integer(), default=0, server_default="0",
                                                 comment="wrong passwords since the last sign-in or lock-out")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), comment="sign-in refused until then (UTC)")


class ApiToken(Base):
    """A bearer token for systems: hashed, scoped, expiring, revocable."""

    __tablename__ = "api_tokens"
    __table_args__ = ({"comment": "API tokens; SHA-256 of the secret only"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    prefix: Mapped[str] = mapped_column(sa.String(16), comment="first characters, to recognise a token")
    token_sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON(), comment="e.g. ['read', 'price', 'run']")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SignInSession(Base):
    """A browser session after sign-in (the cookie holds the secret; the database its hash)."""

    __tablename__ = "auth_sessions"
    __table_args__ = ({"comment": "Browser sessions; SHA-256 of the cookie secret only"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RunOwner(Base):
    """Who started a run and for which tenant (no row: a system run, visible by role rules)."""

    __tablename__ = "run_owners"
    __table_args__ = ({"comment": "Owner of each run started through the service"},)

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(sa.String(ROLE_LEN))
    tenant: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))


class LoanTape(Base):
    """A loan tape (loan book) uploaded through the service, with its owner (migration 0007_loan_tapes).

    ``tenant`` is the bank whose loans it holds (every row's ``bank``): a bank's users and the
    bureau see it; ``None`` for a bureau tape of several banks (the bureau's alone). The loans live
    in a Parquet file (``parquet_path`` relative to the data directory, checked by ``file_sha256``).
    """

    __tablename__ = "loan_tapes"
    __table_args__ = ({"comment": "Uploaded loan tapes and their owners; rows stored as Parquet"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                comment="who uploaded it")
    role: Mapped[str] = mapped_column(sa.String(ROLE_LEN), comment="role of the uploader")
    tenant: Mapped[str | None] = mapped_column(sa.String(NAME_LEN), index=True,
                                               comment="bank whose loans these are (None: bureau, several banks)")
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), comment="uploaded file name")
    content_sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN), comment="hex SHA-256 of the uploaded bytes")
    n_loans: Mapped[int] = mapped_column(sa.Integer())
    total_amount_cny: Mapped[float] = mapped_column(sa.Double(), comment="sum of loan amounts, CNY")
    parquet_path: Mapped[str] = mapped_column(sa.String(1024), comment="Parquet file, relative to the data directory")
    file_sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN), comment="hex SHA-256 of the stored Parquet file")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(Base):
    """One line of the audit log: who did what to which object, and whether it was allowed."""

    __tablename__ = "audit_log"
    __table_args__ = ({"comment": "Audit log: sign-in, run start/cancel, downloads, user changes"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    outcome: Mapped[str] = mapped_column(sa.String(16), comment="ok | denied | failed")
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
