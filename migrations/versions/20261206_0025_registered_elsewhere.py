"""An entity registered at another node of the platform network: `enterprise.home_node`.

The provincial and national nodes hold every entity of the nodes below them, from the network's registry feed, so
that records about them (a national record going down, a district's records going up) can be stored; such an entry
names the node it is registered at, and holds the identity number only masked, as it travelled.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_node', sa.String(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('home_node')
