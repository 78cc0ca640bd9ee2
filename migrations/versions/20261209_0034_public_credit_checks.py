"""Public credit checks (公共信用核查): each bidder checked, the sealed answer given, who asked and when.

Revision ID: 0034
Revises: 0031
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0034'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('credit_check',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('check_no', sa.String(length=24), nullable=False),
    sa.Column('verification_code', sa.String(length=16), nullable=False),
    sa.Column('batch_no', sa.String(length=24), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_name', sa.String(length=200), nullable=True),
    sa.Column('requested_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('requested_by_api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('requester_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('tender_ref', sa.String(length=60), nullable=True),
    sa.Column('checked_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('content_sm3', sa.String(length=64), nullable=False),
    sa.Column('seal', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_check_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user_account.id'], name=op.f('fk_credit_check_requested_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['requester_organisation_id'], ['organisation.id'], name=op.f('fk_credit_check_requester_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_check')),
    sa.UniqueConstraint('check_no', name=op.f('uq_credit_check_check_no')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_credit_check_verification_code'))
    )
    with op.batch_alter_table('credit_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_check_batch_no'), ['batch_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_check_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_check_requester_organisation_id'), ['requester_organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credit_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_check_requester_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_credit_check_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_credit_check_batch_no'))

    op.drop_table('credit_check')
