"""The job engine: procrastinate's tables on PostgreSQL, and the pages of a scoring run that its workers share.

procrastinate's schema is applied from the installed package (pinned in pyproject.toml); a later procrastinate
release that changes it ships SQL migrations (procrastinate/sql/migrations), applied by a migration of ours then.
SQLite runs jobs in process and needs no tables for them.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'scoring_page',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('scoring_run_id', BIG_ID, nullable=False),
        sa.Column('page_no', sa.Integer(), nullable=False),
        sa.Column('first_enterprise_id', BIG_ID, nullable=False),
        sa.Column('last_enterprise_id', BIG_ID, nullable=False),
        sa.Column('entities', sa.Integer(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('worker', sa.String(length=100), nullable=True),
        sa.Column('tally', sa.JSON(), nullable=True),
        sa.Column('outcomes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'],
                                name=op.f('fk_scoring_page_scoring_run_id_scoring_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_page')),
    )
    op.create_index('uq_scoring_page_run_page', 'scoring_page', ['scoring_run_id', 'page_no'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':
        from procrastinate.schema import SchemaManager

        op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
                   "procrastinate_workers CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
                   "procrastinate_job_status CASCADE")
    op.drop_index('uq_scoring_page_run_page', table_name='scoring_page')
    op.drop_table('scoring_page')
