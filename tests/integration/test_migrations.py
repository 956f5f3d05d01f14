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
