"""The order's whole life: products that allow renewal (可续贷) and deferral (可延期还本); one need sent to several
banks (financing_need, offers); order kinds (renewal, deferral) with their line or drawdown; the firm's withdrawal
reason; supervisors' prompts (order_prompt) and timeline entry kinds; renewal and deferral records in loans.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATE = sa.Numeric(9, 6)


def upgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_renewal', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('allows_deferral', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'financing_need',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('need_no', sa.String(length=24), nullable=False),
        sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('applicant_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('term_months', sa.Integer(), nullable=False),
        sa.Column('repayment_method', sa.String(length=30), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_order_id', sa.BigInteger(), nullable=True),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['applicant_user_id'], ['user_account.id'],
                                name=op.f('fk_financing_need_applicant_user_id_user_account')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                                name=op.f('fk_financing_need_enterprise_id_enterprise')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_need')),
        sa.UniqueConstraint('need_no', name=op.f('uq_financing_need_need_no')),
    )
    op.create_index(op.f('ix_financing_need_enterprise_id'), 'financing_need', ['enterprise_id'], unique=False)
    with op.batch_alter_table('financing_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('credit_line_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('drawdown_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('deferral_maturity_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('request_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_financing_order_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_order_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_order_credit_line_id'), ['credit_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_order_drawdown_id'), ['drawdown_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_financing_order_need_id_financing_need'), 'financing_need',
                                    ['need_id'], ['id'])
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='status', nullable=False))
    op.create_table(
        'order_prompt',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('bank_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('prompted_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('prompted_by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('prompted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['financing_order.id'],
                                name=op.f('fk_order_prompt_order_id_financing_order')),
        sa.ForeignKeyConstraint(['bank_organisation_id'], ['organisation.id'],
                                name=op.f('fk_order_prompt_bank_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['prompted_by_user_id'], ['user_account.id'],
                                name=op.f('fk_order_prompt_prompted_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['prompted_by_organisation_id'], ['organisation.id'],
                                name=op.f('fk_order_prompt_prompted_by_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['answered_by_user_id'], ['user_account.id'],
                                name=op.f('fk_order_prompt_answered_by_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_prompt')),
    )
    op.create_index(op.f('ix_order_prompt_order_id'), 'order_prompt', ['order_id'], unique=False)
    op.create_index(op.f('ix_order_prompt_bank_organisation_id'), 'order_prompt', ['bank_organisation_id'],
                    unique=False)
    op.create_table(
        'credit_line_renewal',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('credit_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('previous_valid_until', sa.Date(), nullable=False),
        sa.Column('new_valid_until', sa.Date(), nullable=False),
        sa.Column('previous_limit_fen', sa.BigInteger(), nullable=False),
        sa.Column('new_limit_fen', sa.BigInteger(), nullable=False),
        sa.Column('previous_rate', RATE, nullable=False),
        sa.Column('new_rate', RATE, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['credit_line_id'], ['credit_line.id'],
                                name=op.f('fk_credit_line_renewal_credit_line_id_credit_line')),
        sa.ForeignKeyConstraint(['order_id'], ['financing_order.id'],
                                name=op.f('fk_credit_line_renewal_order_id_financing_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_line_renewal')),
        sa.UniqueConstraint('order_id', name=op.f('uq_credit_line_renewal_order_id')),
    )
    op.create_index(op.f('ix_credit_line_renewal_credit_line_id'), 'credit_line_renewal', ['credit_line_id'],
                    unique=False)
    op.create_table(
        'drawdown_deferral',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('drawdown_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('previous_maturity_date', sa.Date(), nullable=False),
        sa.Column('new_maturity_date', sa.Date(), nullable=False),
        sa.Column('principal_fen', sa.BigInteger(), nullable=False),
        sa.Column('first_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['drawdown_id'], ['drawdown.id'],
                                name=op.f('fk_drawdown_deferral_drawdown_id_drawdown')),
        sa.ForeignKeyConstraint(['order_id'], ['financing_order.id'],
                                name=op.f('fk_drawdown_deferral_order_id_financing_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_drawdown_deferral')),
        sa.UniqueConstraint('order_id', name=op.f('uq_drawdown_deferral_order_id')),
    )
    op.create_index(op.f('ix_drawdown_deferral_drawdown_id'), 'drawdown_deferral', ['drawdown_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_drawdown_deferral_drawdown_id'), table_name='drawdown_deferral')
    op.drop_table('drawdown_deferral')
    op.drop_index(op.f('ix_credit_line_renewal_credit_line_id'), table_name='credit_line_renewal')
    op.drop_table('credit_line_renewal')
    op.drop_index(op.f('ix_order_prompt_bank_organisation_id'), table_name='order_prompt')
    op.drop_index(op.f('ix_order_prompt_order_id'), table_name='order_prompt')
    op.drop_table('order_prompt')
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('financing_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_financing_order_need_id_financing_need'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_financing_order_drawdown_id'))
        batch_op.drop_index(batch_op.f('ix_financing_order_credit_line_id'))
        batch_op.drop_index(batch_op.f('ix_financing_order_need_id'))
        batch_op.drop_index(batch_op.f('ix_financing_order_kind'))
        for column in ('withdrawal_reason', 'request_reason', 'deferral_maturity_date', 'drawdown_id',
                       'credit_line_id', 'need_id', 'kind'):
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_financing_need_enterprise_id'), table_name='financing_need')
    op.drop_table('financing_need')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('allows_deferral')
        batch_op.drop_column('allows_renewal')
