"""The run queue: a cancelled status, priorities, owner quotas, the queued payload, progress.

Revision ID: 0003_run_queue
Revises: 0002_run_facts
Create Date: 2026-11-30

Plain SQLAlchemy types only (``UTCDateTime`` -> ``DateTime(timezone=True)``), so the migration
never imports application code. The status CHECK constraint is rebuilt to allow
``cancelled`` (SQLite rebuilds the table in batch mode; PostgreSQL alters it in place).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_run_queue'
down_revision: str | None = '0002_run_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ('queued', 'running', 'succeeded', 'failed')
_NEW = (*_OLD, 'cancelled')


def _status_check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_constraint(op.f('ck_runs_run_status'), type_='check')
        batch.create_check_constraint('run_status', _status_check(_NEW))
        batch.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False,
                                   comment='queue order: higher first, then oldest first'))
        batch.add_column(sa.Column('owner', sa.String(length=200), nullable=True,
                                   comment='who submitted the run (quota key); null = local user'))
        batch.add_column(sa.Column('max_running', sa.Integer(), nullable=True,
                                   comment="owner's quota of concurrently running runs when submitted"))
        batch.add_column(sa.Column('spec', sa.JSON(), nullable=True,
                                   comment="queued run's payload: validated scenario (JSON) and run options"))
        batch.add_column(sa.Column('cancel_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('progress_done', sa.Integer(), nullable=True, comment='chunks done'))
        batch.add_column(sa.Column('progress_total', sa.Integer(), nullable=True, comment='chunks in all'))


def downgrade() -> None:
    op.execute("UPDATE runs SET status = 'failed', error = 'cancelled' WHERE status = 'cancelled'")
    with op.batch_alter_table('runs') as batch:
        for name in ('progress_total', 'progress_done', 'cancel_requested_at', 'spec',
                     'max_running', 'owner', 'priority'):
            batch.drop_column(name)
        batch.drop_constraint(op.f('ck_runs_run_status'), type_='check')
        batch.create_check_constraint('run_status', _status_check(_OLD))
