"""``fundsvc db``: create / migrate the database and show its revision.

Settings come from ``FUNDSVC_*`` environment variables; ``--data-dir`` and ``--database-url``
override them for one command. URLs are always printed with the password masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fundsvc.settings import Settings, get_settings
from fundsvc.store import Store

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (overrides FUNDSVC_DATA_DIR; "
                 "default .fundsvc).", show_default=False)]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (overrides FUNDSVC_DATABASE_URL; "
                 "default: SQLite file in the data directory).", show_default=False)]


def settings_from_options(data_dir: Path | None, database_url: str | None) -> Settings:
    """Settings from the environment with the CLI options (when given) on top."""
    return get_settings(data_dir=data_dir, database_url=database_url)


def upgrade(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the tables or migrate them to the newest revision (safe to repeat)."""
    settings = settings_from_options(data_dir, database_url)
    console = Console(highlight=False, soft_wrap=True)
    with Store.open(settings, require_current=False) as store:
        before = store.current_revision()
        after = store.upgrade(revision)
    console.print(f"Database: {settings.redacted_url()}", markup=False)
    if before == after:
        console.print(f"Already at revision {after}.", markup=False)
    else:
        console.print(f"Upgraded from {before or 'an empty database'} to revision {after}.",
                      markup=False)


def current(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Exit with status 1 unless the database is at the newest revision.")]
        = False,
) -> None:
    """Show the database URL (password masked), its revision and the newest revision."""
    settings = settings_from_options(data_dir, database_url)
    console = Console(highlight=False, soft_wrap=True)
    with Store.open(settings, require_current=False) as store:
        revision = store.current_revision()
        head = store.head_revision()
    up_to_date = revision == head
    console.print(f"Database: {settings.redacted_url()}", markup=False)
    console.print(f"Revision: {revision or 'none (not initialised)'}", markup=False)
    console.print(f"Newest:   {head}", markup=False)
    console.print("Status:   up to date" if up_to_date
                  else "Status:   needs `fundsvc db upgrade`", markup=False)
    if check and not up_to_date:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    db_app = typer.Typer(name="db", help="Create and migrate the fundsvc database.",
                         no_args_is_help=True)
    db_app.command("upgrade")(upgrade)
    db_app.command("current")(current)
    app.add_typer(db_app, name="db")
