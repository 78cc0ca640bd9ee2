"""The district's financing policies published in the financial supermarket: `policy_article`.

Revision ID: 0030
Revises: 0025
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0030'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'policy_article',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=100), nullable=False),
        sa.Column('document_no', sa.String(length=60), nullable=False),
        sa.Column('issued_date', sa.Date(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('source_url', sa.String(length=500), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('published_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'],
                                name=op.f('fk_policy_article_created_by_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_article')),
    )
    with op.batch_alter_table('policy_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_article_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('policy_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_article_status'))
    op.drop_table('policy_article')
