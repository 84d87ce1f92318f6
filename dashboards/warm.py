"""Warm the dashboards at server start so the first page does not pay for first-use work.

The first render of a page used to import SciPy's statistics (through the assessment package),
decode the run's stored tables, read its Parquet arrays, validate its scenario and build
plotly's figure template, all inside the first request. :func:`warm_up` does that work in a
background thread as soon as the server is created — while the server starts listening and the
browser loads the page's scripts — for the newest succeeded run (the run a first page shows).

Only caches are filled (:class:`dashboards.data.DashboardData` keeps unfiltered frames; every read
still filters them for its caller); nothing is shown to anyone here, so no caller is checked.
"""

from __future__ import annotations

import logging
import threading

from fundsvc.simulation.registry import TableName

__all__ = ["FIRST_PAGE_ARRAYS", "FIRST_PAGE_TABLES", "warm_up"]

FIRST_PAGE_TABLES: tuple[TableName, ...] = (TableName.EQUITY_SUMMARY, TableName.EQUITY_QUANTILES,
                                            TableName.CREDIT_POOL_SUMMARY)
"""Summary tables the overview (the first page) reads."""
FIRST_PAGE_ARRAYS: tuple[TableName, ...] = (TableName.CREDIT_PATHS, TableName.EQUITY_INDICATORS)
"""Path-level arrays the overview reads (fiscal exposure, programme targets)."""


def _template() -> None:
    """Build plotly's ``plotly_white`` template once (its first use imports every trace type)."""
    import plotly.graph_objects as go

    from dashboards.figures.common import base_layout

    base_layout(go.Figure(), "", "", "")


def _latest_run(data):
    from dashboards.whatif import WHATIF_OWNER
    from fundsvc.store import RunStatus

    for r in data.store.runs.list(limit=50):
        if r.status == RunStatus.SUCCEEDED and r.owner != WHATIF_OWNER:
            return r.id
    return None


def warm(data) -> int | None:
    """Fill ``data``'s caches for the newest succeeded run and build the figure template; return
    the run id (None: no run yet). Errors are logged, never raised (the page would report them)."""
    run_id = None
    try:
        _template()
        run_id = _latest_run(data)
        if run_id is not None:
            data.preload(run_id, FIRST_PAGE_TABLES, FIRST_PAGE_ARRAYS)
    except Exception as exc:  # noqa: BLE001 - warming is best effort
        logging.getLogger("fundsvc.dashboards").info("warm-up stopped: %s: %s", type(exc).__name__, exc)
    return run_id


def warm_up(app) -> threading.Thread:
    """Start :func:`warm` for ``app`` (a :func:`dashboards.app.create_app` app) in a daemon thread."""
    th = threading.Thread(target=warm, args=(app.fundsvc_data,), name="fundsvc-dash-warm-up", daemon=True)
    th.start()
    return th
