"""pick index: each membership carries its agent's place in the pick order (ready, open load, rotation),
kept by triggers, under a partial index; and the check a deferred seat makes on PostgreSQL

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 16:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Whether an agent row can take a seat at all: the part of availability the database can see (hours, absences
# and do-not-disturb windows are routing's, checked on the few candidates the index gives).
_READY = "{a}.active AND {a}.status = 'online' AND ({a}.max_open IS NULL OR {a}.open_load < {a}.max_open)"
_WATCHED = ("status", "active", "max_open", "open_load", "last_assigned")

_PG = [
    f"""CREATE FUNCTION membership_pick_from_agent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE membership SET ready = {_READY.format(a='NEW')}, open_load = NEW.open_load,
        rotation = coalesce(NEW.last_assigned, -1) WHERE agent_id = NEW.id;
      RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER membership_pick_on_agent AFTER UPDATE OF {', '.join(_WATCHED)} ON agent FOR EACH ROW
    WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in _WATCHED)})
    EXECUTE FUNCTION membership_pick_from_agent()""",
    f"""CREATE FUNCTION membership_pick_on_join() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT {_READY.format(a='a')}, a.open_load, coalesce(a.last_assigned, -1)
        INTO NEW.ready, NEW.open_load, NEW.rotation FROM agent a WHERE a.id = NEW.agent_id;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER membership_pick_on_join BEFORE INSERT ON membership FOR EACH ROW
    EXECUTE FUNCTION membership_pick_on_join()""",
    # A seat taken as the transaction's last statement (bot.store.sql): none taken means another transaction
    # took it first; failing as a serialization failure runs the whole transaction again.
    """CREATE FUNCTION sticky_seat_taken(seats bigint) RETURNS bigint LANGUAGE plpgsql AS $$
    BEGIN
      IF seats = 0 THEN
        RAISE EXCEPTION 'the seat was taken meanwhile' USING ERRCODE = 'serialization_failure';
      END IF;
      RETURN seats;
    END $$""",
]

_SQLITE = [
    f"""CREATE TRIGGER membership_pick_on_agent AFTER UPDATE OF {', '.join(_WATCHED)} ON agent FOR EACH ROW
    BEGIN
      UPDATE membership SET ready = {_READY.format(a='NEW')}, open_load = NEW.open_load,
        rotation = coalesce(NEW.last_assigned, -1) WHERE agent_id = NEW.id;
    END""",
    f"""CREATE TRIGGER membership_pick_on_join AFTER INSERT ON membership FOR EACH ROW
    BEGIN
      UPDATE membership SET
        ready = (SELECT {_READY.format(a='a')} FROM agent a WHERE a.id = NEW.agent_id),
        open_load = (SELECT a.open_load FROM agent a WHERE a.id = NEW.agent_id),
        rotation = (SELECT coalesce(a.last_assigned, -1) FROM agent a WHERE a.id = NEW.agent_id)
      WHERE agent_id = NEW.agent_id AND team_id = NEW.team_id;
    END""",
]


def upgrade() -> None:
    with op.batch_alter_table('membership') as batch:
        batch.add_column(sa.Column('ready', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('open_load', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('rotation', sa.Integer(), server_default='-1', nullable=False))
    op.execute(f"UPDATE membership SET ready = (SELECT {_READY.format(a='a')} FROM agent a "
               "WHERE a.id = membership.agent_id), open_load = (SELECT a.open_load FROM agent a "
               "WHERE a.id = membership.agent_id), rotation = (SELECT coalesce(a.last_assigned, -1) FROM agent a "
               "WHERE a.id = membership.agent_id)")
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG if postgres else _SQLITE:
        op.execute(statement)
    if postgres:  # ids compared as Python compares them (code points), whatever the database's collation
        op.execute('CREATE INDEX ix_membership_pick ON membership (team_id, open_load, rotation, '
                   'agent_id COLLATE "C") WHERE ready')
    else:
        op.create_index('ix_membership_pick', 'membership', ['team_id', 'open_load', 'rotation', 'agent_id'],
                        sqlite_where=sa.text('ready'))


def downgrade() -> None:
    op.drop_index('ix_membership_pick', table_name='membership')
    postgres = op.get_bind().dialect.name == "postgresql"
    for trigger, table in (('membership_pick_on_agent', 'agent'), ('membership_pick_on_join', 'membership')):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in ('membership_pick_from_agent()', 'membership_pick_on_join()', 'sticky_seat_taken(bigint)'):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    with op.batch_alter_table('membership') as batch:
        batch.drop_column('rotation')
        batch.drop_column('open_load')
        batch.drop_column('ready')
