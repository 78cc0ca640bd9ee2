"""Bulk import at the speed of the database: credit_record loses the per-row foreign-key check and one index.

- The entity is no longer a foreign key (as `entity_score`): every writer of credit records has looked the entity up
  in the registry in the same transaction (the bulk import once per distinct code), and entities are never deleted;
  a million-row import spent a third of its insert re-checking each row.
- The unique key leads with the entity, (enterprise_id, catalogue_item_id, fingerprint), and takes over the work of
  `ix_credit_record_entity_item_key` (an entity's records, of one sub-category; the few versions of a record key
  among them): one index fewer to insert into.
- `batch_id` is indexed by a BRIN index on PostgreSQL: a batch's rows lie together, and a BRIN index costs its
  insert nearly nothing (a B-tree on SQLite).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_constraint('fk_credit_record_enterprise_id_enterprise', type_='foreignkey')
        batch_op.drop_constraint('uq_credit_record_catalogue_item_id_enterprise_id_fingerprint', type_='unique')
        batch_op.drop_index('ix_credit_record_entity_item_key')
        batch_op.drop_index('ix_credit_record_batch_id')
        batch_op.create_unique_constraint('uq_credit_record_enterprise_id_catalogue_item_id_fingerprint',
                                          ['enterprise_id', 'catalogue_item_id', 'fingerprint'])
        batch_op.create_index('ix_credit_record_batch_id', ['batch_id'], unique=False, postgresql_using='brin')


def downgrade() -> None:
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_record_batch_id')
        batch_op.drop_constraint('uq_credit_record_enterprise_id_catalogue_item_id_fingerprint', type_='unique')
        batch_op.create_index('ix_credit_record_batch_id', ['batch_id'], unique=False)
        batch_op.create_index('ix_credit_record_entity_item_key', ['enterprise_id', 'catalogue_item_id', 'record_key'],
                              unique=False)
        batch_op.create_unique_constraint('uq_credit_record_catalogue_item_id_enterprise_id_fingerprint',
                                          ['catalogue_item_id', 'enterprise_id', 'fingerprint'])
        batch_op.create_foreign_key('fk_credit_record_enterprise_id_enterprise', 'enterprise', ['enterprise_id'],
                                    ['id'])
