"""Webhooks to institutions (endpoints, deliveries, attempts) and text messages to users (sms_message).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 02:41:46.703135
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sms_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=True),
    sa.Column('template_code', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sms_message_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_message'))
    )
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.create_index('ix_sms_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_message_user_id'), ['user_id'], unique=False)

    op.create_table('webhook_endpoint',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('secret_cipher', sa.String(length=300), nullable=False),
    sa.Column('previous_secret_cipher', sa.String(length=300), nullable=True),
    sa.Column('previous_secret_expires_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_webhook_endpoint_created_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_webhook_endpoint_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('endpoint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('dead_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('redelivered_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_webhook_delivery_endpoint_id_webhook_endpoint')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_webhook_delivery_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('event_id', 'endpoint_id', name=op.f('uq_webhook_delivery_event_id_endpoint_id'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index('ix_webhook_delivery_org', ['organisation_id', 'status', 'id'], unique=False)

    op.create_table('webhook_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('delivery_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('next_attempt_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('fk_webhook_attempt_delivery_id_webhook_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempt'))
    )
    with op.batch_alter_table('webhook_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_attempt_delivery_id'), ['delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_attempt_delivery_id'))

    op.drop_table('webhook_attempt')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_org')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_endpoint_id'))
        batch_op.drop_index('ix_webhook_delivery_due')

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoint_organisation_id'))

    op.drop_table('webhook_endpoint')
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_message_user_id'))
        batch_op.drop_index('ix_sms_message_due')

    op.drop_table('sms_message')
