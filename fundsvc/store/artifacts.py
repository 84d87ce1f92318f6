"""Parquet files under the data directory: atomic writes, SHA-256 checksums, verified reads.

A file is written to a hidden temporary name in its final directory, flushed to disk, hashed,
then renamed over the final name (``os.replace`` is atomic on one file system). A reader
therefore sees either no file or a complete one; the database records the checksum and
:func:`read_verified` refuses a file that is missing or differs from it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fundsvc import faults
from fundsvc.errors import StoreError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_CHUNK = 1 << 20
TMP_MARKER = ".tmp-"


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """A Parquet file in its final place.

    Attributes
    ----------
    path : Path
        Absolute path.
    sha256 : str
        Hex SHA-256 of the file's bytes.
    n_rows : int
        Rows of the DataFrame written.
    n_bytes : int
        File size in bytes.
    """

    path: Path
    sha256: str
    n_rows: int
    n_bytes: int


def check_name(name: str, what: str = "artifact") -> str:
    """Return ``name`` if it is safe as a file name (letters, digits, ``_.-``; max 100)."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise StoreError(f"invalid {what} name {name!r}: use letters, digits, '_', '.', '-' "
                         "(at most 100, starting with a letter or digit)")
    return name


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> WrittenFile:
    """Write ``frame`` to ``path`` atomically and return its checksum.

    Parameters
    ----------
    frame : polars.DataFrame
        Any shape, e.g. (n_paths, n_columns) path-level results.
    path : Path
        Final location; its directory is created if needed. An existing file is replaced.

    Returns
    -------
    WrittenFile

    Raises
    ------
    StoreError
        The file cannot be written (disk full, permissions ...). No temporary file is left.
    """
    if not isinstance(frame, pl.DataFrame):
        raise StoreError(f"{path.name}: expected a polars DataFrame, got {type(frame).__name__}")
    tmp = path.with_name(f".{path.name}{TMP_MARKER}{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        faults.point("tmp-written")
        sha = sha256_file(tmp)
        n_bytes = tmp.stat().st_size
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    except pl.exceptions.PolarsError as exc:  # polars reports a full disk as a ComputeError
        raise StoreError(f"cannot write {path}: {str(exc).strip().splitlines()[0]}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return WrittenFile(path=path, sha256=sha, n_rows=frame.height, n_bytes=n_bytes)


def read_verified(path: Path, sha256: str, what: str) -> pl.DataFrame:
    """Read a Parquet file after checking it against its recorded checksum.

    Parameters
    ----------
    path : Path
        File to read.
    sha256 : str
        Checksum recorded when the file was written.
    what : str
        Description for messages, e.g. ``"artifact 'irr' of run 12"``.

    Raises
    ------
    StoreError
        The file is missing, unreadable, or its content changed since it was written.
    """
    if not path.is_file():
        raise StoreError(f"{what}: file {path} is missing (deleted or data directory moved?)")
    try:
        actual = sha256_file(path)
    except OSError as exc:
        raise StoreError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    if actual != sha256:
        raise StoreError(f"{what}: file {path} was altered or corrupted (SHA-256 {actual[:12]}... "
                         f"does not match the recorded {sha256[:12]}...)")
    return pl.read_parquet(path)


def remove_tree(directory: Path) -> None:
    """Delete a directory and everything in it; no error if it does not exist."""
    shutil.rmtree(directory, ignore_errors=True)
    if directory.exists():  # pragma: no cover - e.g. permissions
        raise StoreError(f"cannot remove {directory}")


@contextmanager
def content_addressed_parquet(frame: pl.DataFrame, data_dir: Path, folder: str,
                              is_referenced: Callable[[str], bool]) -> Iterator[tuple[str, WrittenFile]]:
    """Write ``frame`` to ``<data_dir>/<folder>/<sha256>.parquet`` and yield ``(relative path, file)``
    for the caller to record in the database inside the ``with`` block.

    The file is written atomically under a temporary name, then moved to its content address (the
    same rows stored twice share one file). If the block raises, the temporary file is removed, and
    so is the final file when this call created it and ``is_referenced(relative)`` says no row
    points at it (it should answer True when it cannot tell).
    """
    tmp_path = data_dir / folder / f".incoming-{uuid.uuid4().hex}.parquet"
    written = write_parquet_atomic(frame, tmp_path)
    relative = f"{folder}/{written.sha256}.parquet"
    final = data_dir / relative
    created_file = not final.exists()
    try:
        tmp_path.replace(final)
        yield relative, written
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        if created_file and not is_referenced(relative):
            final.unlink(missing_ok=True)
        raise
