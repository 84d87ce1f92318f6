"""Loan tapes uploaded through the API, with their owner (issue 14).

Revision ID: 0007_loan_tapes
Revises: 0006_sign_in_lockout

Written by hand from ``fundsvc.store.auth_tables.LoanTape`` with plain SQLAlchemy types
(``UTCDateTime`` -> ``DateTime(timezone=True)``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_loan_tapes'
down_revision: str | None = '0006_sign_in_lockout'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'loan_tapes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True, comment='who uploaded it'),
        sa.Column('role', sa.String(length=32), nullable=False, comment='role of the uploader'),
        sa.Column('tenant', sa.String(length=200), nullable=True,
                  comment='bank whose loans these are (None: bureau, several banks)'),
        sa.Column('name', sa.String(length=200), nullable=False, comment='uploaded file name'),
        sa.Column('content_sha256', sa.String(length=64), nullable=False, comment='hex SHA-256 of the uploaded bytes'),
        sa.Column('n_loans', sa.Integer(), nullable=False),
        sa.Column('total_amount_cny', sa.Double(), nullable=False, comment='sum of loan amounts, CNY'),
        sa.Column('parquet_path', sa.String(length=1024), nullable=False,
                  comment='Parquet file, relative to the data directory'),
        sa.Column('file_sha256', sa.String(length=64), nullable=False, comment='hex SHA-256 of the stored Parquet file'),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loan_tapes_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_tapes')),
        comment='Uploaded loan tapes and their owners; rows stored as Parquet',
    )
    op.create_index(op.f('ix_loan_tapes_tenant'), 'loan_tapes', ['tenant'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_loan_tapes_tenant'), table_name='loan_tapes')
    op.drop_table('loan_tapes')
