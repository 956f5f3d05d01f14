"""slack signals: the Slack events applied (each once; older ones ignored) the App Homes published; the links a cover keeps, indexed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'slack_event',
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('slack_user_id', sa.String(length=64), nullable=False),
        sa.Column('signal', sa.String(length=16), nullable=False),
        sa.Column('event_time', UTCDateTime(), nullable=False),
        sa.Column('applied_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('event_id'))
    op.create_index('ix_slack_event_user_signal', 'slack_event', ['slack_user_id', 'signal', 'event_time'])
    op.create_index('ix_slack_event_applied_at', 'slack_event', ['applied_at'])
    op.create_table(
        'slack_home',
        sa.Column('slack_user_id', sa.String(length=64), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('slack_user_id'))
    op.create_index('ix_sticky_link_covered', 'sticky_link', ['agent_id'],
                    sqlite_where=sa.text('covered_by IS NOT NULL'), postgresql_where=sa.text('covered_by IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_sticky_link_covered', table_name='sticky_link')
    op.drop_table('slack_home')
    op.drop_index('ix_slack_event_applied_at', table_name='slack_event')
    op.drop_index('ix_slack_event_user_signal', table_name='slack_event')
    op.drop_table('slack_event')
