"""``fundsvc serve``: the dashboards on http://127.0.0.1:8050.

On an empty database the bundled baseline scenario is simulated first (with a progress bar),
so a newcomer sees real results; ``--no-bootstrap`` skips that.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fundsvc.cli.db import DatabaseUrlOption, DataDirOption, settings_from_options
from fundsvc.errors import InputError, Problem

__all__ = ["bootstrap", "register", "serve"]

BOOTSTRAP_SCENARIO = "hangzhou_baseline"


def bootstrap(store, console: Console, *, scenario: str = BOOTSTRAP_SCENARIO, paths: int | None = None) -> int | None:
    """Simulate ``scenario`` into ``store`` if it holds no succeeded run; return the new run id (or None)."""
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.simulation.spec import RunSpec
    from fundsvc.store import RunStatus

    if store.runs.list(limit=1, status=RunStatus.SUCCEEDED):
        return None
    loaded = load_scenario(resolve_scenario(scenario))
    n = RunSpec.resolve(loaded.scenario, paths=paths).paths
    console.print(f"Empty database: simulating the bundled scenario [bold]{loaded.scenario.name}[/] "
                  f"({n:,} paths) so the dashboards have results to show …")
    from fundsvc.cli.simulate import progress_bar

    with progress_bar(console) as bar:
        task = bar.add_task(loaded.scenario.name, total=100, stage="preparing")
        stored = simulate_and_store(store, loaded, paths=n, label="serve bootstrap", depletion_target=0.05,
                                    steps=lambda stage, f: bar.update(task, completed=100 * f, stage=stage))
    console.print(f"[green]✓ run {stored.run_id} stored[/]")
    return stored.run_id


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (default: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8050,
    no_bootstrap: Annotated[bool, typer.Option("--no-bootstrap", help="Do not simulate the baseline on an empty database")] = False,
    paths: Annotated[int | None, typer.Option("--paths", "-n", help="Paths for the bootstrap run (default: the scenario's)")] = None,
    debug: Annotated[bool, typer.Option(help="Werkzeug development server with Dash debug mode, single user, no "
                                        "sign-in; never on a shared host")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="Extra host name clients use to reach the server (Host header); repeatable")] = None,
    allowed_origin: Annotated[list[str] | None, typer.Option(
        "--allowed-origin", help="Extra origin (https://name) accepted on POST; repeatable")] = None,
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies", help="Mark cookies Secure (behind a TLS-terminating proxy)")] = False,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Do not run queued runs in this process (leave them to `fundsvc worker`)")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Serve the dashboards and the REST API /api/v1 (uvicorn), behind sign-in.

    On a database without users, an ``admin`` user is created and its one-time password printed.
    """
    from fundsvc.auth.accounts import FIRST_ADMIN, Accounts
    from fundsvc.store import Store

    problems = []
    if not 1 <= port <= 65535:
        problems.append(Problem("command line", "--port", f"must be in 1..65535, got {port}"))
    if paths is not None and paths < 1:
        problems.append(Problem("command line", "--paths", f"must be at least 1, got {paths}"))
    if problems:
        raise InputError(problems)
    console = Console(soft_wrap=True)
    settings = settings_from_options(data_dir, database_url)
    store = Store.open(settings, upgrade=True, recover=True)
    if not no_bootstrap:
        bootstrap(store, console, paths=paths)
    if debug:
        from dashboards.app import create_app

        console.print("[yellow]Debug mode: development server, no sign-in, this machine only.[/]")
        app = create_app(lambda: store)
        if not no_worker:  # page runs and what-if reruns go through the queue; run them here
            app.fundsvc_jobs.ensure_worker()
        app.run(host="127.0.0.1", port=port, debug=True)
        return
    first = Accounts(store).ensure_first_admin()
    if first is not None:
        console.print(f"[bold]First start:[/] created user [bold]{FIRST_ADMIN}[/] with the one-time password "
                      f"[bold]{first}[/] — sign in and add users (`fundsvc users add NAME --role bureau`); "
                      "this password is not shown again.", markup=True, highlight=False)
    serve_app(store, host=host, port=port, console=console, allowed_hosts=allowed_host or [],
              allowed_origins=allowed_origin or [], secure_cookies=secure_cookies, url=settings.redacted_url(),
              worker=not no_worker)


def serve_app(store, *, host: str, port: int, console: Console, allowed_hosts: list[str],
              allowed_origins: list[str], secure_cookies: bool, url: str, worker: bool = True) -> None:
    """Run the composed ASGI app (API + dashboards) under uvicorn; with ``worker`` the run queue's
    embedded worker pool runs queued runs (page runs, API runs, what-if reruns) in this process."""
    import uvicorn

    from fundsvc.web.app import create_server
    from fundsvc.web.security import WebConfig

    hosts = {"127.0.0.1", "localhost", "::1", host.strip("[]").lower(), *(h.lower() for h in allowed_hosts)}
    config = WebConfig(allowed_hosts=frozenset(hosts), allowed_origins=frozenset(o.rstrip("/").lower()
                                                                                   for o in allowed_origins),
                       force_secure_cookies=secure_cookies)
    app = create_server(store, config=config, worker=worker)
    console.print(f"Serving on [bold]http://{host}:{port}[/] — dashboards at /, API at /api/v1 "
                  f"(docs /api/v1/docs); database {url}. Ctrl-C to stop.")
    # uvloop and httptools when installed (uvicorn[standard]); no per-request access log line (the
    # audit log in the database records what matters); measured in bench/bench_api.py
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False,
                server_header=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
