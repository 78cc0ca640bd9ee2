"""Products as data: kind, rate mode, guarantee arrangement, eligibility rules, required documents and line rule;
every version of a product's terms (`product_version`); the version an order applied to.

Every existing product gets its version 1 (its terms as they are; approved when it has been on the shelf, a draft
otherwise), and every existing order is linked to the version 1 of its product.

Revision ID: 0026
Revises: 0030
Create Date: 2026-12-06 00:00:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import xinyidai.db

revision: str = '0026'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TERMS = ("name", "description", "min_rate", "max_rate", "guarantee_fee_rate", "min_amount_fen", "max_line_fen",
         "repayment_methods", "term_options", "day_count", "overdue_markup", "fee_mode", "prepayment_rule",
         "allocation_order", "line_validity_months", "default_trigger_days", "committee_threshold_fen",
         "one_live_line_per_firm")


def upgrade() -> None:
    op.create_table('product_version',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('product_id', BigId, nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_user_id', BigId, nullable=True),
    sa.Column('created_at', xinyidai.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_user_id', BigId, nullable=True),
    sa.Column('reviewed_at', xinyidai.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_version_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_version')),
    sa.UniqueConstraint('product_id', 'number', name=op.f('uq_product_version_product_id_number'))
    )
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_version_product_id'), ['product_id'], unique=False)

    # Added in place (SQLite would otherwise rebuild the orders table, which others refer to, under foreign keys).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE financing_order ADD COLUMN product_version_id INTEGER "
                   "CONSTRAINT fk_financing_order_product_version_id_product_version REFERENCES product_version (id)")
    else:
        op.add_column('financing_order', sa.Column('product_version_id', BigId, nullable=True))
        op.create_foreign_key(op.f('fk_financing_order_product_version_id_product_version'), 'financing_order',
                              'product_version', ['product_version_id'], ['id'])

    # Added in place on both databases (SQLite would otherwise rebuild the product table, which others refer to).
    op.add_column('product', sa.Column('kind', sa.String(length=30), server_default='pure_credit', nullable=False))
    op.add_column('product', sa.Column('rate_mode', sa.String(length=20), server_default='evaluated', nullable=False))
    op.add_column('product', sa.Column('guarantee_arrangement', sa.String(length=40), server_default='none',
                                       nullable=False))
    op.add_column('product', sa.Column('eligibility', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.add_column('product', sa.Column('required_documents', sa.JSON(), server_default=sa.text("'[]'"),
                                       nullable=False))
    op.add_column('product', sa.Column('line_rule', sa.JSON(), server_default=sa.text("""'{"kind": "evaluated"}'"""),
                                       nullable=False))
    op.add_column('product', sa.Column('current_version_id', BigId, nullable=True))
    op.add_column('product', sa.Column('review_note', sa.String(length=500), nullable=True))
    op.create_index(op.f('ix_product_kind'), 'product', ['kind'], unique=False)

    _backfill()


def _backfill() -> None:
    """Version 1 of every product, its terms as they stand; every order linked to it."""
    connection = op.get_bind()
    product = sa.table('product', sa.column('id'), sa.column('status'), sa.column('created_at'),
                       sa.column('published_at'), sa.column('eligibility', sa.JSON()),
                       sa.column('required_documents', sa.JSON()), sa.column('line_rule', sa.JSON()),
                       sa.column('current_version_id'), *(sa.column(n) for n in TERMS))
    version = sa.table('product_version', sa.column('id'), sa.column('product_id'), sa.column('number'),
                       sa.column('terms', sa.JSON()), sa.column('status'), sa.column('note'),
                       sa.column('created_at'), sa.column('submitted_at'), sa.column('reviewed_at'))
    order = sa.table('financing_order', sa.column('product_id'), sa.column('product_version_id'))
    rows = connection.execute(sa.select(product)).mappings().all()
    for row in rows:
        terms = {}
        for name in TERMS:
            value = row[name]
            if isinstance(value, str) and name in ("repayment_methods", "term_options", "allocation_order"):
                value = json.loads(value)
            if isinstance(value, (Decimal, float)):
                value = str(Decimal(str(value)).quantize(Decimal("0.000001")))
            elif name == "one_live_line_per_firm":
                value = bool(value)
            terms[name] = value
        terms.update(kind="pure_credit", rate_mode="evaluated", guarantee_arrangement="none", eligibility=[],
                     required_documents=[], line_rule={"kind": "evaluated"})
        shelved = row["status"] in ("published", "withdrawn")
        created = row["created_at"] or datetime.now(UTC)
        connection.execute(version.insert().values(
            product_id=row["id"], number=1, terms=terms, status="approved" if shelved else "draft",
            note="迁移前的条款", created_at=created, submitted_at=row["published_at"] if shelved else None,
            reviewed_at=row["published_at"] if shelved else None))
        version_id = connection.execute(sa.select(version.c.id).where(version.c.product_id == row["id"],
                                                                      version.c.number == 1)).scalar_one()
        connection.execute(product.update().where(product.c.id == row["id"]).values(current_version_id=version_id))
        connection.execute(order.update().where(order.c.product_id == row["id"])
                           .values(product_version_id=version_id))


def downgrade() -> None:
    op.drop_index(op.f('ix_product_kind'), table_name='product')
    for column in ('review_note', 'current_version_id', 'line_rule', 'required_documents', 'eligibility',
                   'guarantee_arrangement', 'rate_mode', 'kind'):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE product DROP COLUMN {column}")
        else:
            op.drop_column('product', column)

    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE financing_order DROP COLUMN product_version_id")
    else:
        op.drop_constraint(op.f('fk_financing_order_product_version_id_product_version'), 'financing_order',
                           type_='foreignkey')
        op.drop_column('financing_order', 'product_version_id')

    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_version_product_id'))

    op.drop_table('product_version')
