"""Separation of duties on orders (the officer's proposal, a manager's approval, a committee of two above a product's
threshold) and the product's one-live-line-per-firm rule.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('financing_order') as batch_op:
        batch_op.add_column(sa.Column('proposed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('proposed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('proposed_line_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('proposed_rate', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('proposed_term_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposed_repayment_method', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('proposal_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('first_approved_by_user_id',
                                      sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_financing_order_proposed_by_user_id_user_account'), 'user_account',
                                    ['proposed_by_user_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_financing_order_first_approved_by_user_id_user_account'),
                                    'user_account', ['first_approved_by_user_id'], ['id'])
    with op.batch_alter_table('product') as batch_op:
        batch_op.add_column(sa.Column('committee_threshold_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('one_live_line_per_firm', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('product') as batch_op:
        batch_op.drop_column('one_live_line_per_firm')
        batch_op.drop_column('committee_threshold_fen')
    with op.batch_alter_table('financing_order') as batch_op:
        batch_op.drop_constraint(op.f('fk_financing_order_first_approved_by_user_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_financing_order_proposed_by_user_id_user_account'), type_='foreignkey')
        for column in ('return_reason', 'first_approved_by_user_id', 'proposal_note', 'proposed_repayment_method',
                       'proposed_term_months', 'proposed_rate', 'proposed_line_fen', 'proposed_at',
                       'proposed_by_user_id'):
            batch_op.drop_column(column)
