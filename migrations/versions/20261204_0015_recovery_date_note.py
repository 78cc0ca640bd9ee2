"""A recovery (追偿) keeps the date the money came in and the guarantor's note.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recovery') as batch_op:
        batch_op.add_column(sa.Column('recovered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('recovery') as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('recovered_on')
