"""Model sandbox (可用不可见): institutions' uploaded ONNX models (declared features and output, checked status or
refusal reason, operators, the file and its SHA-256, who uploaded it), and each run of one on authorised entities
(purpose and reference, as-of day, status, counts scored and skipped by reason, the scores, start and end, the
Idempotency-Key of a partner's request, unique per institution).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sandbox_model',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('output_name', sa.String(length=100), nullable=False),
    sa.Column('output_column', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('refusal_reason', sa.String(length=500), nullable=True),
    sa.Column('layout', sa.String(length=20), nullable=True),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('operators', sa.JSON(), nullable=False),
    sa.Column('opset', sa.Integer(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('uploaded_by_api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_sandbox_model_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['uploaded_by_api_client_id'], ['api_client.id'], name=op.f('fk_sandbox_model_uploaded_by_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['user_account.id'], name=op.f('fk_sandbox_model_uploaded_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_model'))
    )
    with op.batch_alter_table('sandbox_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_model_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_model_status'), ['status'], unique=False)

    op.create_table('sandbox_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('model_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('purpose_ref', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('skipped_reasons', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('network', sa.String(length=20), nullable=True),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('requested_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('requested_by_api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['sandbox_model.id'], name=op.f('fk_sandbox_run_model_id_sandbox_model')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_sandbox_run_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_api_client_id'], ['api_client.id'], name=op.f('fk_sandbox_run_requested_by_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user_account.id'], name=op.f('fk_sandbox_run_requested_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_run')),
    sa.UniqueConstraint('organisation_id', 'idempotency_key', name=op.f('uq_sandbox_run_organisation_id_idempotency_key'))
    )
    with op.batch_alter_table('sandbox_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_run_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_run_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sandbox_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_run_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_sandbox_run_model_id'))

    op.drop_table('sandbox_run')
    with op.batch_alter_table('sandbox_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_model_status'))
        batch_op.drop_index(batch_op.f('ix_sandbox_model_organisation_id'))

    op.drop_table('sandbox_model')
