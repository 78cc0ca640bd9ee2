"""Outreach: grid workers (网格员) and their codes, the merchants they brought in (referrals), their visits, and the
roll-out plan (one phase per town or street).

Revision ID: 0033
Revises: 0034
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0033'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rollout_phase',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('district_area_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('updated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_area_id'], ['district_area.id'], name=op.f('fk_rollout_phase_district_area_id_district_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_phase')),
    sa.UniqueConstraint('district_area_id', name=op.f('uq_rollout_phase_district_area_id'))
    )
    op.create_table('grid_worker',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grid_worker_community_id_community')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_grid_worker_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_worker')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_worker_code')),
    sa.UniqueConstraint('user_id', name=op.f('uq_grid_worker_user_id'))
    )
    with op.batch_alter_table('grid_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_worker_community_id'), ['community_id'], unique=False)

    op.create_table('outreach_referral',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_worker_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_outreach_referral_community_id_community')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_outreach_referral_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['grid_worker_id'], ['grid_worker.id'], name=op.f('fk_outreach_referral_grid_worker_id_grid_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_referral')),
    sa.UniqueConstraint('enterprise_id', name=op.f('uq_outreach_referral_enterprise_id'))
    )
    with op.batch_alter_table('outreach_referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_referral_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_referral_grid_worker_id'), ['grid_worker_id'], unique=False)

    op.create_table('outreach_visit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('grid_worker_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_outreach_visit_community_id_community')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_outreach_visit_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['grid_worker_id'], ['grid_worker.id'], name=op.f('fk_outreach_visit_grid_worker_id_grid_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_visit'))
    )
    with op.batch_alter_table('outreach_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_visit_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visit_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_visit_grid_worker_id'), ['grid_worker_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outreach_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_visit_grid_worker_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_visit_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_visit_community_id'))

    op.drop_table('outreach_visit')
    with op.batch_alter_table('outreach_referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_referral_grid_worker_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_referral_community_id'))

    op.drop_table('outreach_referral')
    with op.batch_alter_table('grid_worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_worker_community_id'))

    op.drop_table('grid_worker')
    op.drop_table('rollout_phase')
