"""availability: agents' zones, working hours, default covers and do-not-disturb; absences; who covered a
customer while their agent was away

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('agent') as batch:
        batch.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('hours', sa.Text(), nullable=True))
        batch.add_column(sa.Column('cover', sa.Text(), nullable=True))
        batch.add_column(sa.Column('dnd_start', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('dnd_end', UTCDateTime(), nullable=True))
    with op.batch_alter_table('sticky_link') as batch:
        batch.add_column(sa.Column('covered_by', sa.String(length=128), nullable=True))
    op.create_table(
        'absence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.String(length=128), nullable=False),
        sa.Column('starts_at', UTCDateTime(), nullable=False),
        sa.Column('ends_at', UTCDateTime(), nullable=True),
        sa.Column('cover', sa.Text(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_absence_agent_id', 'absence', ['agent_id'])
    op.create_index('ix_absence_ends_at', 'absence', ['ends_at'])


def downgrade() -> None:
    op.drop_index('ix_absence_ends_at', table_name='absence')
    op.drop_index('ix_absence_agent_id', table_name='absence')
    op.drop_table('absence')
    with op.batch_alter_table('sticky_link') as batch:
        batch.drop_column('covered_by')
    with op.batch_alter_table('agent') as batch:
        for name in ('dnd_end', 'dnd_start', 'cover', 'hours', 'time_zone'):
            batch.drop_column(name)
