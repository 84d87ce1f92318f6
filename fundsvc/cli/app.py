"""The ``fundsvc`` command line: an app factory that registers each command module.

Each module in :data:`COMMAND_MODULES` exposes ``register(app: typer.Typer) -> None``.
Errors derived from :class:`fundsvc.errors.FundsvcError` are printed without a traceback
and the process exits with status 2.
"""

from __future__ import annotations

import importlib

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from fundsvc.errors import FundsvcError, InputError

COMMAND_MODULES: tuple[str, ...] = (
    "fundsvc.cli.validate",
    "fundsvc.cli.scenarios",
    "fundsvc.cli.loans",
    "fundsvc.cli.db",
    "fundsvc.cli.runs",
    "fundsvc.cli.pricing",
    "fundsvc.cli.book",
    "fundsvc.cli.simulate",
    "fundsvc.cli.assess",
    "fundsvc.cli.serve",
    "fundsvc.cli.users",
    "fundsvc.cli.stress",
    "fundsvc.cli.backtest",
    "fundsvc.cli.sensitivity",
    "fundsvc.cli.model_card",
    "fundsvc.cli.worker",
)


def print_error(exc: FundsvcError) -> None:
    """Print a user-facing error to standard error in red, without a traceback."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if isinstance(exc, InputError):
        n = len(exc.problems)
        console.print(f"[bold red]Error:[/] {n} problem{'s' if n != 1 else ''} found")
        for line in exc.render().splitlines():
            console.print("  - " + line, markup=False)
    else:
        console.print(f"[bold red]Error:[/] {escape(str(exc))}", markup=True)


class _ErrorHandlingGroup(TyperGroup):
    """Top-level group that turns :class:`FundsvcError` into a message and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FundsvcError as exc:
            print_error(exc)
            raise typer.Exit(code=2) from None


def _plain_usage_names() -> None:
    """Usage lines show required arguments as ``RUN_ID`` (typer's default is ``{RUN_ID}``)."""
    from typer.core import TyperArgument

    def usage_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = usage_name


def build_app() -> typer.Typer:
    """Build the typer application with every registered command module."""
    _plain_usage_names()
    app = typer.Typer(
        name="fundsvc",
        cls=_ErrorHandlingGroup,
        help="fundsvc: guidance funds, sub-funds, tech loans and risk-sharing pools, modelled jointly.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain help: "--save / --no-save", "RUN_ID" (no "<bool>", "{run_id}")
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def main() -> None:
    """Console-script entry point."""
    build_app()()
