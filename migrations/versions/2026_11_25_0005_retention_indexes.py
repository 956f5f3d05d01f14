"""retention indexes: processed events and finished outbox rows are deleted by age, in batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_processed_event_received_at', 'processed_event', ['received_at'])
    op.create_index('ix_outbox_state_sent', 'outbox', ['state', 'sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_state_sent', table_name='outbox')
    op.drop_index('ix_processed_event_received_at', table_name='processed_event')
