"""A model version keeps its challenger's ONNX graph: a version whose development chose the challenger or the blend
decides with it (`scorecard_spec.decides_with`).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-12 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0045'
down_revision: str | None = '0044'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('challenger_onnx', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.drop_column('challenger_onnx')
