"""hold, claim timer, blocks: settings, conversation deadlines, agents left out, blocks, DMs to update,
and the facts each decision records for the stickiness figures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 21:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('settings') as batch:
        batch.add_column(sa.Column('sticky_wait_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('claim_minutes', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('conversation') as batch:
        for name in ('held_since', 'held_until', 'claim_due', 'claimed_at'):
            batch.add_column(sa.Column(name, UTCDateTime(), nullable=True))
        batch.create_index('ix_conversation_status_held_until', ['status', 'held_until'])
        batch.create_index('ix_conversation_status_claim_due', ['status', 'claim_due'])
    with op.batch_alter_table('decision') as batch:
        batch.add_column(sa.Column('trigger', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('is_returning', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('window_passed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('miss', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('linked_agent', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('held_until', UTCDateTime(), nullable=True))
        batch.create_index('ix_decision_decided_at', ['decided_at'])
    op.create_table(
        'left_out',
        sa.Column('conversation_id', sa.String(length=200), nullable=False),
        sa.Column('agent_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id', 'agent_id'))
    op.create_table(
        'customer_block',
        sa.Column('customer_id', sa.String(length=128), nullable=False),
        sa.Column('agent_id', sa.String(length=128), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('customer_id', 'agent_id'))
    op.create_table(
        'slack_message',
        sa.Column('decision_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('ts', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('decision_id'))


def downgrade() -> None:
    op.drop_table('slack_message')
    op.drop_table('customer_block')
    op.drop_table('left_out')
    with op.batch_alter_table('decision') as batch:
        batch.drop_index('ix_decision_decided_at')
        for name in ('held_until', 'linked_agent', 'miss', 'window_passed', 'is_returning', 'trigger'):
            batch.drop_column(name)
    with op.batch_alter_table('conversation') as batch:
        batch.drop_index('ix_conversation_status_claim_due')
        batch.drop_index('ix_conversation_status_held_until')
        for name in ('claimed_at', 'claim_due', 'held_until', 'held_since'):
            batch.drop_column(name)
    with op.batch_alter_table('settings') as batch:
        batch.drop_column('claim_minutes')
        batch.drop_column('sticky_wait_minutes')
