"""Credit reports issued: number, verification code, subject, recipient, purpose and authorisation, time and the SM3
digest of the PDF, so that anyone can check a report on the platform.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('credit_report',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('report_no', sa.String(length=24), nullable=False),
    sa.Column('verification_code', sa.String(length=16), nullable=False),
    sa.Column('enterprise_id', BigId, nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('requested_by_user_id', BigId, nullable=True),
    sa.Column('requested_by_api_client_id', BigId, nullable=True),
    sa.Column('recipient_organisation_id', BigId, nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('view', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=120), nullable=False),
    sa.Column('authorisation_id', BigId, nullable=True),
    sa.Column('generated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('content_sm3', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['authorisation_id'], ['authorisation.id'],
                            name=op.f('fk_credit_report_authorisation_id_authorisation')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_report_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['recipient_organisation_id'], ['organisation.id'],
                            name=op.f('fk_credit_report_recipient_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user_account.id'],
                            name=op.f('fk_credit_report_requested_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_report')),
    sa.UniqueConstraint('report_no', name=op.f('uq_credit_report_report_no')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_credit_report_verification_code'))
    )
    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_report_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_report_recipient_organisation_id'), ['recipient_organisation_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_report_recipient_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_credit_report_enterprise_id'))
    op.drop_table('credit_report')
