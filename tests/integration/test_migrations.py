"""The migrations build exactly the schema the models describe, and come down again."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import Database
from bot.migrate import downgrade, upgrade
from tests.conftest import PG_URL


def test_models_and_migrations_agree(db_url):
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
        assert diff == []
    finally:
        db.dispose()


def test_downgrade_removes_every_table_and_upgrade_restores_them(tmp_path):
    url = PG_URL or f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    downgrade(url, "base")
    db = Database(url)
    try:
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(url)
        assert set(SQLModel.metadata.tables) <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_stored_reasons_and_outbox_states_are_carried_over(tmp_path):
    from sqlalchemy import text
    url = PG_URL or f"sqlite:///{tmp_path / 'm.db'}"
    downgrade(url, "base") if PG_URL else None
    upgrade(url, "0002")
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO conversation (id, customer_id, status, channel, created_at, updated_at) "
                              "VALUES ('c1', 'o', 'assigned', 'widget', '2026-11-20 10:00:00', '2026-11-20 10:00:00')"))
            conn.execute(text("INSERT INTO decision (conversation_id, status, agent_id, rule, reason, decided_at) "
                              "VALUES ('c1', 'assigned', 'a{1}', 'default', "
                              "'no earlier agent on record for o; a{1} has it', '2026-11-20 10:00:00')"))
            conn.execute(text("INSERT INTO outbox (kind, payload, state, attempts, next_attempt_at, created_at, "
                              "last_error) VALUES ('slack.handoff', '{}', 'sent', 1, '2026-11-20 10:00:00', "
                              "'2026-11-20 10:00:00', NULL), ('slack.handoff', '{}', 'sent', 1, "
                              "'2026-11-20 10:00:00', '2026-11-20 10:00:00', 'nowhere to post')"))
        upgrade(url)
        with db.engine.connect() as conn:
            reason = conn.execute(text("SELECT reason FROM decision")).scalar()
            states = [r[0] for r in conn.execute(text("SELECT state FROM outbox ORDER BY id"))]
        assert reason == "no earlier agent on record for {customer}; a{{1}} has it"
        assert states == ["delivered", "skipped"]
    finally:
        db.dispose()
        if PG_URL:
            downgrade(url, "base")
            upgrade(url)
