"""The watcher of a running run: heartbeat, progress, cancel requests, orphan check.

One daemon thread per running run. Every ``poll`` seconds it reads whether someone asked to
cancel the run; every ``heartbeat_seconds`` it records the heartbeat and the chunks done.
When a cancel is seen it stops the run: if the run executes in the main thread and is inside
:meth:`RunWatch.interruptible`, the main thread is interrupted at once (``_thread.interrupt_main``,
so even a long chunk stops within a time step); otherwise the next chunk boundary raises
:class:`RunCancelled`. A worker process whose supervisor died (``parent_pid`` no longer its
parent) exits at once; recovery then marks its run failed.
"""

from __future__ import annotations

import _thread
import contextlib
import logging
import os
import threading
import time

from fundsvc.errors import FundsvcError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
ORPHAN_EXIT_CODE = 70


class RunCancelled(FundsvcError):
    """The run was cancelled on request (it is stored with status ``cancelled``)."""


class RunWatch:
    """Heartbeat / progress / cancel thread of one running run.

    Parameters
    ----------
    store : fundsvc.store.Store
    run_id : int
    parent_pid : int, optional
        Exit the process (status 70) as soon as this is no longer the parent process.
    """

    def __init__(self, store, run_id: int, *, parent_pid: int | None = None):
        self._store = store
        self._run_id = run_id
        self._parent_pid = parent_pid
        self._heartbeat_s = float(store.settings.heartbeat_seconds)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._interruptible = False
        self._main = threading.current_thread() is threading.main_thread()
        self._progress: tuple[int, int] | None = None
        self._written: tuple[int, int] | None = None
        self.cancel_seen = False
        self._thread = threading.Thread(target=self._loop, name=f"fundsvc-watch-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._interruptible = False
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def progress(self, done: int, total: int) -> None:
        """Record chunks done (written with the next heartbeat); raise :class:`RunCancelled`
        if a cancel was seen."""
        self._progress = (done, total)
        if self.cancel_seen:
            raise RunCancelled(f"run {self._run_id} was cancelled")

    @contextlib.contextmanager
    def interruptible(self):
        """Inside this block a cancel interrupts the main thread (KeyboardInterrupt)."""
        with self._lock:
            self._interruptible = True
        try:
            yield
        finally:
            with self._lock:
                self._interruptible = False

    def _loop(self) -> None:
        last_beat = 0.0
        while not self._stop.wait(POLL_SECONDS):
            if self._parent_pid is not None and os.getppid() != self._parent_pid:
                os._exit(ORPHAN_EXIT_CODE)  # supervisor gone: recovery fails the run
            try:
                if not self.cancel_seen and self._store.runs.cancel_requested(self._run_id):
                    self._on_cancel()
                now = time.monotonic()
                if now - last_beat >= self._heartbeat_s:
                    progress = self._progress
                    self._store.runs.heartbeat(self._run_id, progress=progress)
                    last_beat = now
            except Exception as exc:  # noqa: BLE001 - a database blip must not kill the run; next poll
                if not self._stop.is_set():  # (after stop: the run just finished)
                    log.warning("run %s: heartbeat failed: %s", self._run_id, exc)

    def _on_cancel(self) -> None:
        self.cancel_seen = True
        with self._lock:
            if self._interruptible and self._main:
                _thread.interrupt_main()
