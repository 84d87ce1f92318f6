"""Roles, token scopes and the authenticated caller (:class:`Principal`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    """What kind of user (see DESIGN.md §8 "Who sees what")."""

    BUREAU = "bureau"            # finance bureau: everything
    BANK = "bank"                # one bank: its own loans and results, pricing, pool aggregates
    FUND_MANAGER = "fund_manager"  # one sub-fund in detail, guidance-fund aggregates
    VIEWER = "viewer"            # aggregates only
    ADMIN = "admin"              # users and tokens (and aggregates, like a viewer)

    @property
    def needs_tenant(self) -> bool:
        return self in (Role.BANK, Role.FUND_MANAGER)

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.BUREAU: "财政局 bureau", Role.BANK: "银行 bank", Role.FUND_MANAGER: "基金管理人 fund manager",
               Role.VIEWER: "查看者 viewer", Role.ADMIN: "管理员 admin"}


class Scope(str, enum.Enum):
    """What an API token may be used for (a browser session has every scope its role allows)."""

    READ = "read"        # runs, tables, scenarios, assessments, reports
    PRICE = "price"      # loan pricing
    RUN = "run"          # start and cancel runs
    UPLOAD = "upload"    # scenarios, actuals, loan tapes
    ADMIN = "admin"      # users and tokens


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user signed in through a session or a token.

    ``scopes`` is every scope for a session and the token's scopes for a token; ``tenant`` is the
    bank id (role bank) or the sub-fund id (role fund_manager), ``None`` otherwise.
    """

    user_id: int | None
    username: str
    role: Role
    tenant: str | None = None
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)
    via_token: bool = False
    must_change_password: bool = False
    """A signed-in user who must set a new password before anything else (first admin, reset)."""

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def display(self) -> str:
        who = f"{self.username} · {self.role.label}"
        return f"{who} ({self.tenant})" if self.tenant else who


LOCAL_BUREAU = Principal(None, "local", Role.BUREAU)
"""The caller of a bare, single-user Dash app (``dashboards.create_app`` without a server): the
command-line user on their own machine. The served app never uses it."""
