"""Runtime settings of fundsvc, read from ``FUNDSVC_*`` environment variables.

Nothing is created at import time: call :func:`get_settings` where settings are needed
(a CLI command, an app factory, a test fixture) and pass the object down.

Environment variables
---------------------
``FUNDSVC_DATA_DIR``
    Directory for the SQLite database and the Parquet files (default ``.fundsvc`` in the
    current directory; made absolute when the settings are built).
``FUNDSVC_DATABASE_URL``
    SQLAlchemy URL. Unset means ``sqlite:///<data_dir>/fundsvc.sqlite``. ``postgresql://`` and
    ``postgres://`` are read as ``postgresql+psycopg://`` (the installed driver).
``FUNDSVC_DASK_ADDRESS``
    Address of a Dask scheduler (``tcp://host:8786``); unset means no cluster.
``FUNDSVC_CHUNK_SIZE``
    Monte Carlo paths per chunk (default 10 000).
``FUNDSVC_LOG_LEVEL``
    ``DEBUG``, ``INFO`` (default), ``WARNING`` or ``ERROR``.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fundsvc.errors import InputError, Problem

ENV_PREFIX = "FUNDSVC_"
DEFAULT_DATA_DIR = Path(".fundsvc")
SQLITE_FILENAME = "fundsvc.sqlite"

_POSTGRES_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}
# user:password@ in the authority part of a URL; used when SQLAlchemy cannot parse the URL.
# Greedy up to the last "@" so a password holding "/" or "@" is still masked (over-masking a
# query that holds "@" is acceptable; leaking a password is not).
_USERINFO_PASSWORD = re.compile(r"(?P<prefix>://[^:/@?#\s]*):(?P<password>\S*)@")
_QUERY_PASSWORD = re.compile(r"(?P<key>[?&](?:password|pass|pwd)=)(?P<password>[^&#]*)", re.IGNORECASE)


class LogLevel(str, enum.Enum):
    """Logging threshold."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Settings(BaseSettings):
    """Settings of one fundsvc process.

    Build with :func:`get_settings`; fields can be overridden by keyword arguments, which
    take precedence over the environment.

    Attributes
    ----------
    data_dir : Path
        Absolute directory holding the default SQLite database and the Parquet artifacts.
    database_url : str or None
        SQLAlchemy URL; ``None`` means the SQLite file in ``data_dir``.
    dask_address : str or None
        Dask scheduler address, ``None`` for local execution.
    chunk_size : int
        Monte Carlo paths per chunk (positive).
    log_level : LogLevel
        Logging threshold.
    db_retry_seconds : float
        How long a lost database connection is retried (exponential back-off from 0.25 s)
        before the operation fails with a clean error; 0 = no retry.
    workers : int
        Run-queue worker processes of ``fundsvc worker`` / the worker embedded in ``serve``.
    heartbeat_seconds : float
        How often a running run's worker records that it is alive.
    stale_after_seconds : float
        A running run whose heartbeat is older than this (and whose worker cannot be checked
        locally) is treated as abandoned and marked failed.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    data_dir: Path = Field(default=DEFAULT_DATA_DIR)
    database_url: str | None = None
    dask_address: str | None = None
    chunk_size: int = Field(default=10_000, gt=0)
    log_level: LogLevel = LogLevel.INFO
    db_retry_seconds: float = Field(default=8.0, ge=0, le=600)
    workers: int = Field(default=2, ge=1, le=64)
    heartbeat_seconds: float = Field(default=2.0, gt=0, le=600)
    stale_after_seconds: float = Field(default=120.0, gt=0)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("database_url", "dask_address", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def sqlite_path(self) -> Path:
        """Path of the default SQLite database file (used when ``database_url`` is unset)."""
        return self.data_dir / SQLITE_FILENAME

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL to connect to.

        Returns
        -------
        str
            ``database_url`` with a bare PostgreSQL scheme mapped to ``postgresql+psycopg``,
            or ``sqlite:///<data_dir>/fundsvc.sqlite`` when no URL is set.
        """
        if self.database_url is None:
            return f"sqlite:///{self.sqlite_path.as_posix()}"
        return normalise_database_url(self.database_url)

    def redacted_url(self) -> str:
        """The resolved database URL with any password replaced by ``***`` (safe to print)."""
        return redact_url(self.resolved_database_url())


def normalise_database_url(url: str) -> str:
    """Map ``postgres://`` and ``postgresql://`` to the installed psycopg (v3) driver."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in _POSTGRES_SCHEMES:
        return f"{_POSTGRES_SCHEMES[scheme.lower()]}://{rest}"
    return url


def redact_url(url: str) -> str:
    """Return ``url`` with its password (in the user part or the query string) masked.

    Works on URLs SQLAlchemy cannot parse too, so it is safe to use in error messages.
    """
    masked = _USERINFO_PASSWORD.sub(lambda m: f"{m['prefix']}:***@", url)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['key']}***", masked)


def url_password(url: str) -> str | None:
    """The password in ``url`` (user part or query), or ``None``; used to scrub driver messages."""
    for pattern in (_USERINFO_PASSWORD, _QUERY_PASSWORD):
        match = pattern.search(url)
        if match and match["password"]:
            return match["password"]
    return None


def get_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, with keyword overrides.

    Parameters
    ----------
    **overrides
        Field values that win over the environment (``data_dir=...``,
        ``database_url=...``). ``None`` values are ignored, so CLI options that were not given
        can be passed straight through.

    Returns
    -------
    Settings

    Raises
    ------
    TypeError
        An override names no settings field (a programming error).
    InputError
        An environment variable or override has an invalid value.
    """
    unknown = sorted(set(overrides) - set(Settings.model_fields))
    if unknown:
        raise TypeError(f"unknown settings field(s): {', '.join(unknown)}")
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            source = "<argument>" if field in given else "environment"
            location = field if field in given else f"{ENV_PREFIX}{field.upper()}"
            problems.append(Problem(source, location, err["msg"]))
        raise InputError(problems) from None
