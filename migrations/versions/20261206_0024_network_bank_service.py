"""One bank service across the platform network: a product served by a bank at another node (its node kept), an
order relayed from the node it was filed at (that node kept; no user of this node applied for it, and the firm's
authorisation came with it, granted by nobody here), and the keys of what the bank topics applied, so nothing is
applied twice.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('network_relay_key',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('peer_code', sa.String(length=6), nullable=False),
    sa.Column('local_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('applied_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_relay_key')),
    sa.UniqueConstraint('topic', 'key', name=op.f('uq_network_relay_key_topic_key'))
    )
    op.create_table('network_push_position',
    sa.Column('peer_code', sa.String(length=6), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pushed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('peer_code', 'topic', name=op.f('pk_network_push_position'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('served_by_node', sa.String(length=6), nullable=True))
    with op.batch_alter_table('financing_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_node', sa.String(length=6), nullable=True))
        batch_op.alter_column('applicant_user_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=True)
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.alter_column('granted_by_user_id',
                              existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.alter_column('granted_by_user_id',
                              existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False)
    with op.batch_alter_table('financing_order', schema=None) as batch_op:
        batch_op.alter_column('applicant_user_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False)
        batch_op.drop_column('origin_node')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('served_by_node')
    op.drop_table('network_push_position')
    op.drop_table('network_relay_key')
