"""SQLAlchemy 2.x declarative tables of the fundsvc store.

Money is stored as double precision in CNY; times as aware UTC datetimes. Path-level arrays
are not stored here but as Parquet files under the data directory (see
:mod:`fundsvc.store.artifacts`); :class:`RunArtifact` records where they are and their SHA-256.

Any change here needs an Alembic revision in ``migrations/versions`` (the test suite checks
that the models and the migrations agree on every backend).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fundsvc.store.types import DecimalInteger, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHA256_LEN = 64
NAME_LEN = 200
PATH_LEN = 1024


class RunStatus(str, enum.Enum):
    """Life cycle of a run: queued -> running -> succeeded | failed | cancelled (a queued run
    may also go straight to failed or cancelled)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so constraint names match on every backend."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _money(comment: str, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(sa.Double(), nullable=nullable, comment=comment)


class Scenario(Base):
    """A scenario file's text, stored once per distinct content."""

    __tablename__ = "scenarios"
    __table_args__ = ({"comment": "Scenario texts (TOML), one row per distinct content"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    source_path: Mapped[str | None] = mapped_column(
        sa.String(PATH_LEN), comment="file the scenario was read from, as the user named it")
    content: Mapped[str] = mapped_column(sa.Text(), comment="scenario text exactly as read")
    content_sha256: Mapped[str] = mapped_column(
        sa.String(SHA256_LEN), unique=True, comment="hex SHA-256 of the UTF-8 content")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoanBook(Base):
    """A loan book attached to a scenario; the loans themselves live in a Parquet file."""

    __tablename__ = "loan_books"
    __table_args__ = (
        sa.UniqueConstraint("scenario_id", "content_sha256"),
        {"comment": "Loan books; rows stored as Parquet under the data directory"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    source_path: Mapped[str | None] = mapped_column(sa.String(PATH_LEN))
    content_sha256: Mapped[str] = mapped_column(
        sa.String(SHA256_LEN), comment="hex SHA-256 identifying the input (source file or Parquet)")
    n_loans: Mapped[int] = mapped_column(sa.Integer())
    total_amount_cny: Mapped[float] = _money("sum of loan amounts, CNY")
    parquet_path: Mapped[str] = mapped_column(
        sa.String(PATH_LEN), comment="Parquet file, relative to the data directory")
    file_sha256: Mapped[str] = mapped_column(
        sa.String(SHA256_LEN), comment="hex SHA-256 of the stored Parquet file")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Run(Base):
    """One Monte Carlo run and its life cycle."""

    __tablename__ = "runs"
    __table_args__ = ({"comment": "Simulation runs"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="RESTRICT"), index=True)
    loan_book_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loan_books.id", ondelete="RESTRICT"))
    status: Mapped[RunStatus] = mapped_column(
        sa.Enum(RunStatus, name="run_status", native_enum=False, create_constraint=True,
                length=16, values_callable=lambda e: [m.value for m in e],
                validate_strings=True),
        index=True)
    seed: Mapped[int] = mapped_column(
        DecimalInteger(), comment="root seed of the SeedSequence, decimal (may exceed 2**63)")
    n_paths: Mapped[int] = mapped_column(sa.BigInteger())
    chunk_size: Mapped[int] = mapped_column(sa.Integer(), comment="paths per chunk")
    executor: Mapped[str] = mapped_column(sa.String(32))
    code_version: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    label: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    parameters: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(), comment="further run options (horizon, flags ...)")
    artifact_dir: Mapped[str] = mapped_column(
        sa.String(PATH_LEN), comment="directory of the Parquet artifacts, relative to data dir")
    worker: Mapped[str | None] = mapped_column(
        sa.String(NAME_LEN), comment="host:pid of the process that ran it")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    timings: Mapped[dict[str, float] | None] = mapped_column(
        sa.JSON(), comment="stage -> wall-clock seconds")
    error: Mapped[str | None] = mapped_column(sa.Text())
    # --- the run queue (migration 0003_run_queue; see fundsvc.queue)
    priority: Mapped[int] = mapped_column(
        sa.Integer(), default=0, server_default="0",
        comment="queue order: higher first, then oldest first")
    owner: Mapped[str | None] = mapped_column(
        sa.String(NAME_LEN), comment="who submitted the run (quota key); null = local user")
    max_running: Mapped[int | None] = mapped_column(
        sa.Integer(), comment="owner's quota of concurrently running runs when submitted")
    spec: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(), comment="queued run's payload: validated scenario (JSON) and run options")
    cancel_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    progress_done: Mapped[int | None] = mapped_column(sa.Integer(), comment="chunks done")
    progress_total: Mapped[int | None] = mapped_column(sa.Integer(), comment="chunks in all")


class RunTable(Base):
    """A summary table of a run, as JSON rows with the column dtypes."""

    __tablename__ = "run_tables"
    __table_args__ = (sa.UniqueConstraint("run_id", "name"),
                      {"comment": "Summary tables of runs (small; JSON rows)"})

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    columns: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON(), comment="ordered list of {name, dtype}")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON(), comment="list of {column: value}")
    n_rows: Mapped[int] = mapped_column(sa.Integer())


class RunArtifact(Base):
    """A Parquet file of path-level arrays produced by a run."""

    __tablename__ = "run_artifacts"
    __table_args__ = (sa.UniqueConstraint("run_id", "name"),
                      {"comment": "Parquet files of path-level arrays"})

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    relative_path: Mapped[str] = mapped_column(
        sa.String(PATH_LEN), comment="relative to the data directory")
    sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN))
    n_rows: Mapped[int] = mapped_column(sa.BigInteger())
    n_bytes: Mapped[int] = mapped_column(sa.BigInteger())


class ActualsImport(Base):
    """One import of realised cash flows (an actuals CSV)."""

    __tablename__ = "actuals_imports"
    __table_args__ = ({"comment": "Imports of realised (actual) cash flows"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="SET NULL"), index=True)
    source_path: Mapped[str | None] = mapped_column(sa.String(PATH_LEN))
    content_sha256: Mapped[str] = mapped_column(sa.String(SHA256_LEN), index=True)
    n_rows: Mapped[int] = mapped_column(sa.Integer())
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActualCashFlow(Base):
    """Realised cash flows of one sub-fund in one period."""

    __tablename__ = "actual_cash_flows"
    __table_args__ = (sa.UniqueConstraint("import_id", "sub_fund_id", "period_end"),
                      {"comment": "Realised cash flows per sub-fund and period, CNY"})

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("actuals_imports.id", ondelete="CASCADE"))
    sub_fund_id: Mapped[str] = mapped_column(sa.String(NAME_LEN))
    period_end: Mapped[dt.date] = mapped_column(sa.Date())
    calls_cny: Mapped[float] = _money("capital called in the period, CNY (>= 0)")
    distributions_cny: Mapped[float] = _money("distributions paid in the period, CNY (>= 0)")
    nav_cny: Mapped[float | None] = _money("net asset value at period end, CNY", nullable=True)


class Assessment(Base):
    """A whole-fund assessment computed from a run (content defined by fundsvc.assessment)."""

    __tablename__ = "assessments"
    __table_args__ = ({"comment": "Whole-fund assessments of runs"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON())


class StressResult(Base):
    """Stress or reverse-stress results computed on a run's scenario and seed (content defined by
    fundsvc.stress: the rows of the comparison against the run, or the reverse-stress result), and
    sensitivity analyses whose base is the run (kind ``sensitivity``,
    fundsvc.validation.sensitivity.Sensitivity.to_document)."""

    __tablename__ = "stress_results"
    __table_args__ = ({"comment": "Stress and reverse-stress results of runs"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON())


class RunFacts(Base):
    """What makes a run self-describing: the resolved scenario and the facts the assessment needs."""

    __tablename__ = "run_facts"
    __table_args__ = ({"comment": "Resolved scenario, input hashes and compiled facts of each run"},)

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    scenario_sha256: Mapped[str] = mapped_column(
        sa.String(SHA256_LEN), index=True, comment="hex SHA-256 of the resolved scenario JSON")
    scenario_json_zlib: Mapped[bytes] = mapped_column(
        sa.LargeBinary(), comment="resolved scenario (every referenced table inlined) as zlib-compressed JSON")
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON(), comment="every file read: {name (relative to the scenario), sha256}")
    facts: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON(), comment="compiled facts of the assessment (grids, sub-funds, pools, cost per step)")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


ALL_TABLES: tuple[type[Base], ...] = (
    Scenario, LoanBook, Run, RunTable, RunArtifact, ActualsImport, ActualCashFlow, Assessment, RunFacts,
    StressResult)
