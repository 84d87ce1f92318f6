"""Recovery after crashes: no run left ``running`` by a dead process, no temp file left behind.

Runs at every start of the service, of a worker and of the CLI commands that touch runs
(``Store.open(..., recover=True)``), and by the worker pool whenever one of its processes ends.

* A running run whose worker (``host:pid``) is on this host and no longer alive is marked
  failed at once, naming the worker; a running run of another host is failed when its heartbeat
  is older than ``stale_after_seconds``. A run whose cancel was requested is stored as cancelled.
  Their run folders are deleted (nothing partial is kept: the database is the truth and a run
  that did not succeed has no files).
* A queued run recorded by a direct ``fundsvc simulate`` (no queue payload) that never started
  within ``stale_after_seconds`` is failed too.
* Temporary Parquet files ``runs/<id>/.*.parquet.tmp-*`` of runs not being written by a live
  process, folders of runs that are gone or did not succeed, and spool folders
  ``$TMPDIR/fundsvc-run-<pid>-*`` of dead processes are deleted. (Spool folders without a pid,
  written by older versions, are deleted once a day old.)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from fundsvc.errors import FundsvcError
from fundsvc.store.artifacts import TMP_MARKER, remove_tree
from fundsvc.store.runs import RUNS_DIR
from fundsvc.store.tables import Run, RunStatus
from fundsvc.store.types import utcnow

log = logging.getLogger(__name__)

SPOOL_GLOB = "fundsvc-run-*"
_SPOOL_PID = re.compile(r"^fundsvc-run-(\d+)-")
_RUN_DIR = re.compile(r"^(\d+)-[0-9a-f]+$")
OLD_SPOOL_AGE_S = 24 * 3600.0


@dataclass
class Recovery:
    """What a recovery did."""

    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.failed or self.cancelled or self.removed)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_alive(worker: str | None) -> bool | None:
    """True/False for a ``host:pid`` of this host; ``None`` if it cannot be checked here."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return pid_alive(int(pid))


def recover(store, *, spool_root: Path | None = None) -> Recovery:
    """Fail abandoned runs and delete leftover files (see the module text); best effort: a
    problem is logged and the rest still runs."""
    report = Recovery()
    try:
        _recover_runs(store, report)
    except FundsvcError as exc:
        log.warning("recovery of abandoned runs failed: %s", exc)
    try:
        _remove_run_leftovers(store, report)
    except (FundsvcError, OSError) as exc:
        log.warning("removing leftover run files failed: %s", exc)
    _remove_spools(Path(spool_root or tempfile.gettempdir()), report)
    if report:
        log.info("recovery: failed %s, cancelled %s, removed %d files/folders",
                 report.failed, report.cancelled, len(report.removed))
    return report


def _recover_runs(store, report: Recovery) -> None:
    now = utcnow()
    stale = dt.timedelta(seconds=store.settings.stale_after_seconds)
    with store.session(read_only=True) as session:
        running = session.execute(sa.select(
            Run.id, Run.worker, Run.heartbeat_at, Run.started_at, Run.created_at, Run.cancel_requested_at,
            Run.artifact_dir).where(Run.status == RunStatus.RUNNING)).all()
        unstarted = session.execute(sa.select(Run.id, Run.artifact_dir).where(
            Run.status == RunStatus.QUEUED, Run.spec.is_(None), Run.created_at < now - stale)).all()
    for run_id, worker, beat, started, created, cancel_at, artifact_dir in running:
        alive = worker_alive(worker)
        last = beat or started or created
        if alive is True or (alive is None and last >= now - stale):
            continue
        if cancel_at is not None:
            status, reason = RunStatus.CANCELLED, "cancelled on request (its worker stopped)"
        elif alive is False:
            status, reason = RunStatus.FAILED, (f"worker {worker} is gone: the process ended (killed or crashed) "
                                                "before the run finished; nothing of it was kept")
        else:
            status, reason = RunStatus.FAILED, (f"abandoned: no heartbeat since {last:%Y-%m-%d %H:%M:%S} UTC "
                                                f"(worker {worker or 'unknown'} died or was killed)")
        if _finish(store, run_id, RunStatus.RUNNING, status, reason):
            (report.cancelled if status is RunStatus.CANCELLED else report.failed).append(run_id)
            remove_tree(store.data_dir / artifact_dir)
    for run_id, artifact_dir in unstarted:
        if _finish(store, run_id, RunStatus.QUEUED, RunStatus.FAILED,
                   "abandoned: the process that recorded it never started it"):
            report.failed.append(run_id)
            remove_tree(store.data_dir / artifact_dir)


def _finish(store, run_id: int, expected: RunStatus, status: RunStatus, reason: str) -> bool:
    with store.session() as session:
        done = session.execute(sa.update(Run).where(Run.id == run_id, Run.status == expected)
                               .values(status=status, error=reason, finished_at=utcnow()))
        return done.rowcount == 1


def _remove_run_leftovers(store, report: Recovery) -> None:
    root = store.data_dir / RUNS_DIR
    if not root.is_dir():
        return
    with store.session(read_only=True) as session:
        rows = session.execute(sa.select(Run.id, Run.status, Run.worker, Run.artifact_dir)).all()
    known = {Path(artifact_dir).name: (RunStatus(status), worker) for _, status, worker, artifact_dir in rows}
    for folder in root.iterdir():
        if not folder.is_dir() or not _RUN_DIR.match(folder.name):
            continue
        status, worker = known.get(folder.name, (None, None))
        if status in (RunStatus.RUNNING, RunStatus.QUEUED) and worker_alive(worker) is not False:
            continue  # being written (or written on another host)
        if status is RunStatus.SUCCEEDED:
            for tmp in folder.glob(f".*{TMP_MARKER}*"):
                tmp.unlink(missing_ok=True)
                report.removed.append(tmp)
        elif status not in (RunStatus.RUNNING, RunStatus.QUEUED) or worker_alive(worker) is False:
            if status is None and time.time() - folder.stat().st_mtime < store.settings.stale_after_seconds:
                continue  # a run being created right now by a process we cannot see yet
            remove_tree(folder)
            report.removed.append(folder)


def _remove_spools(root: Path, report: Recovery) -> None:
    try:
        candidates = list(root.glob(SPOOL_GLOB))
    except OSError:
        return
    for spool in candidates:
        if not spool.is_dir():
            continue
        match = _SPOOL_PID.match(spool.name)
        if match:
            if pid_alive(int(match.group(1))):
                continue
        else:
            try:
                if time.time() - spool.stat().st_mtime < OLD_SPOOL_AGE_S:
                    continue
            except OSError:
                continue
        shutil.rmtree(spool, ignore_errors=True)
        if not spool.exists():
            report.removed.append(spool)
