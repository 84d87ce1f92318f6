"""Who sees what and who may do what: roles and tenancy, enforced here once.

The REST API, the dashboards (pages, callbacks, exports) and the reports all read run data
through :func:`filter_table` and check actions with :func:`require`; nothing else decides.

Rows carry their owner in the column that names them:

* ``entity`` / ``fund`` of the equity tables: ``guidance`` (the guidance fund: an aggregate) or a
  sub-fund id (detail, owned by that sub-fund's manager);
* ``entity`` of the credit tables: ``bank:<id>`` (one bank's losses: name-level, owned by that
  bank), ``banks`` / ``total`` / ``guarantor`` / ``insurer`` (aggregates over all banks) and
  ``pool:<id>`` (a pool's aggregate);
* ``pool`` of the pool tables: a pool's aggregate;
* ``bank`` of a loan book: the lender (loan-level rows, owned by that bank).

Rules (DESIGN.md §8): the bureau sees everything. A bank sees its own ``bank:<id>`` rows and loans
and the aggregates of pools (the pools it lends under when the loan book is known) — never the
all-bank aggregates, from which another bank's figures could be subtracted when few banks lend.
A fund manager sees its own sub-fund and the aggregates. Viewers and admins see aggregates. A
table with none of those columns is shown only when it is listed as an aggregate; anything else is
the bureau's alone (fail closed).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from fundsvc.auth.roles import Principal, Role, Scope
from fundsvc.errors import FundsvcError
from fundsvc.simulation.registry import TableName

__all__ = [
    "QUOTAS",
    "Action",
    "Forbidden",
    "Quota",
    "can",
    "entity_visible",
    "filter_table",
    "require",
    "run_visible",
]


class Forbidden(FundsvcError):
    """The caller may not do this (HTTP 403)."""


class Action(str, enum.Enum):
    READ = "read"
    PRICE = "price"
    START_RUN = "start_run"
    CANCEL_RUN = "cancel_run"
    WHATIF = "whatif"
    UPLOAD_SCENARIO = "upload_scenario"
    UPLOAD_ACTUALS = "upload_actuals"
    UPLOAD_LOAN_TAPE = "upload_loan_tape"
    ASSESS = "assess"
    MANAGE_USERS = "manage_users"


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.BUREAU: frozenset(Action) - {Action.MANAGE_USERS},
    Role.BANK: frozenset({Action.READ, Action.PRICE, Action.START_RUN, Action.CANCEL_RUN,
                          Action.UPLOAD_LOAN_TAPE}),
    Role.FUND_MANAGER: frozenset({Action.READ, Action.WHATIF, Action.UPLOAD_ACTUALS}),
    Role.VIEWER: frozenset({Action.READ}),
    Role.ADMIN: frozenset({Action.READ, Action.MANAGE_USERS}),
}

_SCOPE_OF: dict[Action, Scope] = {
    Action.READ: Scope.READ, Action.PRICE: Scope.PRICE, Action.START_RUN: Scope.RUN,
    Action.CANCEL_RUN: Scope.RUN, Action.WHATIF: Scope.RUN, Action.UPLOAD_SCENARIO: Scope.UPLOAD,
    Action.UPLOAD_ACTUALS: Scope.UPLOAD, Action.UPLOAD_LOAN_TAPE: Scope.UPLOAD, Action.ASSESS: Scope.READ,
    Action.MANAGE_USERS: Scope.ADMIN,
}


@dataclass(frozen=True)
class Quota:
    """Per-role limits on runs started through the service."""

    max_paths: int
    max_active_runs: int


QUOTAS: dict[Role, Quota] = {
    Role.BUREAU: Quota(max_paths=1_000_000, max_active_runs=2),
    Role.BANK: Quota(max_paths=200_000, max_active_runs=1),
}
"""Roles absent here start no runs. Assumption: sized for a 2-core server (a 200,000-path run of
the baseline takes several CPU minutes); raise them with the hardware."""


def can(principal: Principal, action: Action) -> bool:
    """True when the principal's role allows ``action`` and (for tokens) its scopes include it."""
    return action in _ALLOWED[principal.role] and principal.has_scope(_SCOPE_OF[action])


def require(principal: Principal, action: Action) -> None:
    """Raise :class:`Forbidden` unless :func:`can`."""
    if not can(principal, action):
        why = ("this token lacks the scope '" + _SCOPE_OF[action].value + "'"
               if action in _ALLOWED[principal.role] else f"role {principal.role.value} may not {action.value}")
        raise Forbidden(why)


def run_visible(principal: Principal, owner: tuple[str, str | None] | None) -> bool:
    """Whether a run (``owner`` = (role, tenant) of who started it, ``None`` for system runs) is visible.

    System and bureau runs are visible to every reader (rows are still filtered); a bank's or a
    fund manager's own runs only to that tenant and the bureau.
    """
    if principal.role is Role.BUREAU or owner is None:
        return True
    role, tenant = owner
    if role == Role.BUREAU.value:
        return True
    return role == principal.role.value and tenant == principal.tenant


AGGREGATE_ENTITIES = frozenset({"banks", "total", "guarantor", "insurer"})
AGGREGATE_TABLES = frozenset(str(t) for t in (TableName.CREDIT_POOL_SUMMARY, TableName.CREDIT_POOL_FANS,
                                              TableName.CREDIT_POOL_SIZING, TableName.CREDIT_DEPLETION_BY_YEAR))
"""Registered tables (:mod:`fundsvc.simulation.registry`) of pool aggregates without an entity column."""


def entity_visible(principal: Principal, entity: str, *, bank_pools: Iterable[str] | None = None) -> bool:
    """Whether the row of ``entity`` (an equity or credit entity key) is visible to the principal."""
    if principal.role is Role.BUREAU:
        return True
    if entity == "guidance":
        return True
    if entity.startswith("bank:"):
        return principal.role is Role.BANK and entity[5:] == principal.tenant
    if entity.startswith("pool:"):
        return principal.role is not Role.BANK or bank_pools is None or entity[5:] in set(bank_pools)
    if entity in AGGREGATE_ENTITIES:
        return principal.role is not Role.BANK
    # anything else is a sub-fund id (detail)
    return principal.role is Role.FUND_MANAGER and entity == principal.tenant


def filter_table(principal: Principal, name: str, frame: pl.DataFrame, *,
                 bank_pools: Iterable[str] | None = None) -> pl.DataFrame:
    """The rows of run table or array ``name`` the principal may see (possibly none).

    Parameters
    ----------
    principal : Principal
    name : str
        Table or array name (``credit_loss_measures``, ``equity_paths``, ``loan_book`` …).
    frame : polars.DataFrame
    bank_pools : iterable of str, optional
        Pools a bank lends under (from the run's loan book); ``None`` when unknown (all pools).
    """
    if principal.role is Role.BUREAU:
        return frame
    pools = None if bank_pools is None else sorted(set(bank_pools))
    if "bank" in frame.columns and name.startswith("loan"):
        return frame.filter(pl.col("bank") == principal.tenant) if principal.role is Role.BANK else frame.head(0)
    for col in ("entity", "fund"):
        if col in frame.columns:
            keys = frame[col].unique().to_list()
            keep = [k for k in keys if k is not None and entity_visible(principal, str(k), bank_pools=pools)]
            return frame.filter(pl.col(col).is_in(keep))
    if "pool" in frame.columns:
        if principal.role is Role.BANK and pools is not None:
            return frame.filter(pl.col("pool").is_in(pools))
        return frame
    if name in AGGREGATE_TABLES:
        return frame
    return frame.head(0)


def visible_loans(principal: Principal, loans: list) -> list:
    """The loans (:class:`models.credit.AchievementLoan`) the principal may see: all for the bureau,
    its own for a bank, none for other roles."""
    if principal.role is Role.BUREAU:
        return list(loans)
    if principal.role is Role.BANK:
        return [loan for loan in loans if loan.bank == principal.tenant]
    return []


def bank_pools_of(loans: pl.DataFrame | None, bank: str | None) -> list[str] | None:
    """Pools that ``bank`` lends under, from a loan book (``None`` if there is no loan book)."""
    if loans is None or loans.height == 0 or bank is None or "pool_id" not in loans.columns:
        return None
    return sorted(x for x in loans.filter(pl.col("bank") == bank)["pool_id"].unique().to_list() if x)


PAGES_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.BUREAU: frozenset({"overview", "funds", "loans", "pools", "assessment", "stress", "validation",
                            "sensitivity", "runs"}),
    Role.BANK: frozenset({"overview", "loans", "pools", "sensitivity", "runs"}),
    Role.FUND_MANAGER: frozenset({"overview", "funds", "pools", "sensitivity", "runs"}),
    Role.VIEWER: frozenset({"overview", "pools", "sensitivity", "runs"}),
    Role.ADMIN: frozenset({"overview", "pools", "sensitivity", "runs"}),
}
"""Dashboard pages (modules of ``dashboards.pages``) each role may open; their callbacks are
guarded by the same table. The assessment, stress and validation pages (every sub-fund and bank
in detail, reports, whole-programme stresses and model validation) are the bureau's. The
sensitivity page shows aggregates (guidance fund, all banks, pools), filtered by
:func:`filter_table` on their entity like any run table, so every role may open it."""


def page_visible(principal: Principal, module: str) -> bool:
    return module in PAGES_BY_ROLE[principal.role]
