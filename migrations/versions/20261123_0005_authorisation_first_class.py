"""Authorisation as a first-class record: the categories and data window it covers, its validity window,
one-time or periodic, and when it was used. The free-text scope gives way to the categories.

Existing grants (all made by financing applications) become periodic grants of every catalogue category,
valid from when they were granted, over an open data window: what they allowed before, they allow now.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalogue's categories when this revision was written (C01…C14).
ALL_CATEGORIES = [f"C{n:02d}" for n in range(1, 15)]


def upgrade() -> None:
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('data_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('data_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('mode', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
    authorisation = sa.table('authorisation', sa.column('categories', sa.JSON), sa.column('mode', sa.String),
                             sa.column('valid_from', sa.DateTime(timezone=True)),
                             sa.column('granted_at', sa.DateTime(timezone=True)))
    op.execute(authorisation.update().values(categories=ALL_CATEGORIES, mode='periodic',
                                             valid_from=authorisation.c.granted_at))
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.alter_column('categories', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('mode', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('valid_from', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column('scope')


def downgrade() -> None:
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=200), nullable=True))
    op.execute(sa.text("UPDATE authorisation SET scope = '本平台归集的本主体信用信息'"))
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('used_at')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('mode')
        batch_op.drop_column('data_to')
        batch_op.drop_column('data_from')
        batch_op.drop_column('categories')
