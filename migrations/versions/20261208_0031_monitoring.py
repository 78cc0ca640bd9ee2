"""Post-loan monitoring: versioned rules (with the defaults as version 1), watch periods, detection runs and
their cursor, and alerts.

Revision ID: 0031
Revises: 0032
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0031'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('monitoring_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_scoring_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_cursor'))
    )
    op.create_table('monitoring_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('records_after', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('records_through', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scoring_run_through', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('watched_pairs', sa.Integer(), nullable=False),
    sa.Column('alerts_raised', sa.Integer(), nullable=False),
    sa.Column('watches_stopped', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_run'))
    )
    op.create_table('watch_period',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_watch_period_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_watch_period_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_period'))
    )
    with op.batch_alter_table('watch_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_period_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_watch_period_open', ['organisation_id', 'enterprise_id', 'ended_at'], unique=False)

    op.create_table('monitoring_rule',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('signal', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('severity', sa.String(length=12), nullable=False),
    sa.Column('recipient_kinds', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_monitoring_rule_created_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_rule')),
    sa.UniqueConstraint('signal', 'version', name=op.f('uq_monitoring_rule_signal_version'))
    )
    op.create_table('monitoring_alert',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('signal', sa.String(length=40), nullable=False),
    sa.Column('source_key', sa.String(length=60), nullable=False),
    sa.Column('rule_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rule_version', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=12), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('category_code', sa.String(length=8), nullable=True),
    sa.Column('item_code', sa.String(length=40), nullable=True),
    sa.Column('fact_date', sa.Date(), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('authorisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('credit_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detection_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('raised_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('acknowledged_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=True),
    sa.Column('action_note', sa.String(length=500), nullable=True),
    sa.Column('action_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('escalated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_user_id'], ['user_account.id'], name=op.f('fk_monitoring_alert_acknowledged_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_user_id'], ['user_account.id'], name=op.f('fk_monitoring_alert_closed_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['detection_run_id'], ['monitoring_run.id'], name=op.f('fk_monitoring_alert_detection_run_id_monitoring_run')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_monitoring_alert_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_monitoring_alert_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['rule_id'], ['monitoring_rule.id'], name=op.f('fk_monitoring_alert_rule_id_monitoring_rule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_alert')),
    sa.UniqueConstraint('organisation_id', 'signal', 'source_key', name=op.f('uq_monitoring_alert_organisation_id_signal_source_key'))
    )
    with op.batch_alter_table('monitoring_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_alert_detection_run_id'), ['detection_run_id'], unique=False)
        batch_op.create_index('ix_monitoring_alert_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_alert_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_monitoring_alert_org_id', ['organisation_id', 'id'], unique=False)
    _seed()


DEFAULT_RULES = (  # signal, severity, threshold
    ("equity_change", "attention", None), ("abnormal_operations", "warning", None),
    ("admin_penalty", "attention", None), ("admin_penalty_serious", "severe", None), ("tax_arrears", "warning", None),
    ("utility_arrears", "hint", 100_000), ("court_judgment", "attention", None), ("court_enforcement", "severe", None),
    ("other_institution_default", "severe", None), ("record_corrected", "hint", None), ("grade_drop", "attention", 1),
)


def _seed() -> None:
    """The rules in force until the platform admin changes them (version 1 of each), and the empty cursor."""
    rule = sa.table('monitoring_rule', sa.column('signal', sa.String), sa.column('version', sa.Integer),
                    sa.column('threshold', sa.BigInteger), sa.column('severity', sa.String),
                    sa.column('recipient_kinds', sa.JSON), sa.column('enabled', sa.Boolean),
                    sa.column('created_at', xinyidai.db.UtcDateTime(timezone=True)))
    at = datetime(2026, 12, 8, tzinfo=UTC)
    op.bulk_insert(rule, [{'signal': signal, 'version': 1, 'threshold': threshold, 'severity': severity,
                           'recipient_kinds': ['bank', 'guarantee_company'], 'enabled': True, 'created_at': at}
                          for signal, severity, threshold in DEFAULT_RULES])
    cursor = sa.table('monitoring_cursor', sa.column('id', sa.Integer), sa.column('last_record_id', sa.BigInteger),
                      sa.column('last_scoring_run_id', sa.BigInteger))
    op.bulk_insert(cursor, [{'id': 1, 'last_record_id': 0, 'last_scoring_run_id': 0}])


def downgrade() -> None:
    with op.batch_alter_table('monitoring_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_alert_org_id')
        batch_op.drop_index(batch_op.f('ix_monitoring_alert_enterprise_id'))
        batch_op.drop_index('ix_monitoring_alert_due')
        batch_op.drop_index(batch_op.f('ix_monitoring_alert_detection_run_id'))

    op.drop_table('monitoring_alert')
    op.drop_table('monitoring_rule')
    with op.batch_alter_table('watch_period', schema=None) as batch_op:
        batch_op.drop_index('ix_watch_period_open')
        batch_op.drop_index(batch_op.f('ix_watch_period_enterprise_id'))

    op.drop_table('watch_period')
    op.drop_table('monitoring_run')
    op.drop_table('monitoring_cursor')
