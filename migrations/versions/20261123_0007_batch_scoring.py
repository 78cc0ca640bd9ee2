"""Batch scoring: the run record of scoring every active entity as of a day with one model version (counts,
score distribution, PSI against the development sample and the previous run; one run per model version and date)
and each entity's result in it (score, PD, grade, policy outcome, reason codes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scoring_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('model_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('triggered_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('entities_total', sa.Integer(), nullable=False),
    sa.Column('entities_scored', sa.Integer(), nullable=False),
    sa.Column('entities_approved', sa.Integer(), nullable=False),
    sa.Column('entities_remediate', sa.Integer(), nullable=False),
    sa.Column('entities_declined', sa.Integer(), nullable=False),
    sa.Column('entities_failed', sa.Integer(), nullable=False),
    sa.Column('mean_score', sa.Float(precision=53), nullable=True),
    sa.Column('mean_pd', sa.Float(precision=53), nullable=True),
    sa.Column('decile_counts', sa.JSON(), nullable=True),
    sa.Column('score_histogram', sa.JSON(), nullable=True),
    sa.Column('psi_development', sa.Float(precision=53), nullable=True),
    sa.Column('previous_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('psi_previous', sa.Float(precision=53), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_version.id'], name=op.f('fk_scoring_run_model_version_id_model_version')),
    sa.ForeignKeyConstraint(['previous_run_id'], ['scoring_run.id'], name=op.f('fk_scoring_run_previous_run_id_scoring_run')),
    sa.ForeignKeyConstraint(['triggered_by_user_id'], ['user_account.id'], name=op.f('fk_scoring_run_triggered_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_run'))
    )
    op.create_index(op.f('ix_scoring_run_status'), 'scoring_run', ['status'], unique=False)
    op.create_index('uq_scoring_run_model_as_of', 'scoring_run', ['model_version_id', 'as_of'], unique=True)
    op.create_table('entity_score',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('scoring_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('score', sa.Float(precision=53), nullable=True),
    sa.Column('pd', sa.Float(precision=53), nullable=True),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('reason_codes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'], name=op.f('fk_entity_score_scoring_run_id_scoring_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_score'))
    )
    op.create_index(op.f('ix_entity_score_enterprise_id'), 'entity_score', ['enterprise_id'], unique=False)
    op.create_index('uq_entity_score_run_entity', 'entity_score', ['scoring_run_id', 'enterprise_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_entity_score_run_entity', table_name='entity_score')
    op.drop_index(op.f('ix_entity_score_enterprise_id'), table_name='entity_score')
    op.drop_table('entity_score')
    op.drop_index('uq_scoring_run_model_as_of', table_name='scoring_run')
    op.drop_index(op.f('ix_scoring_run_status'), table_name='scoring_run')
    op.drop_table('scoring_run')
