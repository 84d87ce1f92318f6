"""Queue workers: a supervisor with a bounded pool of worker processes.

The supervisor (``fundsvc worker``, or a thread in ``fundsvc serve``) keeps ``processes`` slots.
Each slot holds one child process (spawned; fundsvc imported and warm) that waits for a run id.
The supervisor claims the next run for that child's pid (:func:`fundsvc.queue.jobs.claim`) and
hands it over; the child executes it (:func:`fundsvc.simulation.service.execute_run`, its chunks
on Dask when configured), reports back and waits for the next. A child is replaced after
``RUNS_PER_PROCESS`` runs (memory stays bounded), and whenever it dies: a crash stays confined to
the one run it was executing.

* Cancel: the child's watcher thread interrupts the run within a fraction of a second; if the
  child has not ended ``cancel_grace_seconds`` after the request the supervisor kills it.
* A child that dies (``kill -9``, out of memory) is noticed at the next poll: its run is failed
  with the reason and its files and spool removed (:func:`fundsvc.queue.recovery.recover`).
* Children exit by themselves when the supervisor dies (they watch their parent pid); the next
  start of anything recovers their runs.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from fundsvc.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
CANCEL_GRACE_SECONDS = 3.0
CHILD_WAIT_SECONDS = 0.5
RUNS_PER_PROCESS = 50


def _child_main(settings_fields: dict, conn: Connection, parent_pid: int) -> None:
    """Body of a worker process: import, then execute the run ids it is sent, one at a time,
    answering each with ``("done", run_id)``; exit on ``None``, after ``RUNS_PER_PROCESS`` runs,
    or as soon as the supervisor is gone."""
    import fundsvc.simulation.service  # noqa: F401  (warm: the heavy imports happen before a claim)
    from fundsvc.simulation.watch import ORPHAN_EXIT_CODE
    from fundsvc.store import Store

    settings = Settings(**settings_fields)
    with Store.open(settings) as store:
        for _ in range(RUNS_PER_PROCESS):
            run_id = None
            while run_id is None:
                if os.getppid() != parent_pid:
                    os._exit(ORPHAN_EXIT_CODE)
                if conn.poll(CHILD_WAIT_SECONDS):
                    try:
                        run_id = conn.recv()
                    except EOFError:
                        return
                    if run_id is None:
                        return
            _execute(store, run_id, parent_pid)
            conn.send(("done", run_id))


def _execute(store, run_id: int, parent_pid: int) -> None:
    from fundsvc import faults
    from fundsvc.errors import FundsvcError
    from fundsvc.queue.jobs import scenario_of
    from fundsvc.simulation.service import execute_run

    os.environ[faults.RUN_ENV] = str(run_id)  # the run this process executes now
    faults.point("claimed")
    try:
        scenario = scenario_of(store, run_id)
    except Exception as exc:  # noqa: BLE001 - a payload that no longer validates (code changed meanwhile)
        store.runs.fail(run_id, f"its queued scenario cannot be read: {exc}")
        return
    try:
        execute_run(store, run_id, scenario, dask_address=store.settings.dask_address, parent_pid=parent_pid)
    except FundsvcError as exc:  # stored as failed / cancelled with the reason
        log.info("run %s ended: %s", run_id, exc)
    except Exception as exc:  # noqa: BLE001 - stored as failed by execute_run; serve the next run
        log.warning("run %s failed: %s: %s", run_id, type(exc).__name__, exc)


def _finished(slot: _Slot) -> bool:
    """Whether the slot's child reported its run done (without blocking)."""
    try:
        if slot.conn.poll():
            slot.conn.recv()
            return True
    except (EOFError, OSError):
        pass
    return False


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    run_id: int | None = None
    cancel_seen_at: float | None = None


class WorkerPool:
    """Supervisor of ``processes`` queue worker processes (see the module text).

    Parameters
    ----------
    settings : Settings
    processes : int, optional
        Runs executed at once (default: ``settings.workers``).
    """

    def __init__(self, settings: Settings, processes: int | None = None):
        self.settings = settings
        self.processes = int(processes or settings.workers)
        if not 1 <= self.processes <= 64:
            raise ValueError(f"processes must be in 1..64, got {self.processes}")
        self._ctx = multiprocessing.get_context("spawn")
        self._slots: list[_Slot | None] = [None] * self.processes
        self._stop = threading.Event()

    # ------------------------------------------------------------------ children
    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_child_main, name="fundsvc-worker",
                                 args=(self.settings.model_dump(), child, os.getpid()), daemon=False)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def stop(self) -> None:
        """Ask :meth:`run` to return (running runs are cancelled and stored as such)."""
        self._stop.set()

    def kill_children(self) -> None:
        """Kill any worker process still alive (last resort at exit; recovery cleans up)."""
        for slot in self._slots:
            if slot is not None and slot.process.is_alive():
                slot.process.kill()
                slot.process.join(5)

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> None:
        """Supervise until :meth:`stop` (or, with ``until_idle``, until the queue is empty and
        nothing runs; ``max_seconds`` bounds the time in any case)."""
        from fundsvc.queue.recovery import recover
        from fundsvc.store import Store

        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        with Store.open(self.settings, upgrade=True) as store:
            recover(store)
            try:
                while not self._stop.is_set():
                    busy = self._step(store)
                    if until_idle and not busy:
                        break
                    if deadline is not None and time.monotonic() > deadline:
                        break
                    self._stop.wait(POLL_SECONDS)
            finally:
                self._shutdown(store)

    def _step(self, store) -> bool:
        """One supervision round; True while any run is in progress or was just started."""
        from fundsvc.queue.jobs import claim, has_queued

        busy = False
        waiting = has_queued(store)
        for i, slot in enumerate(self._slots):
            if slot is not None and slot.run_id is not None:
                if _finished(slot):
                    slot.run_id = slot.cancel_seen_at = None
                elif not slot.process.is_alive():
                    self._reap(store, slot)
                    self._slots[i] = slot = None
                else:
                    busy = True
                    self._check_cancel(store, slot)
                    continue
            if slot is not None and not slot.process.is_alive():  # an idle child ended
                slot.process.join(0)
                slot.conn.close()
                self._slots[i] = slot = None
            if slot is None:
                self._slots[i] = slot = self._spawn()
            if not waiting:
                continue
            run_id = claim(store, worker_pid=slot.process.pid)
            if run_id is None:
                waiting = False
                continue
            try:
                slot.conn.send(run_id)
            except OSError:  # the warm child just died; recovery fails the run
                pass
            slot.run_id = run_id
            busy = True
        return busy

    def _check_cancel(self, store, slot: _Slot) -> None:
        try:
            requested = store.runs.cancel_requested(slot.run_id)
        except Exception as exc:  # noqa: BLE001 - database blip: next round
            log.warning("could not check run %s for a cancel: %s", slot.run_id, exc)
            return
        if not requested:
            return
        now = time.monotonic()
        if slot.cancel_seen_at is None:
            slot.cancel_seen_at = now
        elif now - slot.cancel_seen_at > CANCEL_GRACE_SECONDS:
            log.warning("run %s did not stop %.0f s after its cancel; killing its worker", slot.run_id,
                        CANCEL_GRACE_SECONDS)
            slot.process.kill()
            slot.process.join(5)

    def _reap(self, store, slot: _Slot) -> None:
        from fundsvc.queue.recovery import recover

        slot.process.join(1)
        slot.conn.close()
        code = slot.process.exitcode
        if code not in (0, None):
            log.warning("worker process %s of run %s ended with %s", slot.process.pid, slot.run_id,
                        f"signal {-code}" if code < 0 else f"status {code}")
        recover(store)  # fails the run if the child left it running; removes its files

    def _shutdown(self, store) -> None:
        from fundsvc.queue.recovery import recover

        for slot in self._slots:
            if slot is None:
                continue
            if slot.run_id is not None and slot.process.is_alive():
                try:
                    store.runs.request_cancel(slot.run_id)
                except Exception as exc:  # noqa: BLE001 - shutting down anyway
                    log.warning("could not cancel run %s at shutdown: %s", slot.run_id, exc)
            else:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
        end = time.monotonic() + CANCEL_GRACE_SECONDS
        for slot in self._slots:
            if slot is None:
                continue
            slot.process.join(max(0.0, end - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(5)
        self._slots = [None] * self.processes
        recover(store)


def start_embedded(settings: Settings, processes: int | None = None) -> tuple[WorkerPool, threading.Thread]:
    """Run a :class:`WorkerPool` in a daemon thread of this process (``fundsvc serve``).

    When the process exits the pool is stopped first (running runs are cancelled and stored as
    such, the worker processes end), so the exit never waits on a worker process.
    """
    pool = WorkerPool(settings, processes)

    def supervise() -> None:
        try:
            pool.run()
        except SystemExit:  # a host stopping its threads (e.g. dash's test server); run() cleaned up
            pass

    thread = threading.Thread(target=supervise, name="fundsvc-queue-supervisor", daemon=True)
    thread.start()

    def stop_at_exit() -> None:
        pool.stop()
        thread.join(CANCEL_GRACE_SECONDS + 10)
        pool.kill_children()

    atexit.register(stop_at_exit)
    return pool, thread
