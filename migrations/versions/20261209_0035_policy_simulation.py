"""Policy simulator: saved simulations, and the line rule's two features kept with each batch score.

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0035'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('entity_score') as batch_op:
        batch_op.add_column(sa.Column('tax_paid_12m', sa.Float(precision=53), nullable=True))
        batch_op.add_column(sa.Column('insured_headcount', sa.Integer(), nullable=True))
    op.create_table('policy_simulation',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('product_id', BIG, nullable=False),
    sa.Column('scoring_run_id', BIG, nullable=False),
    sa.Column('model_version_id', BIG, nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('entities', sa.Integer(), nullable=False),
    sa.Column('current_policy', sa.JSON(), nullable=False),
    sa.Column('proposed_policy', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('created_by_user_id', BIG, nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'],
                            name=op.f('fk_policy_simulation_created_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_policy_simulation_product_id_product')),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'],
                            name=op.f('fk_policy_simulation_scoring_run_id_scoring_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_simulation'))
    )
    with op.batch_alter_table('policy_simulation') as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_simulation_product_id'), ['product_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('policy_simulation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_simulation_product_id'))
    op.drop_table('policy_simulation')
    with op.batch_alter_table('entity_score') as batch_op:
        batch_op.drop_column('insured_headcount')
        batch_op.drop_column('tax_paid_12m')
