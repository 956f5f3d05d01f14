"""Which Slack statuses say an agent is away, and reading an event's envelope (CONTRACT.md 9.4)."""
from datetime import datetime, timezone

import pytest

from bot.config import ABSENT_EMOJI, ABSENT_WORDS, Config, ConfigError
from bot.service.signals import AbsentStatus
from bot.slack.events import signal_of

DEFAULT = AbsentStatus(ABSENT_EMOJI, ABSENT_WORDS)


@pytest.mark.parametrize("emoji,text,absent", [
    (":palm_tree:", "", True),
    (":airplane:", None, True),
    (":face_with_thermometer:", "", True),
    (":beach_with_umbrella:", "", True),
    ("palm_tree", "", True),                      # without colons
    (":face_with_thermometer::skin-tone-2:", "", True),
    (":PALM_TREE:", "", True),
    (":coffee:", "", False),
    ("", "On vacation", True),
    ("", "on VACATION till Monday", True),
    ("", "Holiday!", True),
    ("", "OOO", True),
    ("", "out of office", True),
    ("", "Out   of\toffice until 3rd", True),         # the phrase, whatever the spaces
    ("", "sick", True),
    ("", "on leave", True),
    ("", "Leaving early", False),                       # `leave` is not a whole word here
    ("", "vacations planned", False),
    ("", "holidays", False),
    ("", "office hours", False),
    ("", "", False),
    (None, None, False),
])
def test_the_default_emoji_and_words_match_whole_words_case_insensitively(emoji, text, absent):
    assert DEFAULT.matches(emoji, text) is absent


def test_setting_a_list_replaces_its_default():
    config = Config.from_env({"STICKY_SLACK_ABSENT_EMOJI": ":mountain:, :tent:", "STICKY_SLACK_ABSENT_WORDS":
                              "parental leave,away"})
    assert config.slack_absent_emoji == (":mountain:", ":tent:")
    assert config.slack_absent_words == ("parental leave", "away")
    custom = AbsentStatus(config.slack_absent_emoji, config.slack_absent_words)
    assert custom.matches(":tent:", "") and custom.matches("", "Parental leave")
    assert not custom.matches(":palm_tree:", "vacation") and not custom.matches("", "leave")
    assert Config.from_env({}).slack_absent_words == ABSENT_WORDS


@pytest.mark.parametrize("env,dnd", [({}, True), ({"STICKY_SLACK_DND": "away"}, True),
                                     ({"STICKY_SLACK_DND": "IGNORE"}, False)])
def test_sticky_slack_dnd(env, dnd):
    assert Config.from_env(env).slack_dnd is dnd


def test_a_bad_sticky_slack_dnd_or_app_token_stops_with_what_to_set():
    with pytest.raises(ConfigError, match="STICKY_SLACK_DND"):
        Config.from_env({"STICKY_SLACK_DND": "maybe"})
    with pytest.raises(ConfigError, match="xapp-"):
        Config.from_env({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"})
    assert Config.from_env({"SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}).slack_app_token == "xapp-1-A1-2-abc"
    assert "xapp" not in repr(Config.from_env({"SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}))


@pytest.mark.parametrize("body,user,ok", [
    ({"event_id": "Ev1", "event_time": 1765100000}, "U1", True),
    ({"event_id": "Ev1", "event_time": "1765100000"}, "U1", False),
    ({"event_id": "Ev1", "event_time": True}, "U1", False),
    ({"event_id": "", "event_time": 1765100000}, "U1", False),
    ({"event_time": 1765100000}, "U1", False),
    ({"event_id": "Ev1", "event_time": 1765100000}, None, False),
    ({"event_id": "Ev1", "event_time": 1765100000}, {"id": "U1"}, False),
    ({"event_id": "E" * 65, "event_time": 1765100000}, "U1", False),
])
def test_an_events_envelope_gives_its_id_time_and_user(body, user, ok):
    found = signal_of(body, "status", user)
    assert (found is not None) is ok
    if ok:
        assert found.at == datetime.fromtimestamp(1765100000, timezone.utc) and found.event_id == "Ev1"
