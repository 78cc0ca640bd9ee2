"""Audit log hash chain: a gapless sequence and SM3 prev/entry hashes on every audit entry, the one-row chain
head that appends lock, and an index for the per-enterprise access log. Existing entries are chained in id order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from xinyidai.audit import chain

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _backfill(connection: sa.Connection) -> tuple[int, str]:
    """Chain the entries written before this revision, oldest first; the chain module defines the hash."""
    entry = sa.table(
        'audit_entry', *(sa.column(name) for name in chain.FIELDS if name not in ('occurred_at', 'detail')),
        sa.column('occurred_at', sa.DateTime(timezone=True)), sa.column('detail', sa.JSON),
        sa.column('prev_hash'), sa.column('entry_hash'),
    )
    sequence, prev_hash = 0, chain.GENESIS_HASH
    last_id = 0
    while True:
        rows = connection.execute(sa.select(entry).where(entry.c.id > last_id).order_by(entry.c.id).limit(1000)).all()
        if not rows:
            return sequence, prev_hash
        for row in rows:
            sequence += 1
            values = dict(row._mapping, sequence=sequence)
            if values['occurred_at'].tzinfo is None:  # SQLite keeps UTC without the zone
                values['occurred_at'] = values['occurred_at'].replace(tzinfo=UTC)
            entry_hash = chain.link(prev_hash, values)
            connection.execute(entry.update().where(entry.c.id == row.id).values(
                sequence=sequence, prev_hash=prev_hash, entry_hash=entry_hash))
            prev_hash, last_id = entry_hash, row.id


def upgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    sequence, head_hash = _backfill(op.get_bind())
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_sequence'), ['sequence'])
        batch_op.create_index('ix_audit_entry_enterprise_id_occurred_at', ['enterprise_id', 'occurred_at'],
                              unique=False)
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sequence', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.bulk_insert(head, [{'id': 1, 'sequence': sequence, 'entry_hash': head_hash}])


def downgrade() -> None:
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_enterprise_id_occurred_at')
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_sequence'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('sequence')
