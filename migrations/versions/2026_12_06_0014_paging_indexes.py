"""paging indexes: the queue and the held conversations are read a page at a time, each page seeking to its
cursor in the list's own order

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 14:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _where(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.create_index('ix_conversation_queue_order', 'conversation', ['queued_at', 'queue_seq'],
                    **_where("status = 'unassigned'"))
    op.create_index('ix_conversation_held_order', 'conversation', ['held_since', 'id'], **_where("status = 'held'"))


def downgrade() -> None:
    op.drop_index('ix_conversation_held_order', table_name='conversation')
    op.drop_index('ix_conversation_queue_order', table_name='conversation')
