"""partial indexes: holds, claims and finished outbox rows are indexed only while they are what the jobs look for

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNCLAIMED = "claim_due IS NOT NULL AND claimed_at IS NULL"


def _where(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.drop_index('ix_conversation_status_held_until', table_name='conversation')
    op.drop_index('ix_conversation_status_claim_due', table_name='conversation')
    op.drop_index('ix_outbox_state_sent', table_name='outbox')
    op.create_index('ix_conversation_held_until', 'conversation', ['held_until'], **_where("status = 'held'"))
    op.create_index('ix_conversation_claim_due', 'conversation', ['claim_due'], **_where(UNCLAIMED))
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'], **_where("sent_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index('ix_outbox_sent_at', table_name='outbox')
    op.drop_index('ix_conversation_claim_due', table_name='conversation')
    op.drop_index('ix_conversation_held_until', table_name='conversation')
    op.create_index('ix_outbox_state_sent', 'outbox', ['state', 'sent_at'])
    op.create_index('ix_conversation_status_claim_due', 'conversation', ['status', 'claim_due'])
    op.create_index('ix_conversation_status_held_until', 'conversation', ['status', 'held_until'])
