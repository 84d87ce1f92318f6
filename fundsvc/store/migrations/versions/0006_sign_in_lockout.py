"""Sign-in lock-out: failed sign-ins counted per user, and a lock-out time (issue 14).

Revision ID: 0006_sign_in_lockout
Revises: 0005_stress_results
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_sign_in_lockout'
down_revision: str | None = '0005_stress_results'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0',
                                   comment='wrong passwords since the last sign-in or lock-out'))
        batch.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True,
                                   comment='sign-in refused until then (UTC)'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('locked_until')
        batch.drop_column('failed_sign_ins')
