"""Objections and credit repair with their evidence files; marks on credit records (under objection,
repaired) and the reference a corrected version cites; messages to users and organisations (notification).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('read_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_notification_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['read_by_user_id'], ['user_account.id'], name=op.f('fk_notification_read_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_org_read', ['organisation_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('credit_record_mark',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('catalogue_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('marked_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('marked_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cleared_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cleared_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_item.id'], name=op.f('fk_credit_record_mark_catalogue_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['cleared_by_user_id'], ['user_account.id'], name=op.f('fk_credit_record_mark_cleared_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_record_mark_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['marked_by_user_id'], ['user_account.id'], name=op.f('fk_credit_record_mark_marked_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_credit_record_mark_record_id_credit_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record_mark'))
    )
    with op.batch_alter_table('credit_record_mark', schema=None) as batch_op:
        batch_op.create_index('ix_credit_record_mark_entity_item_key', ['enterprise_id', 'catalogue_item_id', 'record_key'], unique=False)

    op.create_table('credit_repair',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('catalogue_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('department_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fulfilled_date', sa.Date(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('commitment_text', sa.Text(), nullable=False),
    sa.Column('commitment_sha256', sa.String(length=64), nullable=False),
    sa.Column('commitment_signed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('decided_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_item.id'], name=op.f('fk_credit_repair_catalogue_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['decided_by_organisation_id'], ['organisation.id'], name=op.f('fk_credit_repair_decided_by_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], name=op.f('fk_credit_repair_decided_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['department_organisation_id'], ['organisation.id'], name=op.f('fk_credit_repair_department_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_repair_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['filed_by_user_id'], ['user_account.id'], name=op.f('fk_credit_repair_filed_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_credit_repair_record_id_credit_record')),
    sa.ForeignKeyConstraint(['source_department'], ['source_department.code'], name=op.f('fk_credit_repair_source_department_source_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_repair'))
    )
    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_repair_department_organisation_id'), ['department_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_repair_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_repair_number'), ['number'], unique=False)
        batch_op.create_index('ix_credit_repair_status_due', ['status', 'due_date'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('catalogue_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('department_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('answered_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('answered_by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('answer_reason', sa.Text(), nullable=True),
    sa.Column('corrected_record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('escalated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_escalated_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_organisation_id'], ['organisation.id'], name=op.f('fk_objection_answered_by_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['user_account.id'], name=op.f('fk_objection_answered_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_item.id'], name=op.f('fk_objection_catalogue_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['corrected_record_id'], ['credit_record.id'], name=op.f('fk_objection_corrected_record_id_credit_record')),
    sa.ForeignKeyConstraint(['department_organisation_id'], ['organisation.id'], name=op.f('fk_objection_department_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_objection_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['filed_by_user_id'], ['user_account.id'], name=op.f('fk_objection_filed_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_objection_record_id_credit_record')),
    sa.ForeignKeyConstraint(['source_department'], ['source_department.code'], name=op.f('fk_objection_source_department_source_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_department_organisation_id'), ['department_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_number'), ['number'], unique=False)
        batch_op.create_index('ix_objection_status_due', ['status', 'due_date'], unique=False)

    op.create_table('rights_attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('objection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('repair_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uploaded_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], name=op.f('fk_rights_attachment_objection_id_objection')),
    sa.ForeignKeyConstraint(['repair_id'], ['credit_repair.id'], name=op.f('fk_rights_attachment_repair_id_credit_repair')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['user_account.id'], name=op.f('fk_rights_attachment_uploaded_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_attachment'))
    )
    with op.batch_alter_table('rights_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_attachment_objection_id'), ['objection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_attachment_repair_id'), ['repair_id'], unique=False)

    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_column('reference')

    with op.batch_alter_table('rights_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rights_attachment_repair_id'))
        batch_op.drop_index(batch_op.f('ix_rights_attachment_objection_id'))

    op.drop_table('rights_attachment')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index('ix_objection_status_due')
        batch_op.drop_index(batch_op.f('ix_objection_number'))
        batch_op.drop_index(batch_op.f('ix_objection_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_objection_department_organisation_id'))

    op.drop_table('objection')
    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_repair_status_due')
        batch_op.drop_index(batch_op.f('ix_credit_repair_number'))
        batch_op.drop_index(batch_op.f('ix_credit_repair_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_credit_repair_department_organisation_id'))

    op.drop_table('credit_repair')
    with op.batch_alter_table('credit_record_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_record_mark_entity_item_key')

    op.drop_table('credit_record_mark')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index('ix_notification_org_read')

    op.drop_table('notification')
