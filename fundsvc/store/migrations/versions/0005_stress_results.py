"""Stress results: stress and reverse-stress results stored with a run (issue 11).

Revision ID: 0005_stress_results
Revises: 0004_auth
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_stress_results'
down_revision: str | None = '0004_auth'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stress_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_stress_results_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stress_results')),
    comment='Stress and reverse-stress results of runs'
    )
    op.create_index(op.f('ix_stress_results_run_id'), 'stress_results', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stress_results_run_id'), table_name='stress_results')
    op.drop_table('stress_results')
