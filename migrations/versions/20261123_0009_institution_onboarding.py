"""Institution onboarding: applications to connect (mobile encrypted, masked copy for lists), the security-assessment
findings per checklist item, and signed usage commitments (text version and SHA-256, who and when).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('institution_application',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('licence_number', sa.String(length=60), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_mobile_cipher', sa.String(length=200), nullable=False),
    sa.Column('contact_mobile_masked', sa.String(length=11), nullable=False),
    sa.Column('requested_scopes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('suspended_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('suspension_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], name=op.f('fk_institution_application_decided_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_institution_application_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_application')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_institution_application_organisation_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_institution_application_reference'))
    )
    with op.batch_alter_table('institution_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_application_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_application_uscc'), ['uscc'], unique=False)

    op.create_table('institution_assessment_result',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_ref', sa.String(length=200), nullable=False),
    sa.Column('assessed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['institution_application.id'], name=op.f('fk_institution_assessment_result_application_id_institution_application')),
    sa.ForeignKeyConstraint(['assessed_by_user_id'], ['user_account.id'], name=op.f('fk_institution_assessment_result_assessed_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_assessment_result')),
    sa.UniqueConstraint('application_id', 'item_code', name=op.f('uq_institution_assessment_result_application_id_item_code'))
    )
    with op.batch_alter_table('institution_assessment_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_assessment_result_application_id'), ['application_id'], unique=False)

    op.create_table('usage_commitment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text_version', sa.String(length=20), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('signer_name', sa.String(length=100), nullable=False),
    sa.Column('signed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['institution_application.id'], name=op.f('fk_usage_commitment_application_id_institution_application')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_usage_commitment_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['signed_by_user_id'], ['user_account.id'], name=op.f('fk_usage_commitment_signed_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_commitment')),
    sa.UniqueConstraint('organisation_id', 'text_version', name=op.f('uq_usage_commitment_organisation_id_text_version'))
    )
    with op.batch_alter_table('usage_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_commitment_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('usage_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_commitment_organisation_id'))

    op.drop_table('usage_commitment')
    with op.batch_alter_table('institution_assessment_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_assessment_result_application_id'))

    op.drop_table('institution_assessment_result')
    with op.batch_alter_table('institution_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_application_uscc'))
        batch_op.drop_index(batch_op.f('ix_institution_application_status'))

    op.drop_table('institution_application')
