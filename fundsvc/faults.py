"""Fault injection points for the crash-recovery tests (inactive unless the environment says so).

``FUNDSVC_FAULT=<point>:<action>`` makes :func:`point` act when the named point is reached:

* ``pause`` -- create the file ``FUNDSVC_FAULT_SIGNAL`` (so a test knows the point is reached)
  and sleep for a minute (the test then kills the process with SIGKILL);
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
PAUSE_SECONDS = 60.0


def point(name: str) -> None:
    """Act on ``FUNDSVC_FAULT`` if it names this point; otherwise do nothing."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    where, _, action = spec.partition(":")
    if where != name:
        return
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if action == "pause":
        signal = os.environ.get(SIGNAL_ENV)
        if signal:
            Path(signal).write_text(str(os.getpid()))
        time.sleep(PAUSE_SECONDS)
