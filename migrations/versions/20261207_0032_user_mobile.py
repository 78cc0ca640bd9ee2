"""A user's own mobile number, where the platform texts them: `user_account.mobile_cipher` (encrypted) and
`mobile_masked`.

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0032'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile_cipher', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('mobile_masked', sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('mobile_masked')
        batch_op.drop_column('mobile_cipher')
