"""``fundsvc users add|list|disable|set-role|set-password`` and ``fundsvc tokens create|list|revoke``.

Passwords are asked for at the prompt (never on the command line, where the shell history and
``ps`` would keep them) unless ``--password-stdin`` is given. A token's secret is printed once.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options

users_app = typer.Typer(help="Users who sign in: add, list, disable, set-role, set-password.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for systems: create, list, revoke.", no_args_is_help=True)

TenantOption = Annotated[str | None, typer.Option(
    "--tenant", help="bank id for role bank (the loan book's `bank`), sub-fund id for role fund_manager")]


def _accounts(data_dir, database_url):
    from fundsvc.auth.accounts import Accounts
    from fundsvc.store import Store

    store = Store.open(settings_from_options(data_dir, database_url), upgrade=True)
    return Accounts(store)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(username: Annotated[str, typer.Argument()],
        role: Annotated[str, typer.Option("--role", help="bureau | bank | fund_manager | viewer | admin")],
        tenant: TenantOption = None,
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
        data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Add a user (the password is prompted for and stored as an argon2id hash)."""
    accounts = _accounts(data_dir, database_url)
    u = accounts.add_user(username, _password(password_stdin), role, tenant, actor="(cli)")
    Console().print(f"[green]✓[/] user {u.username} ({u.role.value}{', ' + u.tenant if u.tenant else ''}) added")


@users_app.command("list")
def list_(data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """List users."""
    t = Table("username", "role", "tenant", "disabled", "created")
    for u in _accounts(data_dir, database_url).users():
        t.add_row(u.username, u.role.value, u.tenant or "", "yes" if u.disabled else "",
                  u.created_at.strftime("%Y-%m-%d %H:%M"))
    Console().print(t)


@users_app.command("disable")
def disable(username: str, enable: Annotated[bool, typer.Option("--enable", help="Enable again")] = False,
            data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Disable a user (their sessions end at once; their tokens stop working)."""
    u = _accounts(data_dir, database_url).disable(username, actor="(cli)", disabled=not enable)
    Console().print(f"[green]✓[/] user {u.username} {'disabled' if u.disabled else 'enabled'}")


@users_app.command("set-role")
def set_role(username: str, role: Annotated[str, typer.Option("--role")], tenant: TenantOption = None,
             data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Change a user's role (and tenant)."""
    u = _accounts(data_dir, database_url).set_role(username, role, tenant, actor="(cli)")
    Console().print(f"[green]✓[/] user {u.username} is now {u.role.value}{' of ' + u.tenant if u.tenant else ''}")


@users_app.command("set-password")
def set_password(username: str,
                 password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
                 data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Set a user's password."""
    _accounts(data_dir, database_url).set_password(username, _password(password_stdin), actor="(cli)")
    Console().print(f"[green]✓[/] password of {username} changed")


@tokens_app.command("create")
def create(username: str,
           scopes: Annotated[str, typer.Option("--scopes", help="comma-separated: read,price,run,upload,admin")] = "read",
           days: Annotated[float, typer.Option("--days", help="valid for this many days (max 366)")] = 90,
           name: Annotated[str, typer.Option("--name")] = "api",
           data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Create an API token; its secret is printed once (the database keeps only its SHA-256)."""
    info, secret = _accounts(data_dir, database_url).create_token(
        username, name, [s.strip() for s in scopes.split(",") if s.strip()], days, actor="(cli)")
    console = Console()
    console.print(f"[green]✓[/] token {info.id} for {username} ({', '.join(info.scopes)}), expires "
                  f"{info.expires_at:%Y-%m-%d %H:%M} UTC. Copy it now; it is not shown again:")
    print(secret)


@tokens_app.command("list")
def list_tokens(username: Annotated[str | None, typer.Option("--user")] = None,
                data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """List tokens (prefix, scopes, expiry, state; never the secret)."""
    t = Table("id", "user", "name", "prefix", "scopes", "expires", "state")
    for tok in _accounts(data_dir, database_url).tokens(username):
        t.add_row(str(tok.id), tok.username, tok.name, tok.prefix + "…", ",".join(tok.scopes),
                  f"{tok.expires_at:%Y-%m-%d %H:%M}", tok.state)
    Console().print(t)


@tokens_app.command("revoke")
def revoke(token_id: int, data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Revoke a token at once."""
    _accounts(data_dir, database_url).revoke_token(token_id, actor="(cli)")
    Console().print(f"[green]✓[/] token {token_id} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
