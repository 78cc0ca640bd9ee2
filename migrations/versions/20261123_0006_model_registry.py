"""Model registry and credit decisions: versions of a credit model with their files held in the database (model
card, scorecard spec, ONNX), candidate / champion / retired with who promoted and retired them when, at most one
champion per name; every credit decision with its features, score, PD, outcome, rate, line, reasons and model version.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:40:24.035783
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('model_version',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('version_label', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('model_card', sa.JSON(), nullable=False),
    sa.Column('scorecard_spec', sa.JSON(), nullable=False),
    sa.Column('scorecard_onnx', sa.LargeBinary(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('promoted_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('promoted_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('retired_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('retired_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_model_version_created_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['promoted_by_user_id'], ['user_account.id'], name=op.f('fk_model_version_promoted_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['retired_by_user_id'], ['user_account.id'], name=op.f('fk_model_version_retired_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_version'))
    )
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_version_status'), ['status'], unique=False)
        batch_op.create_index('uq_model_version_champion', ['name'], unique=True, sqlite_where=sa.text("status = 'champion'"), postgresql_where=sa.text("status = 'champion'"))
        batch_op.create_index('uq_model_version_digest', ['name', 'digest'], unique=True)
        batch_op.create_index('uq_model_version_label', ['name', 'version_label'], unique=True)

    op.create_table('credit_decision',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('model_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assessor', sa.String(length=80), nullable=False),
    sa.Column('bounds', sa.JSON(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(precision=53), nullable=False),
    sa.Column('pd', sa.Float(precision=53), nullable=True),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('line_fen', sa.BigInteger(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_decision_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_version.id'], name=op.f('fk_credit_decision_model_version_id_model_version')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_credit_decision_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_decision'))
    )
    with op.batch_alter_table('credit_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_decision_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_decision_model_version_id'), ['model_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_decision_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credit_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_decision_order_id'))
        batch_op.drop_index(batch_op.f('ix_credit_decision_model_version_id'))
        batch_op.drop_index(batch_op.f('ix_credit_decision_enterprise_id'))

    op.drop_table('credit_decision')
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.drop_index('uq_model_version_label')
        batch_op.drop_index('uq_model_version_digest')
        batch_op.drop_index('uq_model_version_champion', sqlite_where=sa.text("status = 'champion'"), postgresql_where=sa.text("status = 'champion'"))
        batch_op.drop_index(batch_op.f('ix_model_version_status'))

    op.drop_table('model_version')
