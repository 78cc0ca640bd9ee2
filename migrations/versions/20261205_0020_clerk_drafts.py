"""A clerk's (经办人) prepared financing application and authorisation grant, waiting for the firm's administrator.

Drafts live in tables of their own, apart from orders and authorisations, so no bank's queue and no consent decision
can ever read one; confirming a draft makes the order or the authorisation and keeps its id on the draft.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

import xinyidai.db

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _decision_columns(table: str, made: str, made_table: str) -> list[SchemaItem]:
    """Who prepared, who decided, and what the confirmation made."""
    return [
        sa.Column('decided_by_user_id', ID, nullable=True),
        sa.Column('decided_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column(made, ID, nullable=True),
        sa.ForeignKeyConstraint([made], [f'{made_table}.id'], name=op.f(f'fk_{table}_{made}_{made_table}')),
        sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'],
                                name=op.f(f'fk_{table}_decided_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f(f'fk_{table}_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['prepared_by_user_id'], ['user_account.id'],
                                name=op.f(f'fk_{table}_prepared_by_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _head() -> list[sa.Column[object]]:
    return [
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('enterprise_id', ID, nullable=False),
        sa.Column('prepared_by_user_id', ID, nullable=False),
        sa.Column('prepared_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'authorisation_draft', *_head(),
        sa.Column('recipient_organisation_id', ID, nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('purpose_ref', sa.String(length=64), nullable=True),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('data_from', sa.Date(), nullable=True),
        sa.Column('data_to', sa.Date(), nullable=True),
        sa.Column('validity_days', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['recipient_organisation_id'], ['organisation.id'],
                                name=op.f('fk_authorisation_draft_recipient_organisation_id_organisation')),
        *_decision_columns('authorisation_draft', 'authorisation_id', 'authorisation'),
    )
    with op.batch_alter_table('authorisation_draft') as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_draft_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisation_draft_status'), ['status'], unique=False)
    op.create_table(
        'financing_order_draft', *_head(),
        sa.Column('product_id', ID, nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('term_months', sa.Integer(), nullable=False),
        sa.Column('repayment_method', sa.String(length=30), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_financing_order_draft_product_id_product')),
        *_decision_columns('financing_order_draft', 'order_id', 'financing_order'),
    )
    with op.batch_alter_table('financing_order_draft') as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_order_draft_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_order_draft_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('financing_order_draft') as batch_op:
        batch_op.drop_index(batch_op.f('ix_financing_order_draft_status'))
        batch_op.drop_index(batch_op.f('ix_financing_order_draft_enterprise_id'))
    op.drop_table('financing_order_draft')
    with op.batch_alter_table('authorisation_draft') as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_draft_status'))
        batch_op.drop_index(batch_op.f('ix_authorisation_draft_enterprise_id'))
    op.drop_table('authorisation_draft')
