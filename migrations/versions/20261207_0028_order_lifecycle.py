"""The order's whole life: products that allow renewal (可续贷) and deferral (可延期还本).

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_renewal', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('allows_deferral', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('allows_deferral')
        batch_op.drop_column('allows_renewal')
