"""The /sticky text parser."""
import pytest

from bot.slack.parser import Command, parse


@pytest.mark.parametrize("text,expected", [
    ("", Command("help")),
    ("help", Command("help")),
    ("days", Command("days")),
    ("days 7", Command("set_days", 7)),
    ("DAYS 0", Command("set_days", 0)),
    ("days 365", Command("set_days", 365)),
    ("check on", Command("check", True)),
    ("check OFF", Command("check", False)),
    ("status", Command("status")),
    ("online", Command("presence", "online")),
    ("away", Command("presence", "away")),
    ("offline", Command("presence", "offline")),
    ("why conv_77", Command("why", "conv_77")),
    ("forget cust_42", Command("forget", "cust_42")),
])
def test_commands_are_understood(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["days -1", "days 9999", "days 366", "days seven", "days 7.5", "days 7 8",
                                  "check maybe", "check", "why", "forget", "forget a b"])
def test_bad_input_says_what_to_type_instead(text):
    command = parse(text)
    assert command.error and "`/sticky" in command.error and command.value is None


def test_unknown_words_get_the_help():
    command = parse("dance now")
    assert command.name == "help" and "dance now" in command.error


# --- absences (CONTRACT.md 9.2) --------------------------------------------------------------------------------------

from bot.slack.parser import Absence  # noqa: E402


@pytest.mark.parametrize("text,expected", [
    ("away", Command("presence", "away")),  # bare: the old meaning, status away
    ("away 2026-12-20 2026-12-31", Command("away", Absence("2026-12-20", "2026-12-31"))),
    ("AWAY 2026-12-20 2026-12-20", Command("away", Absence("2026-12-20", "2026-12-20"))),
    ("away 2026-12-20 2026-12-31 cover <@U1|bob> <@U2>",
     Command("away", Absence("2026-12-20", "2026-12-31", ("U1", "U2")))),
    ("away 2026-12-20 2026-12-31 cover <@U1|bob> <@U1> holiday in Spain",
     Command("away", Absence("2026-12-20", "2026-12-31", ("U1",), "holiday in Spain"))),
    ("away 2026-12-20 2026-12-31 holiday", Command("away", Absence("2026-12-20", "2026-12-31", None, "holiday"))),
    ("away 2026-12-20 2026-12-31 COVER <@W9> x", Command("away", Absence("2026-12-20", "2026-12-31", ("W9",), "x"))),
    ("away 2026-12-20 2026-12-31 Tom &amp; Jerry &lt;3",
     Command("away", Absence("2026-12-20", "2026-12-31", None, "Tom & Jerry <3"))),
    ("back", Command("back")),
    ("absences", Command("absences")),
    ("absence <@UA|alice> 2026-12-20 2026-12-21", Command("absence", Absence("2026-12-20", "2026-12-21",
                                                                              agent="UA"))),
    ("absence <@UA> 2026-12-20 2026-12-21 cover <@UB|bob> flu",
     Command("absence", Absence("2026-12-20", "2026-12-21", ("UB",), "flu", "UA"))),
])
def test_absence_commands_are_understood(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text,hint", [
    ("away 2026-12-20", "first and the last day"),
    ("away tomorrow 2026-12-31", "first and the last day"),
    ("away 20-12-2026 31-12-2026", "first and the last day"),
    ("away 2026-12-20 2026-12-31 cover", "@mentions after `cover`"),
    ("away 2026-12-20 2026-12-31 cover bob", "@mentions after `cover`"),
    ("away 2026-12-20 2026-12-31 cover @bob", "@mentions after `cover`"),
    ("back now", "/sticky back"),
    ("absences all", "/sticky absences"),
    ("absence 2026-12-20 2026-12-21", "@mention first"),
    ("absence alice 2026-12-20 2026-12-21", "@mention first"),
    ("absence <@UA> 2026-12-20", "first and the last day"),
])
def test_bad_absence_commands_say_what_to_type(text, hint):
    command = parse(text)
    assert command.error and hint in command.error and command.value is None


def test_mentions_with_or_without_a_name_name_slack_ids():
    assert parse("absence <@U123|alice.smith> 2026-12-20 2026-12-21").value.agent == "U123"
    assert parse("absence <@U123> 2026-12-20 2026-12-21").value.agent == "U123"


def test_ids_arrive_without_slacks_entities():
    assert parse("why conv&amp;1").value == "conv&1" and parse("forget a&lt;b&gt;").value == "a<b>"


def test_the_help_lists_every_command():
    from bot.slack.parser import HELP
    for word in ("days", "check", "wait", "claim", "status", "online", "away", "offline", "take", "why", "preview",
                 "stats", "handover", "forget", "away FROM TO", "back", "absence @alice", "absences", "help"):
        assert f"/sticky {word}" in HELP
