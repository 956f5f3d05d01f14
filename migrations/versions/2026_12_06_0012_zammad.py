"""zammad: helpdesk ids of agents and teams, a conversation's label (a ticket's number), what stickybot last
applied of a helpdesk conversation's state, and pauses of the outbox's senders kept in the database

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('agent') as batch:
        batch.add_column(sa.Column('zammad_user_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_agent_zammad_user_id'), ['zammad_user_id'], unique=False)
    with op.batch_alter_table('team') as batch:
        batch.add_column(sa.Column('zammad_group_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_team_zammad_group_id'), ['zammad_group_id'], unique=False)
    with op.batch_alter_table('conversation') as batch:
        batch.add_column(sa.Column('label', sa.String(length=200), nullable=True))
    op.create_table(
        'helpdesk_seen',
        sa.Column('conversation_id', sa.String(length=200), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('owner', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('conversation_id'))
    op.create_table(
        'outbox_pause',
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('until', UTCDateTime(), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('channel'))


def downgrade() -> None:
    op.drop_table('outbox_pause')
    op.drop_table('helpdesk_seen')
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('label')
    with op.batch_alter_table('team') as batch:
        batch.drop_index(batch.f('ix_team_zammad_group_id'))
        batch.drop_column('zammad_group_id')
    with op.batch_alter_table('agent') as batch:
        batch.drop_index(batch.f('ix_agent_zammad_user_id'))
        batch.drop_column('zammad_user_id')
