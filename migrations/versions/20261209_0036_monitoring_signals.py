"""Post-loan monitoring: the signals of trends and repairs (VAT paid against the same month last year, the insured
headcount against the month before, a fact repaired) with their default rules as version 1, the cursor of the
marks detection has read, and no index on an alert's detection run (a run finds its alerts by id) nor on its firm (read by institution).

Revision ID: 0036
Revises: 0037
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0036'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_RULES = (  # signal, severity, threshold (per cent for the trends)
    ("vat_drop", "attention", 30), ("social_insurance_drop", "attention", 20), ("credit_repaired", "hint", None),
)


def upgrade() -> None:
    # A detection run finds its alerts by the primary key's range, and alerts are read by institution, never by firm
    # alone: two indexes kept up on every alert for nothing.
    with op.batch_alter_table('monitoring_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_alert_detection_run_id'))
        batch_op.drop_index(batch_op.f('ix_monitoring_alert_enterprise_id'))
    with op.batch_alter_table('monitoring_cursor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_mark_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      server_default='0', nullable=False))
    rule = sa.table('monitoring_rule', sa.column('signal', sa.String), sa.column('version', sa.Integer),
                    sa.column('threshold', sa.BigInteger), sa.column('severity', sa.String),
                    sa.column('recipient_kinds', sa.JSON), sa.column('enabled', sa.Boolean),
                    sa.column('created_at', xinyidai.db.UtcDateTime(timezone=True)))
    at = datetime(2026, 12, 9, tzinfo=UTC)
    op.bulk_insert(rule, [{'signal': signal, 'version': 1, 'threshold': threshold, 'severity': severity,
                           'recipient_kinds': ['bank', 'guarantee_company'], 'enabled': True, 'created_at': at}
                          for signal, severity, threshold in NEW_RULES])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM monitoring_rule WHERE signal IN ('vat_drop', 'social_insurance_drop', "
                       "'credit_repaired')"))
    with op.batch_alter_table('monitoring_cursor', schema=None) as batch_op:
        batch_op.drop_column('last_mark_id')
    with op.batch_alter_table('monitoring_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_alert_detection_run_id'), ['detection_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_alert_enterprise_id'), ['enterprise_id'], unique=False)
