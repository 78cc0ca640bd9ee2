"""Credit information: catalogue, source departments, credit records with provenance, import batches and
row errors, credit commitments, verifications.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:31:31.727953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyidai.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('catalogue_category',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_catalogue_category'))
    )
    op.create_table('source_department',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_source_department_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_source_department'))
    )
    with op.batch_alter_table('source_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_department_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('catalogue_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('category_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('sensitivity', sa.String(length=20), nullable=False),
    sa.Column('update_cycle', sa.String(length=20), nullable=False),
    sa.Column('visible_days', sa.Integer(), nullable=True),
    sa.Column('authoritative_channel', sa.String(length=20), nullable=False),
    sa.Column('local_allowed', sa.Boolean(), nullable=False),
    sa.Column('is_negative', sa.Boolean(), nullable=False),
    sa.Column('key_fields', sa.JSON(), nullable=False),
    sa.Column('date_field', sa.String(length=40), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['category_code'], ['catalogue_category.code'], name=op.f('fk_catalogue_item_category_code_catalogue_category')),
    sa.ForeignKeyConstraint(['source_department'], ['source_department.code'], name=op.f('fk_catalogue_item_source_department_source_department')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['user_account.id'], name=op.f('fk_catalogue_item_updated_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_item')),
    sa.UniqueConstraint('code', name=op.f('uq_catalogue_item_code'))
    )
    with op.batch_alter_table('catalogue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_item_category_code'), ['category_code'], unique=False)

    op.create_table('credit_commitment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('signed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('breached_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('breach_finding', sa.String(length=1000), nullable=True),
    sa.Column('found_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_commitment_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['found_by_user_id'], ['user_account.id'], name=op.f('fk_credit_commitment_found_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['signed_by_user_id'], ['user_account.id'], name=op.f('fk_credit_commitment_signed_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_commitment')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_commitment_number'))
    )
    with op.batch_alter_table('credit_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_commitment_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('verification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('condition', sa.String(length=60), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('source_reference', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('asked_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('asked_by_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('asked_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_organisation_id'], ['organisation.id'], name=op.f('fk_verification_asked_by_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['asked_by_user_id'], ['user_account.id'], name=op.f('fk_verification_asked_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_verification_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['source_department'], ['source_department.code'], name=op.f('fk_verification_source_department_source_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification'))
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_asked_by_organisation_id'), ['asked_by_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('import_batch',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('catalogue_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=True),
    sa.Column('encoding', sa.String(length=20), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_stored', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_import_batch_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_item.id'], name=op.f('fk_import_batch_catalogue_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_import_batch_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['source_department'], ['source_department.code'], name=op.f('fk_import_batch_source_department_source_department')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_batch_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    sa.UniqueConstraint('organisation_id', 'idempotency_key', name=op.f('uq_import_batch_organisation_id_idempotency_key'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_content_sha256'), ['content_sha256'], unique=False)
        batch_op.create_index('ix_import_batch_item_started', ['catalogue_item_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('credit_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('catalogue_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fact_date', sa.Date(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('source_department', sa.String(length=30), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('original', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('commitment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_record_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record')),
    sa.UniqueConstraint('catalogue_item_id', 'enterprise_id', 'fingerprint', name=op.f('uq_credit_record_catalogue_item_id_enterprise_id_fingerprint'))
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_record_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_credit_record_entity_item_key', ['enterprise_id', 'catalogue_item_id', 'record_key'], unique=False)

    op.create_table('import_row_error',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('original', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_row_error_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row_error'))
    )
    with op.batch_alter_table('import_row_error', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_row_error_batch_id'), ['batch_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('import_row_error', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_row_error_batch_id'))

    op.drop_table('import_row_error')
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_record_entity_item_key')
        batch_op.drop_index(batch_op.f('ix_credit_record_batch_id'))

    op.drop_table('credit_record')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_organisation_id'))
        batch_op.drop_index('ix_import_batch_item_started')
        batch_op.drop_index(batch_op.f('ix_import_batch_content_sha256'))

    op.drop_table('import_batch')
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_verification_asked_by_organisation_id'))

    op.drop_table('verification')
    with op.batch_alter_table('credit_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_commitment_enterprise_id'))

    op.drop_table('credit_commitment')
    with op.batch_alter_table('catalogue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_item_category_code'))

    op.drop_table('catalogue_item')
    with op.batch_alter_table('source_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_department_organisation_id'))

    op.drop_table('source_department')
    op.drop_table('catalogue_category')

