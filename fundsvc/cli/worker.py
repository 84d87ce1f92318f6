"""``fundsvc worker``: run queued simulation runs with a bounded pool of worker processes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options


def worker(
    processes: Annotated[int | None, typer.Option(
        "--processes", "-p", min=1, max=64, help="Runs executed at once (default: FUNDSVC_WORKERS, 2)")] = None,
    until_idle: Annotated[bool, typer.Option(
        "--until-idle", help="Stop once the queue is empty and nothing runs")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Execute queued runs (`fundsvc runs submit`, the dashboards, the API) until stopped with Ctrl-C.

    Runs abandoned by dead processes are recovered first (marked failed, their files removed).
    """
    from fundsvc.queue import WorkerPool

    settings = settings_from_options(data_dir, database_url)
    pool = WorkerPool(settings, processes)
    Console(highlight=False).print(
        f"fundsvc worker: {pool.processes} process(es) on {settings.redacted_url()}; Ctrl-C to stop.", markup=False)
    try:
        pool.run(until_idle=until_idle)
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
