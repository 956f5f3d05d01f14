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
