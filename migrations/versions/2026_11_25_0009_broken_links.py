"""broken links: the customer remembers whose link an admin broke (or a block removed) and when, so the next
decision can say so

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 23:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('customer') as batch:
        batch.add_column(sa.Column('broken_link_agent', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('broken_link_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customer') as batch:
        batch.drop_column('broken_link_at')
        batch.drop_column('broken_link_agent')
