"""The ``fundsvc`` command line: an app factory whose commands load on first use.

Each module in :data:`COMMAND_MODULES` exposes ``register(app: typer.Typer) -> None``. The
top-level group imports a command's module only when that command runs (or its help is
shown); ``fundsvc --help`` lists the commands from :data:`fundsvc.cli.commands.COMMANDS`
without importing any of them, so start-up does not pay for scipy, polars or SQLAlchemy.
Errors derived from :class:`fundsvc.errors.FundsvcError` are printed without a traceback
and the process exits with status 2.
"""

from __future__ import annotations

import functools
import gc
import importlib

import typer
from typer.core import TyperCommand, TyperGroup

from fundsvc.cli.commands import COMMAND_MODULES, COMMANDS
from fundsvc.errors import FundsvcError, InputError

__all__ = ["COMMAND_MODULES", "build_app", "end_startup", "main", "print_error"]

#: True from :func:`main` until a command's own code starts: the cyclic garbage collector is off
#: meanwhile (see :func:`_begin_startup`).
_in_startup = False


def _begin_startup() -> None:
    """Start-up allocates hundreds of thousands of objects that live as long as the process
    (modules, classes, pydantic schemas, the parser); with the collector on, CPython scans them
    over and over (about 140 collections, some 15 % of a ``price-loan`` run's CPU time).
    Off until :func:`end_startup`."""
    global _in_startup
    if gc.isenabled():
        gc.disable()
        _in_startup = True


def end_startup() -> None:
    """Start-up is over: freeze what it allocated (never scanned again) and turn the collector
    back on for the command's own work. Does nothing outside :func:`main` (tests, the API)."""
    global _in_startup
    if _in_startup:
        _in_startup = False
        gc.freeze()
        gc.enable()


def _ending_startup(callback):
    """``callback`` that first calls :func:`end_startup`."""
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        end_startup()
        return callback(*args, **kwargs)

    return wrapper


def _end_startup_on_run(cmd) -> None:
    """Make ``cmd`` (and every subcommand of a group) end start-up when its own code starts."""
    if cmd.callback is not None:
        cmd.callback = _ending_startup(cmd.callback)
    for sub in getattr(cmd, "commands", {}).values():
        _end_startup_on_run(sub)

#: Settings shared by the top-level app and the apps a command module registers into on load.
_APP_SETTINGS = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,  # plain help: "--save / --no-save", "RUN_ID" (no "<bool>", "{run_id}")
}


def print_error(exc: FundsvcError) -> None:
    """Print a user-facing error to standard error in red, without a traceback."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if isinstance(exc, InputError):
        n = len(exc.problems)
        console.print(f"[bold red]Error:[/] {n} problem{'s' if n != 1 else ''} found")
        for line in exc.render().splitlines():
            console.print("  - " + line, markup=False)
    else:
        console.print(f"[bold red]Error:[/] {escape(str(exc))}", markup=True)


class _ErrorHandlingGroup(TyperGroup):
    """Top-level group that loads each command's module on first use and turns
    :class:`FundsvcError` into a message and exit status 2.

    Commands already registered on the app (``app.command`` / ``register(app)``) come first in
    their own right; the rest are listed from :data:`COMMANDS` and imported when looked up.
    """

    def list_commands(self, ctx) -> list[str]:
        names = [e.name for e in COMMANDS]
        return names + [n for n in self.commands if n not in names]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in self.commands:
            self._load(cmd_name)
        return self.commands.get(cmd_name)

    def _load(self, cmd_name: str) -> None:
        """Import the module registering ``cmd_name`` and add every command it registers."""
        import typer.main

        module = next((e.module for e in COMMANDS if e.name == cmd_name), None)
        if module is None:
            return
        sub = typer.Typer(**_APP_SETTINGS)
        importlib.import_module(module).register(sub)
        for name, cmd in typer.main.get_group(sub).commands.items():
            _end_startup_on_run(cmd)
            self.commands.setdefault(name, cmd)

    def _listed(self, ctx) -> dict:
        """Every command by name: the loaded ones, and a help-only stand-in for the others."""
        summaries = {e.name: e.summary for e in COMMANDS}
        return {name: self.commands.get(name) or TyperCommand(name, help=summaries[name], rich_markup_mode=None)
                for name in self.list_commands(ctx)}

    def resolve_command(self, ctx, args: list[str]):
        """As typer's, with "Did you mean …" chosen among all commands, loaded or not."""
        if not args or args[0] in self.commands or any(e.name == args[0] for e in COMMANDS):
            return super().resolve_command(ctx, args)
        loaded, self.commands = self.commands, self._listed(ctx)  # an unknown name: only the error is built
        try:
            return super().resolve_command(ctx, args)
        finally:
            self.commands = loaded

    def format_commands(self, ctx, formatter) -> None:
        """The command listing (as click's), from :data:`COMMANDS` for commands not loaded yet."""
        rows = [(name, cmd) for name, cmd in self._listed(ctx).items() if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FundsvcError as exc:
            print_error(exc)
            raise typer.Exit(code=2) from None
        finally:
            end_startup()  # a command that stopped before its body (its help, a usage error)


def _plain_usage_names() -> None:
    """Usage lines show required arguments as ``RUN_ID`` (typer's default is ``{RUN_ID}``)."""
    from typer.core import TyperArgument

    def usage_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = usage_name


def _root() -> None:
    # The top-level group's callback: it has no options of its own and does nothing.
    return None


def build_app(*, eager: bool = False) -> typer.Typer:
    """Build the typer application. Command modules load on first use; ``eager=True``
    registers every module now (what the lazy listing is tested against)."""
    _plain_usage_names()
    app = typer.Typer(
        name="fundsvc",
        cls=_ErrorHandlingGroup,
        help="fundsvc: guidance funds, sub-funds, tech loans and risk-sharing pools, modelled jointly.",
        no_args_is_help=True,
        callback=_root,  # makes typer build a group even before any command is registered
        **_APP_SETTINGS,
    )
    if eager:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
    return app


def main() -> None:
    """Console-script entry point."""
    _begin_startup()
    try:
        build_app()()
    finally:
        end_startup()  # if no command ran (top-level help, a usage error)
