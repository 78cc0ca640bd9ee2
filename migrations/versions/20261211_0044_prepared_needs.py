"""A clerk's prepared financing need (一次需求，多家银行, 待管理员确认): a prepared application (`financing_order_draft`)
names the products of the need it stands for, and, once the administrator confirms it, the need it sent.

Revision ID: 0044
Revises: 0039
Create Date: 2026-12-11 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0044'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('financing_order_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_product_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_financing_order_draft_need_id_financing_need'), 'financing_need',
                                    ['need_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('financing_order_draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_financing_order_draft_need_id_financing_need'), type_='foreignkey')
        batch_op.drop_column('need_id')
        batch_op.drop_column('need_product_ids')
