"""Runs: life cycle, summary tables (JSON rows) and path-level arrays (Parquet files).

Life cycle: ``create`` (queued) -> ``mark_running`` -> ``complete`` (succeeded) or ``fail``.
Every transition is a conditional UPDATE (``... WHERE status = <expected>``), so two processes
can never both move a run on.

:meth:`RunRepository.complete` is all-or-nothing. Arrays are first written to Parquet files in
the run's own directory (temporary name, fsync, atomic rename); then ONE transaction inserts
the summary tables and the artifact rows and flips the status to succeeded. If anything fails
or is interrupted (including ``KeyboardInterrupt``) the transaction rolls back, the run's
directory is deleted, and the run is marked failed with the reason in a separate transaction.
A process killed outright leaves the run ``running`` (and maybe files without rows);
:meth:`RunRepository.mark_stale_running_failed` finds such runs by their heartbeat, marks
them failed and deletes their files. The database is the source of truth: files of a run that
did not succeed are garbage.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import math
import operator
import os
import shutil
import socket
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fundsvc import faults
from fundsvc.errors import InputError, NotFoundError, StoreError
from fundsvc.store.artifacts import (
    TMP_MARKER,
    WrittenFile,
    check_name,
    read_verified,
    remove_tree,
    sha256_file,
    write_parquet_atomic,
)
from fundsvc.store.engine import ensure_json
from fundsvc.store.frames import decode_frame, encode_frame
from fundsvc.store.provenance import code_version as current_code_version
from fundsvc.store.records import ArtifactInfo, RunRecord, TableInfo
from fundsvc.store.tables import LoanBook, Run, RunArtifact, RunStatus, RunTable, Scenario
from fundsvc.store.types import utcnow

if TYPE_CHECKING:
    from fundsvc.store.store import Store

RUNS_DIR = "runs"
_ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _record(run: Run, scenario_name: str) -> RunRecord:
    return RunRecord(
        id=run.id, scenario_id=run.scenario_id, scenario_name=scenario_name,
        loan_book_id=run.loan_book_id, status=RunStatus(run.status), seed=run.seed,
        n_paths=run.n_paths, chunk_size=run.chunk_size, executor=run.executor,
        code_version=run.code_version, label=run.label, parameters=run.parameters,
        artifact_dir=run.artifact_dir, worker=run.worker, created_at=run.created_at,
        started_at=run.started_at, heartbeat_at=run.heartbeat_at, finished_at=run.finished_at,
        timings=run.timings, error=run.error, priority=run.priority or 0, owner=run.owner,
        queued=run.spec is not None, cancel_requested_at=run.cancel_requested_at,
        progress_done=run.progress_done, progress_total=run.progress_total)


def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError.single("<input>", field, f"must be a positive integer, got {value!r}")
    return value


def _seed(value: Any) -> int:
    try:
        number = operator.index(value)  # int or numpy integer; not float, not bool
    except TypeError:
        number = -1
    if isinstance(value, bool) or number < 0:
        raise InputError.single("<input>", "seed", f"must be an integer >= 0, got {value!r}")
    return number


def _clean_timings(timings: Mapping[str, float] | None) -> dict[str, float] | None:
    if timings is None:
        return None
    clean = {}
    for stage, seconds in timings.items():
        value = float(seconds)
        if not math.isfinite(value) or value < 0:
            raise StoreError(f"timing of stage {stage!r} must be finite seconds >= 0, "
                             f"got {seconds!r}")
        clean[str(stage)] = value
    return clean


def describe_failure(exc: BaseException) -> str:
    """The reason recorded on a run whose results could not be stored."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (KeyboardInterrupt) while storing the results"
    text = str(exc).strip()
    return f"storing the results failed: {type(exc).__name__}" + (f": {text}" if text else "")


# The three steps of the completing transaction are module functions so that tests can
# interrupt the write between them.
def _insert_table_rows(session: Session, run_id: int,
                       encoded: Mapping[str, tuple[list[dict], list[dict]]]) -> None:
    session.add_all(RunTable(run_id=run_id, name=name, columns=columns, rows=rows,
                             n_rows=len(rows))
                    for name, (columns, rows) in encoded.items())
    session.flush()


def _insert_artifact_rows(session: Session, run_id: int, data_dir: Path,
                          written: Mapping[str, WrittenFile]) -> None:
    session.add_all(RunArtifact(run_id=run_id, name=name,
                                relative_path=file.path.relative_to(data_dir).as_posix(),
                                sha256=file.sha256, n_rows=file.n_rows, n_bytes=file.n_bytes)
                    for name, file in written.items())
    session.flush()


def _flip_to_succeeded(session: Session, run_id: int, timings: dict[str, float] | None,
                       n_paths: int | None = None) -> None:
    now = utcnow()
    extra = {} if n_paths is None else {"n_paths": _positive_int(n_paths, "n_paths")}
    result = session.execute(
        sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.RUNNING)
        .values(status=RunStatus.SUCCEEDED, finished_at=now, heartbeat_at=now, timings=timings,
                error=None, **extra))
    if result.rowcount != 1:
        raise StoreError(f"run {run_id} is no longer running (marked failed meanwhile?); "
                         "its results were not stored")


def _parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its footer (the data is not read)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _place_file(src: Path, tmp: Path) -> None:
    """Put a copy of ``src`` at ``tmp``: a hard link when both are on one file system (no
    bytes copied; ``src`` stays the caller's), else a byte copy."""
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)


def _write_parts_atomic(parts: list[Path], path: Path) -> WrittenFile:
    """Put Parquet ``parts`` (in order) into one file at ``path`` atomically (see
    :func:`fundsvc.store.artifacts.write_parquet_atomic`). One part is taken as it is (linked
    or copied, never decoded); several are streamed into one file."""
    if not parts:
        raise StoreError(f"{path.name}: no part files given")
    tmp = path.with_name(f".{path.name}{TMP_MARKER}{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if len(parts) == 1:
            _place_file(Path(parts[0]), tmp)
        else:
            pl.scan_parquet(parts).sink_parquet(tmp, compression="zstd", statistics=True)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        faults.point("tmp-written")
        n_rows = _parquet_rows(tmp)
        sha = sha256_file(tmp)
        n_bytes = tmp.stat().st_size
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    except pl.exceptions.PolarsError as exc:  # polars reports a full disk as a ComputeError
        raise StoreError(f"cannot write {path}: {str(exc).strip().splitlines()[0]}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return WrittenFile(path=path, sha256=sha, n_rows=int(n_rows), n_bytes=n_bytes)


class RunRepository:
    """Runs of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    # ----------------------------------------------------------------- life cycle
    def create(self, scenario_id: int, seed: int, n_paths: int, chunk_size: int | None = None,
               executor: str | enum.Enum = "serial", *, loan_book_id: int | None = None,
               label: str | None = None, parameters: Mapping[str, Any] | None = None,
               code_version: str | None = None, priority: int = 0, owner: str | None = None,
               max_running: int | None = None, spec: Mapping[str, Any] | None = None) -> int:
        """Record a new queued run and return its id.

        Parameters
        ----------
        scenario_id : int
            Scenario simulated.
        seed : int
            Root seed (>= 0, any size: 128-bit ``SeedSequence`` entropy is fine).
        n_paths : int
            Monte Carlo paths.
        chunk_size : int, optional
            Paths per chunk; defaults to the settings' ``chunk_size``.
        executor : str or Enum
            How the run is executed (an Enum is stored by its value).
        loan_book_id : int, optional
            Loan book used, if any.
        label : str, optional
            Free text shown in listings.
        parameters : mapping, optional
            Further JSON-serialisable options (horizon, flags ...).
        code_version : str, optional
            Defaults to the fundsvc version plus git commit.
        priority, owner, max_running, spec
            Run-queue fields (:mod:`fundsvc.queue`): a run with a ``spec`` (its payload) is
            executed by a queue worker, higher ``priority`` first, at most ``max_running`` of
            one ``owner`` at a time.

        Raises
        ------
        InputError
            Seed negative, non-integer, or ``n_paths`` / ``chunk_size`` not positive.
        NotFoundError
            No such scenario or loan book.
        """
        chunk = self._store.settings.chunk_size if chunk_size is None else chunk_size
        _positive_int(n_paths, "n_paths")
        _positive_int(chunk, "chunk_size")
        seed = _seed(seed)
        params = None if parameters is None else ensure_json(dict(parameters), "run parameters")
        payload = None if spec is None else ensure_json(dict(spec), "run spec")
        token = uuid.uuid4().hex[:8]
        with self._store.session() as session:
            if session.get(Scenario, scenario_id) is None:
                raise NotFoundError(f"no scenario with id {scenario_id}")
            if loan_book_id is not None:
                book = session.get(LoanBook, loan_book_id)
                if book is None:
                    raise NotFoundError(f"no loan book with id {loan_book_id}")
            run = Run(scenario_id=scenario_id, loan_book_id=loan_book_id,
                      status=RunStatus.QUEUED, seed=seed, n_paths=n_paths, chunk_size=chunk,
                      executor=str(executor.value if isinstance(executor, enum.Enum)
                                   else executor),
                      code_version=code_version or current_code_version(), label=label,
                      parameters=params, artifact_dir="", priority=int(priority), owner=owner,
                      max_running=max_running, spec=payload)
            session.add(run)
            session.flush()
            run.artifact_dir = f"{RUNS_DIR}/{run.id}-{token}"
            return run.id

    def mark_running(self, run_id: int) -> RunRecord:
        """queued -> running; records the start time and this process as the worker."""
        now = utcnow()
        self._transition(run_id, (RunStatus.QUEUED,), status=RunStatus.RUNNING, started_at=now,
                         heartbeat_at=now, worker=_worker())
        return self.get(run_id)

    def heartbeat(self, run_id: int, progress: tuple[int, int] | None = None) -> None:
        """Record that the running run is alive, and optionally its (chunks done, chunks)."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if progress is not None:
            values |= {"progress_done": int(progress[0]), "progress_total": int(progress[1])}
        self._transition(run_id, (RunStatus.RUNNING,), **values)

    def request_cancel(self, run_id: int) -> RunRecord:
        """Ask for a run to be cancelled: a queued run is cancelled at once; a running one is
        flagged and its worker stops it within seconds (then it is stored as cancelled). A
        finished run is left as it is (:class:`StoreError`)."""
        now = utcnow()
        with self._store.session() as session:
            session.execute(sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.QUEUED)
                            .values(status=RunStatus.CANCELLED, cancel_requested_at=now,
                                    finished_at=now, error="cancelled before it started"))
            session.execute(sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.RUNNING,
                                                 Run.cancel_requested_at.is_(None))
                            .values(cancel_requested_at=now))
        run = self.get(run_id)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            raise StoreError(f"run {run_id} is already {run.status.value}; nothing to cancel")
        return run

    def cancel_requested(self, run_id: int) -> bool:
        """Whether someone asked to cancel this run."""
        with self._store.session(read_only=True) as session:
            return session.scalar(sa.select(Run.cancel_requested_at).where(Run.id == run_id)) is not None

    def mark_cancelled(self, run_id: int, reason: str = "cancelled on request") -> RunRecord:
        """queued/running -> cancelled; the run's files are deleted."""
        run = self.get(run_id)
        self._transition(run_id, _ACTIVE, status=RunStatus.CANCELLED, error=reason,
                         finished_at=utcnow())
        remove_tree(self._store.data_dir / run.artifact_dir)
        return self.get(run_id)

    def fail(self, run_id: int, error: str) -> RunRecord:
        """queued/running -> failed with ``error``; the run's files are deleted."""
        run = self.get(run_id)
        self._transition(run_id, _ACTIVE, status=RunStatus.FAILED, error=str(error),
                         finished_at=utcnow())
        remove_tree(self._store.data_dir / run.artifact_dir)
        return self.get(run_id)

    def complete(self, run_id: int, tables: Mapping[str, pl.DataFrame],
                 arrays: Mapping[str, pl.DataFrame],
                 timings: Mapping[str, float] | None = None, *, n_paths: int | None = None) -> RunRecord:
        """Store a running run's results and mark it succeeded -- all or nothing.

        Parameters
        ----------
        run_id : int
            A run in status running.
        tables : mapping of str to polars.DataFrame
            Small summary tables (kept in the database as JSON rows), e.g. percentiles.
        arrays : mapping of str to polars.DataFrame
            Path-level results, shape (n_paths, n_columns), stored as
            ``<data_dir>/<artifact_dir>/<name>.parquet``.
        timings : mapping of str to float, optional
            Wall-clock seconds per stage.
        n_paths : int, optional
            Paths actually simulated, when it differs from the budget the run was created with
            (a run to a precision target stops early).

        Returns
        -------
        RunRecord
            The succeeded run.

        Raises
        ------
        StoreError
            The run is not running; or storing failed -- then no table, artifact row or file
            of the run remains and the run is marked failed with the reason (the original
            exception is re-raised).
        """
        return self._complete(run_id, tables, timings, lambda run_dir: {
            name: write_parquet_atomic(frame, run_dir / f"{check_name(name)}.parquet")
            for name, frame in arrays.items()}, n_paths)

    def complete_files(self, run_id: int, tables: Mapping[str, pl.DataFrame],
                       files: Mapping[str, Sequence[Path]],
                       timings: Mapping[str, float] | None = None, *, n_paths: int | None = None) -> RunRecord:
        """Like :meth:`complete`, but each path-level array is given as Parquet part files.

        For runs too large to hold their path-level tables in memory: the parts of each array
        (same schema, in chunk order) are streamed into ``<name>.parquet`` in the run's
        directory (temporary name, fsync, atomic rename) without loading them whole. The part
        files are left where they are (the caller deletes them). All or nothing, as
        :meth:`complete`.

        Parameters
        ----------
        run_id : int
        tables : mapping of str to polars.DataFrame
        files : mapping of str to sequence of Path
            Array name to its Parquet part files, in row order.
        timings : mapping of str to float, optional
        """
        return self._complete(run_id, tables, timings, lambda run_dir: {
            name: _write_parts_atomic(list(parts), run_dir / f"{check_name(name)}.parquet")
            for name, parts in files.items()}, n_paths)

    def _complete(self, run_id: int, tables: Mapping[str, pl.DataFrame],
                  timings: Mapping[str, float] | None, write_arrays, n_paths: int | None = None) -> RunRecord:
        """Shared body of :meth:`complete` and :meth:`complete_files`: ``write_arrays(run_dir)``
        writes the path-level files and returns their write records; then tables, artifact
        rows and the status flip go in one transaction, and any failure discards everything."""
        run = self.get(run_id)
        if run.status is not RunStatus.RUNNING:
            raise StoreError(f"run {run_id} is {run.status.value}; only a running run can be "
                             "completed")
        data_dir = self._store.data_dir
        run_dir = data_dir / run.artifact_dir
        try:
            encoded = {check_name(name, "table"): encode_frame(frame, name)
                       for name, frame in tables.items()}
            clean_timings = _clean_timings(timings)
            written = write_arrays(run_dir)
            faults.point("before-commit")
            with self._store.session() as session:
                _insert_table_rows(session, run_id, encoded)
                _insert_artifact_rows(session, run_id, data_dir, written)
                _flip_to_succeeded(session, run_id, clean_timings, n_paths)
        except BaseException as exc:
            self._discard_results(run_id, run_dir, exc)
            raise
        return self.get(run_id)

    def _discard_results(self, run_id: int, run_dir: Path, exc: BaseException) -> None:
        try:
            remove_tree(run_dir)
        except StoreError as cleanup:  # pragma: no cover - e.g. permissions
            exc.add_note(f"could not delete {run_dir}: {cleanup}")
        try:
            self._transition(run_id, _ACTIVE, status=RunStatus.FAILED,
                             error=describe_failure(exc), finished_at=utcnow())
        except Exception as marking:
            exc.add_note(f"could not mark run {run_id} failed: {marking}")

    def mark_stale_running_failed(self, older_than: dt.timedelta,
                                  now: dt.datetime | None = None) -> builtins.list[int]:
        """Fail running runs with no heartbeat for ``older_than`` (their process died).

        Parameters
        ----------
        older_than : datetime.timedelta
            Silence after which a running run counts as abandoned.
        now : datetime, optional
            Aware "now" (tests); defaults to the current UTC time.

        Returns
        -------
        list of int
            Ids of the runs marked failed (their files are deleted).
        """
        cutoff = (now or utcnow()) - older_than
        flipped: builtins.list[tuple[int, str]] = []
        with self._store.session() as session:
            for run in session.scalars(sa.select(Run).where(Run.status == RunStatus.RUNNING)):
                last = run.heartbeat_at or run.started_at or run.created_at
                if last >= cutoff:
                    continue
                message = (f"abandoned: no heartbeat since {last:%Y-%m-%d %H:%M:%S} UTC "
                           f"(worker {run.worker or 'unknown'} died or was killed)")
                result = session.execute(
                    sa.update(Run).where(Run.id == run.id, Run.status == RunStatus.RUNNING)
                    .values(status=RunStatus.FAILED, error=message, finished_at=utcnow()))
                if result.rowcount == 1:
                    flipped.append((run.id, run.artifact_dir))
        for _, artifact_dir in flipped:
            remove_tree(self._store.data_dir / artifact_dir)
        return [run_id for run_id, _ in flipped]

    def delete(self, run_id: int, *, force: bool = False) -> None:
        """Delete a run, its tables, artifacts, assessments and files.

        A running run is only deleted with ``force=True`` (its process would fail to store).
        """
        run = self.get(run_id)
        if run.status is RunStatus.RUNNING and not force:
            raise StoreError(f"run {run_id} is running; stop it first or delete with force")
        with self._store.session() as session:
            session.execute(sa.delete(Run).where(Run.id == run_id))
        remove_tree(self._store.data_dir / run.artifact_dir)

    def _transition(self, run_id: int, expected: tuple[RunStatus, ...], **values: Any) -> None:
        with self._store.session() as session:
            result = session.execute(
                sa.update(Run).where(Run.id == run_id, Run.status.in_(expected)).values(**values))
            if result.rowcount == 1:
                return
            status = session.scalar(sa.select(Run.status).where(Run.id == run_id))
        if status is None:
            raise NotFoundError(f"no run with id {run_id}")
        wanted = " or ".join(s.value for s in expected)
        raise StoreError(f"run {run_id} is {RunStatus(status).value}, not {wanted}")

    # ----------------------------------------------------------------- reading
    def get(self, run_id: int) -> RunRecord:
        """The run with this id; :class:`NotFoundError` if there is none."""
        with self._store.session(read_only=True) as session:
            found = session.execute(
                sa.select(Run, Scenario.name).join(Scenario, Run.scenario_id == Scenario.id)
                .where(Run.id == run_id)).first()
            if found is None:
                raise NotFoundError(f"no run with id {run_id}")
            return _record(*found)

    def tables(self, run_id: int) -> builtins.list[TableInfo]:
        """Summary tables stored for a run, by name."""
        self.get(run_id)
        with self._store.session(read_only=True) as session:
            rows = session.execute(sa.select(RunTable.name, RunTable.n_rows, RunTable.columns)
                                   .where(RunTable.run_id == run_id).order_by(RunTable.name))
            return [TableInfo(name, n, tuple(c["name"] for c in cols)) for name, n, cols in rows]

    def artifacts(self, run_id: int) -> builtins.list[ArtifactInfo]:
        """Parquet artifacts stored for a run, by name."""
        self.get(run_id)
        with self._store.session(read_only=True) as session:
            rows = session.scalars(sa.select(RunArtifact).where(RunArtifact.run_id == run_id)
                                   .order_by(RunArtifact.name))
            return [ArtifactInfo(a.name, a.relative_path, a.sha256, a.n_rows, a.n_bytes)
                    for a in rows]

    def load_table(self, run_id: int, name: str) -> pl.DataFrame:
        """A stored summary table with its original columns, order and dtypes."""
        with self._store.session(read_only=True) as session:
            row = session.scalar(sa.select(RunTable).where(RunTable.run_id == run_id,
                                                           RunTable.name == name))
            if row is not None:
                return decode_frame(row.columns, row.rows)
        available = ", ".join(t.name for t in self.tables(run_id)) or "none"
        raise NotFoundError(f"run {run_id} has no table {name!r} (tables: {available})")

    def artifact_path(self, run_id: int, name: str) -> Path:
        """Absolute path of a stored artifact's Parquet file (not verified)."""
        return self._artifact(run_id, name)[0]

    def load_array(self, run_id: int, name: str) -> pl.DataFrame:
        """A stored path-level array after verifying its SHA-256.

        Raises
        ------
        NotFoundError
            No such run or artifact.
        StoreError
            The file is missing or was altered since it was written.
        """
        path, sha = self._artifact(run_id, name)
        return read_verified(path, sha, f"artifact {name!r} of run {run_id}")

    def _artifact(self, run_id: int, name: str) -> tuple[Path, str]:
        with self._store.session(read_only=True) as session:
            row = session.scalar(sa.select(RunArtifact).where(RunArtifact.run_id == run_id,
                                                              RunArtifact.name == name))
            if row is not None:
                return self._store.data_dir / row.relative_path, row.sha256
        available = ", ".join(a.name for a in self.artifacts(run_id)) or "none"
        raise NotFoundError(f"run {run_id} has no artifact {name!r} (artifacts: {available})")

    def list(self, limit: int | None = 50, status: RunStatus | str | None = None,
             scenario_id: int | None = None) -> builtins.list[RunRecord]:
        """Runs, newest first.

        Parameters
        ----------
        limit : int or None
            At most this many (``None``: all).
        status : RunStatus or str, optional
            Only runs in this status.
        scenario_id : int, optional
            Only runs of this scenario.
        """
        query = (sa.select(Run, Scenario.name).join(Scenario, Run.scenario_id == Scenario.id)
                 .order_by(Run.id.desc()))
        if status is not None:
            query = query.where(Run.status == RunStatus(status))
        if scenario_id is not None:
            query = query.where(Run.scenario_id == scenario_id)
        if limit is not None:
            query = query.limit(limit)
        with self._store.session(read_only=True) as session:
            return [_record(run, name) for run, name in session.execute(query)]
