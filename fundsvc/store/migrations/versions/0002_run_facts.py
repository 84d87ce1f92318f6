"""Self-describing runs: the run_facts table (resolved scenario, input hashes, compiled facts).

Revision ID: 0002_run_facts
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_run_facts"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_facts",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("scenario_sha256", sa.String(length=64), nullable=False,
                  comment="hex SHA-256 of the resolved scenario JSON"),
        sa.Column("scenario_json_zlib", sa.LargeBinary(), nullable=False,
                  comment="resolved scenario (every referenced table inlined) as zlib-compressed JSON"),
        sa.Column("inputs", sa.JSON(), nullable=False,
                  comment="every file read: {name (relative to the scenario), sha256}"),
        sa.Column("facts", sa.JSON(), nullable=False,
                  comment="compiled facts of the assessment (grids, sub-funds, pools, cost per step)"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_facts_run_id_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_facts")),
        comment="Resolved scenario, input hashes and compiled facts of each run",
    )
    op.create_index(op.f("ix_run_facts_scenario_sha256"), "run_facts", ["scenario_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_run_facts_scenario_sha256"), table_name="run_facts")
    op.drop_table("run_facts")
