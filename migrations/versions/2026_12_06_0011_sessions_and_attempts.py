"""sessions and attempts: dashboard sessions kept on the server (signing out ends them), and wrong admin tokens
counted per client in the database (shared by every process)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'dashboard_session',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'))
    op.create_index('ix_dashboard_session_expires_at', 'dashboard_session', ['expires_at'])
    op.create_table(
        'wrong_token',
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('since', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('client'))
    op.create_index('ix_wrong_token_since', 'wrong_token', ['since'])


def downgrade() -> None:
    op.drop_index('ix_wrong_token_since', table_name='wrong_token')
    op.drop_table('wrong_token')
    op.drop_index('ix_dashboard_session_expires_at', table_name='dashboard_session')
    op.drop_table('dashboard_session')
