"""outbox states: a row is delivered, skipped (nothing needed sending) or failed, never "sent" unsent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Rows marked "sent" with a note were never sent: nowhere to post, or superseded.
    op.execute("UPDATE outbox SET state = 'skipped' WHERE state = 'sent' AND last_error IS NOT NULL")
    op.execute("UPDATE outbox SET state = 'delivered' WHERE state = 'sent'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET state = 'sent' WHERE state IN ('delivered', 'skipped')")
