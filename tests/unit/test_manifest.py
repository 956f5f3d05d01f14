"""The Slack app manifest offers what the code serves."""
from pathlib import Path

import yaml

from bot.slack.parser import HELP

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())


def test_the_manifest_asks_for_the_scopes_the_app_uses():
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {"chat:write", "commands", "im:write", "users:read"}


def test_the_command_and_buttons_reach_the_slack_endpoint():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/sticky" and command["url"].endswith("/slack/events")
    assert MANIFEST["settings"]["interactivity"] == {"is_enabled": True,
                                                    "request_url": command["url"]}
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True


def test_every_usage_hint_word_is_a_command_the_help_knows():
    hint = MANIFEST["features"]["slash_commands"][0]["usage_hint"]
    for word in ("days", "check", "status", "online", "away", "offline", "why", "forget", "help"):
        assert word in hint and f"/sticky {word}" in HELP
