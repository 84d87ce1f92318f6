"""Fault injection points for the crash-recovery tests (inactive unless the environment says so).

``FUNDSVC_FAULT=<point>:<action>[@<run id>][;...]`` makes :func:`point` act when the named point
is reached (by any run, or only by the given run of a queue worker):

* ``pause`` -- write this process's id to the file ``<point>-<run id or pid>`` in the folder
  ``FUNDSVC_FAULT_SIGNAL`` (so a test knows the point is reached and whom to kill) and sleep
  for a minute (the test then kills the process with SIGKILL);
* ``enospc`` -- raise ``OSError(ENOSPC)`` as a full disk would.

Points: ``claimed`` (a worker took a run), ``chunk`` (after a chunk is reduced), ``tmp-written``
(a Parquet file written under its temporary name, not yet renamed), ``before-commit`` (all
files in place, the database transaction not yet committed). The environment is read when a
point is reached, never at import.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

ENV = "FUNDSVC_FAULT"
SIGNAL_ENV = "FUNDSVC_FAULT_SIGNAL"
RUN_ENV = "FUNDSVC_FAULT_RUN"
"""Set by a queue worker process to the run it executes (so ``@<run id>`` can match)."""
PAUSE_SECONDS = 60.0


def point(name: str) -> None:
    """Act on ``FUNDSVC_FAULT`` if it names this point; otherwise do nothing."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    run = os.environ.get(RUN_ENV)
    for entry in spec.split(";"):
        where, _, rest = entry.strip().partition(":")
        action, _, only = rest.partition("@")
        if where != name or (only and only != run):
            continue
        if action == "enospc":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if action == "pause":
            signal = os.environ.get(SIGNAL_ENV)
            if signal:
                Path(signal, f"{name}-{run or os.getpid()}").write_text(str(os.getpid()))
            time.sleep(PAUSE_SECONDS)
