"""The audit log records what kind of caller acted (a user, an API client, the command line, a job, a caller not
signed in) and, for the command line and jobs, who or which; and entries are chained when their transaction
commits, so an entry's sequence and hashes are empty while its transaction is open. Entries written before keep
their hashes: the new columns enter the hash only when set (audit/chain.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SequenceType = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('actor_label', sa.String(length=200), nullable=True))
        batch_op.alter_column('sequence', existing_type=SequenceType, nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('sequence', existing_type=SequenceType, nullable=False)
        batch_op.drop_column('actor_label')
        batch_op.drop_column('actor_kind')
