"""Which module registers each top-level command, and the first paragraph of its help.

The top-level ``fundsvc --help`` lists every command with a one-line summary; importing every
command module to get those lines costs seconds (scipy, polars, SQLAlchemy, alembic …). The
table :data:`COMMANDS` holds what that listing needs, so only the module of the command that
actually runs is imported. ``tests/cli/test_cli_startup.py`` checks the table against the
modules (names, order, summaries); :func:`scan_commands` prints the table that the modules
define today (``python -c "from fundsvc.cli.commands import scan_commands; print(scan_commands())"``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMANDS", "COMMAND_MODULES", "CommandEntry", "first_paragraph", "scan_commands"]


@dataclass(frozen=True)
class CommandEntry:
    """One top-level command (or command group): its name, the module whose ``register(app)``
    adds it, and the first paragraph of its help text (what the top-level listing shows)."""

    name: str
    module: str
    summary: str


#: Modules exposing ``register(app: typer.Typer) -> None``, in registration order.
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

#: Every top-level command in the order ``fundsvc --help`` lists them (typer lists plain
#: commands first, then command groups, each in registration order).
COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry('validate', 'fundsvc.cli.validate',
                 'Validate a scenario file and the files it references; print a summary.'),
    CommandEntry('generate-loans', 'fundsvc.cli.loans',
                 'Generate an illustrative tech-loan book (成果贷/科创贷/人才贷), validate it and write it.'),
    CommandEntry('price-loan', 'fundsvc.cli.pricing',
                 "Price a loan: break-even rate, RAROC at the quoted rate, and the pool's subsidy value."),
    CommandEntry('book-report', 'fundsvc.cli.book',
                 "Price the run's loan book at its contract rates: EL, LGD, break-even and RAROC per grade and product."),
    CommandEntry('simulate', 'fundsvc.cli.simulate',
                 'Simulate a scenario (guidance fund, sub-funds, loans, pools), store the run and print the results.'),
    CommandEntry('assess', 'fundsvc.cli.assess',
                 'Assess a run as a whole fund: the verdict in words and its basis (simulated or realised,\nnaming the actuals used), the score and rating, the scorecard; store it with the run.'),
    CommandEntry('report', 'fundsvc.cli.assess',
                 'Write the periodic report (Excel workbook, self-contained HTML or PDF), store the assessment,\nand say where it was written and which actuals it used.'),
    CommandEntry('serve', 'fundsvc.cli.serve',
                 'Serve the dashboards and the REST API /api/v1 (uvicorn), behind sign-in.'),
    CommandEntry('stress', 'fundsvc.cli.stress',
                 "Run stresses on common random numbers and print each headline figure's change against the base\n(with its Monte Carlo standard error), or find the most likely factor path that breaches a target."),
    CommandEntry('backtest', 'fundsvc.cli.backtest',
                 'Backtest PDs per grade (binomial and Jeffreys tests), AUC/Gini and LGD on a loan tape with outcomes;\nwith --run and --actuals, the PIT of sub-fund results over time and the coverage of the simulated 90 % band.'),
    CommandEntry('sensitivity', 'fundsvc.cli.sensitivity',
                 'Which inputs drive guidance TVPI and P(loss), bank EL and VaR 99.9 %, and pool depletion.'),
    CommandEntry('model-card', 'fundsvc.cli.model_card',
                 'Purpose, users, scope, every assumption with its source, limitations, validation results, code version.'),
    CommandEntry('worker', 'fundsvc.cli.worker',
                 'Execute queued runs (`fundsvc runs submit`, the dashboards, the API) until stopped with Ctrl-C.'),
    CommandEntry('scenarios', 'fundsvc.cli.scenarios',
                 'Bundled scenarios.'),
    CommandEntry('db', 'fundsvc.cli.db',
                 'Create and migrate the fundsvc database.'),
    CommandEntry('runs', 'fundsvc.cli.runs',
                 'Inspect, queue and cancel simulation runs.'),
    CommandEntry('users', 'fundsvc.cli.users',
                 'Users who sign in: add, list, disable, set-role, set-password.'),
    CommandEntry('tokens', 'fundsvc.cli.users',
                 'API tokens for systems: create, list, revoke.'),
)


def first_paragraph(help_text: str | None) -> str:
    """The part of a help text click's one-line summary is made from (up to the first blank line)."""
    import inspect

    text = inspect.cleandoc(help_text or "")
    return text.split("\n\n", 1)[0]


def scan_commands() -> tuple[CommandEntry, ...]:
    """Import every module of :data:`COMMAND_MODULES` and read the commands it registers.

    Slow (imports everything); used by the test that keeps :data:`COMMANDS` true.
    """
    import importlib

    import typer
    import typer.main

    modules: dict[str, str] = {}
    app = typer.Typer(rich_markup_mode=None, add_completion=False)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
        for info in (*app.registered_commands, *app.registered_groups):
            modules.setdefault(_info_name(info), name)
    group = typer.main.get_group(app)
    return tuple(
        CommandEntry(cmd_name, modules[cmd_name], first_paragraph(cmd.help or cmd.short_help))
        for cmd_name, cmd in group.commands.items()
        if not cmd.hidden
    )


def _info_name(info) -> str:
    """Command name of a typer ``CommandInfo`` / ``TyperInfo`` as click will see it."""
    from typer.main import get_command_name

    if getattr(info, "typer_instance", None) is not None:
        return info.name or info.typer_instance.info.name
    return info.name or get_command_name(info.callback.__name__)
