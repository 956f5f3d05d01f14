"""The `stickybot` commands: db upgrade, directory load."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from bot.cli import main
from bot.db import Database

EXAMPLE = Path(__file__).resolve().parents[2] / "directory.example.yaml"


def run(db_url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url}, catch_exceptions=False)


def test_db_upgrade_builds_the_schema_on_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(url, "db", "upgrade")
    assert result.exit_code == 0 and "up to date" in result.output
    db = Database(url)
    assert {"agent", "conversation", "outbox", "sticky_link"} <= set(inspect(db.engine).get_table_names())
    db.dispose()
    assert run(url, "db", "upgrade").exit_code == 0  # and again: nothing to do


def test_directory_load_reads_the_example_file(db_url, client):
    result = run(db_url, "directory", "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "loaded 2 teams and 3 agents" in result.output
    agents = {a["id"]: a for a in client.api("GET", "/api/agents").get_json()}
    assert agents["bob"]["teams"] == ["billing", "tech"] and agents["carol"]["status"] == "away"
    assert agents["alice"]["max_open"] == 5 and agents["alice"]["slack_user_id"] == "U01ALICE"


@pytest.mark.parametrize("text,complaint", [
    ("teams: [{id: a}]\nagents: [{id: x, teams: [nope]}]\n", "unknown team"),
    ("agents: [{id: x, status: sleeping}]\n", "agents[0] (x)"),
    ("agents: [{name: no id}]\n", "needs an 'id'"),
    ("people: []\n", "unknown section"),
    ("agents: [\n", "not valid YAML"),
    ("settings: {sticky_days: 1000}\n", "settings"),
])
def test_a_bad_directory_file_is_refused_whole_saying_where(db_url, client, tmp_path, text, complaint):
    path = tmp_path / "dir.yaml"
    path.write_text("teams: [{id: ok, name: OK}]\n" + text if not text.startswith("teams") else text)
    result = run(db_url, "directory", "load", str(path))
    assert result.exit_code != 0 and complaint in result.output
    assert client.api("GET", "/api/teams").get_json() == []
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


@pytest.mark.parametrize("args", [("directory", "load", str(EXAMPLE)), ("outbox", "retry")])
def test_a_command_on_a_database_not_set_up_says_to_run_db_upgrade(tmp_path, args):
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, not a crash
    assert "run `stickybot db upgrade` first" in result.output and "Traceback" not in result.output
