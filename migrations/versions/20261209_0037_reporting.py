"""Statistics and monthly reports: the commission's targets (`reporting_target`, seeded with the district's) and
the archived monthly reports (`monthly_report`), and the banks' reported new SME lending (`bank_sme_lending`).

Revision ID: 0037
Revises: 0035
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0037'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED = datetime(2026, 12, 9, tzinfo=UTC)


def upgrade() -> None:
    target = op.create_table(
        'reporting_target',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('figure_code', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column('unit', sa.String(length=10), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('updated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_user_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_reporting_target')),
    )
    op.create_table(
        'monthly_report',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('figures_sha256', sa.String(length=64), nullable=False),
        sa.Column('workbook', sa.LargeBinary(), nullable=False),
        sa.Column('workbook_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
        sa.Column('generated_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('generations', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report')),
        sa.UniqueConstraint('month', name=op.f('uq_monthly_report_month')),
    )
    op.create_table(
        'bank_sme_lending',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('bank_organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('recorded_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_user_id', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['bank_organisation_id'], ['organisation.id'],
                                name=op.f('fk_bank_sme_lending_bank_organisation_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_sme_lending')),
    )
    with op.batch_alter_table('bank_sme_lending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_sme_lending_bank_organisation_id'), ['bank_organisation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_bank_sme_lending_month'), ['month'], unique=False)
    # The targets of the seeds (the commission edits them on the portal).
    op.bulk_insert(target, [
        {"code": "credit_loan_share", "name": "信用贷款占新增小微企业贷款比重", "figure_code": "credit_share_of_sme_loans",
         "value": Decimal("0.30"), "unit": "比例", "due_date": None, "note": "", "updated_at": SEEDED},
        {"code": "registration_share", "name": "注册用户占本地中小微企业比重", "figure_code": "registration_share",
         "value": Decimal("0.20"), "unit": "比例", "due_date": None, "note": "", "updated_at": SEEDED},
        {"code": "firms_financed", "name": "累计获贷企业数", "figure_code": "firms_financed_total",
         "value": Decimal(50000), "unit": "户", "due_date": date(2025, 12, 31), "note": "", "updated_at": SEEDED},
        {"code": "amount_financed", "name": "累计放款金额", "figure_code": "amount_financed_total",
         "value": Decimal(20_000_000_000), "unit": "元", "due_date": date(2025, 12, 31), "note": "",
         "updated_at": SEEDED},
    ])


def downgrade() -> None:
    with op.batch_alter_table('bank_sme_lending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_sme_lending_month'))
        batch_op.drop_index(batch_op.f('ix_bank_sme_lending_bank_organisation_id'))
    op.drop_table('bank_sme_lending')
    op.drop_table('monthly_report')
    op.drop_table('reporting_target')
