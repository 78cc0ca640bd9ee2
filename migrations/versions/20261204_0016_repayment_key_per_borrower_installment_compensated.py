"""A repayment's idempotency key is the borrower's, bound to one drawdown; installments record compensation (代偿).

The key was unique per drawdown, so the same key sent on another drawdown made a second repayment. It is now unique
per enterprise. Keys already reused across drawdowns before this change are kept apart by suffixing the later
ones with their row id (the repayments themselves are financial facts and stay as they are).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('installment') as batch_op:
        batch_op.add_column(sa.Column('compensated', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('repayment') as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
    op.execute("UPDATE repayment SET enterprise_id = "
               "(SELECT drawdown.enterprise_id FROM drawdown WHERE drawdown.id = repayment.drawdown_id)")
    op.execute("UPDATE repayment SET idempotency_key = substr(idempotency_key, 1, 80) || '#' || CAST(id AS TEXT) "
               "WHERE EXISTS (SELECT 1 FROM repayment AS earlier WHERE earlier.enterprise_id = repayment.enterprise_id "
               "AND earlier.idempotency_key = repayment.idempotency_key AND earlier.id < repayment.id)")
    with op.batch_alter_table('repayment') as batch_op:
        batch_op.alter_column('enterprise_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False)
        batch_op.drop_constraint('uq_repayment_drawdown_id_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_repayment_enterprise_id_idempotency_key',
                                          ['enterprise_id', 'idempotency_key'])
        batch_op.create_foreign_key('fk_repayment_enterprise_id_enterprise', 'enterprise', ['enterprise_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('repayment') as batch_op:
        batch_op.drop_constraint('fk_repayment_enterprise_id_enterprise', type_='foreignkey')
        batch_op.drop_constraint('uq_repayment_enterprise_id_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_repayment_drawdown_id_idempotency_key',
                                          ['drawdown_id', 'idempotency_key'])
        batch_op.drop_column('enterprise_id')
    with op.batch_alter_table('installment') as batch_op:
        batch_op.drop_column('compensated')
