"""The Slack app manifests (HTTP and Socket Mode) offer exactly what the code serves: the events it registers
listeners for, the scopes of the Web API methods it calls and of those events, the /sticky commands it knows,
the Home tab."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from slack_sdk import WebClient

from bot.config import Config
from bot.slack import actions, commands, events, home
from bot.slack.parser import HELP

ROOT = Path(__file__).resolve().parents[2]
HTTP = yaml.safe_load((ROOT / "manifest.yml").read_text())
SOCKET = yaml.safe_load((ROOT / "manifest.socket.yml").read_text())

# Slack's documented scopes for what stickybot calls and listens to (None: the bot token needs none).
METHOD_SCOPES = {"chat.postMessage": "chat:write", "chat.update": "chat:write", "users.info": "users:read",
                 "views.publish": None, "views.open": None}
EVENT_SCOPES = {"app_home_opened": None, "user_status_changed": "users:read", "user_change": "users:read",
                "dnd_updated_user": "dnd:read"}
COMMANDS = ("help", "status", "online", "away", "offline", "back", "absences", "absence", "take", "why", "preview",
            "stats", "days", "check", "wait", "claim", "handover", "forget")


class Recorder:
    """Stands in for bolt's App: records what each listener module registers."""

    def __init__(self):
        self.events, self.actions, self.commands, self.views = set(), set(), set(), set()

    def _into(self, found: set, name):
        found.add(str(name))
        return lambda function: function

    def event(self, name):
        return self._into(self.events, name)

    def action(self, name):
        return self._into(self.actions, name)

    def command(self, name):
        return self._into(self.commands, name)

    def view(self, name):
        return self._into(self.views, name)


@pytest.fixture(scope="module")
def registered() -> Recorder:
    app, rt = Recorder(), SimpleNamespace(config=Config())
    for module in (commands, actions, events, home):
        module.register(app, rt)
    return app


def web_api_methods() -> set[str]:
    """The Slack Web API methods stickybot's code calls: every WebClient method named in bot/ or integrations/."""
    found = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")]:
        for name in set(re.findall(r"\b([a-z]+_[a-zA-Z_]+)\b", path.read_text())):
            doc = getattr(getattr(WebClient, name, None), "__doc__", None) or ""
            method = re.search(r"reference/methods/([a-zA-Z.]+)", doc)
            if method:
                found.add(method[1])
    return found


@pytest.mark.parametrize("manifest", [HTTP, SOCKET], ids=["http", "socket"])
def test_the_manifest_subscribes_to_exactly_the_events_the_app_listens_to(manifest, registered):
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == registered.events == set(events.EVENTS)
    assert "user_events" not in manifest["settings"]["event_subscriptions"]


def test_the_code_calls_only_methods_whose_scopes_are_known():
    used = web_api_methods()
    assert used == set(METHOD_SCOPES), "a Slack method is called that METHOD_SCOPES (and the manifest) lacks"


@pytest.mark.parametrize("manifest", [HTTP, SOCKET], ids=["http", "socket"])
def test_the_manifest_asks_for_exactly_the_scopes_of_what_is_called_and_listened_to(manifest, registered):
    needed = {METHOD_SCOPES[m] for m in web_api_methods()} | {EVENT_SCOPES[e] for e in registered.events}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == ({"commands"} | needed) - {None}
    assert {"users:read", "dnd:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])  # CONTRACT.md 9.4


@pytest.mark.parametrize("manifest", [HTTP, SOCKET], ids=["http", "socket"])
def test_the_command_lists_todays_commands_and_sends_mentions_as_slack_ids(manifest, registered):
    (command,) = manifest["features"]["slash_commands"]
    assert {command["command"]} == registered.commands == {"/sticky"}
    for word in COMMANDS:
        assert re.search(rf"\b{word}\b", command["usage_hint"]), word
        assert re.search(rf"\b{word}\b", command["description"]), word
        assert f"/sticky {word}" in HELP
    assert "away FROM TO" in command["usage_hint"] and "absence @agent FROM TO" in command["usage_hint"]
    assert len(command["usage_hint"]) <= 1000 and len(command["description"]) <= 2000
    assert command["should_escape"] is True


@pytest.mark.parametrize("manifest", [HTTP, SOCKET], ids=["http", "socket"])
def test_the_home_tab_and_interactivity_are_on(manifest, registered):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert registered.views == {"sticky_absence_modal"}
    assert registered.actions == {"sticky_release", "sticky_take", "sticky_home_add_absence",
                                  "sticky_home_end_absence"}


def test_over_http_slack_posts_everything_to_the_one_endpoint():
    urls = {HTTP["features"]["slash_commands"][0]["url"], HTTP["settings"]["interactivity"]["request_url"],
            HTTP["settings"]["event_subscriptions"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert HTTP["settings"]["socket_mode_enabled"] is False


def test_over_socket_mode_there_is_no_request_url_and_otherwise_the_same_app():
    assert SOCKET["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in str(SOCKET) and "url" not in SOCKET["features"]["slash_commands"][0]

    def without_urls(m: dict) -> dict:
        text = yaml.safe_dump(m)
        return yaml.safe_load(re.sub(r"\n *(request_url|url): .*", "", text).replace("socket_mode_enabled: true",
                                                                                     "socket_mode_enabled: false"))
    assert without_urls(SOCKET) == without_urls(HTTP)


def test_the_documented_home_view_is_in_the_shape_the_code_publishes():
    import json

    from integrations.slack.home import Home, HomeAction, home_view
    example = json.loads((ROOT / "docs" / "slack-home.json").read_text())
    built = home_view(Home(agent="alice", state="absent", why="absent"))
    headers = lambda view: [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]  # noqa: E731
    assert example["type"] == "home" and headers(example) == headers(built)
    actions = {e["action_id"] for b in example["blocks"] for e in [b.get("accessory", {})] + b.get("elements", [])
               if isinstance(e, dict) and "action_id" in e}
    assert actions == {str(a) for a in HomeAction}
