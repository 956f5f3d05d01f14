"""chatwoot ids: remember which Chatwoot user and team each agent and team is

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:11:00.219571
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chatwoot_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agent_chatwoot_user_id'), ['chatwoot_user_id'], unique=False)

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chatwoot_team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_team_chatwoot_team_id'), ['chatwoot_team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_chatwoot_team_id'))
        batch_op.drop_column('chatwoot_team_id')

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_chatwoot_user_id'))
        batch_op.drop_column('chatwoot_user_id')

