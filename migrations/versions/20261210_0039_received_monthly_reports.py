"""The monthly reports received from the nodes below over the network (`received_monthly_report`, topic
`reporting.monthly_report`): one row per node and month, its figures snapshot and checksum.

Revision ID: 0039
Revises: 0036
Create Date: 2026-12-10 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0039'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'received_monthly_report',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('node_code', sa.String(length=6), nullable=False),
        sa.Column('node_name', sa.String(length=100), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('figures_sha256', sa.String(length=64), nullable=False),
        sa.Column('generated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('revisions', sa.Integer(), nullable=False),
        sa.Column('received_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_received_monthly_report')),
        sa.UniqueConstraint('node_code', 'month', name=op.f('uq_received_monthly_report_node_code_month')),
    )
    with op.batch_alter_table('received_monthly_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_monthly_report_month'), ['month'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('received_monthly_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_received_monthly_report_month'))
    op.drop_table('received_monthly_report')
