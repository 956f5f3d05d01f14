"""Outside strings in Slack text follow Slack's rules: `&`, `<`, `>` escaped in mrkdwn blocks, in the
notification `text`, and in `/sticky` answers; links only to web addresses, which can never close early."""
from __future__ import annotations

import json
import re

import pytest

from bot.slack import words
from bot.slack.parser import parse
from integrations.slack import blocks
from integrations.slack.mrkdwn import escape, link, safe_url

HOSTILE = "<!channel> & <@U0ADMIN> <https://evil.example|click>"
ESCAPED = "&lt;!channel&gt; &amp; &lt;@U0ADMIN&gt; &lt;https://evil.example|click&gt;"
LINK = re.compile(r"<([^<>|\s]+)\|([^<>]*)>")


def handoff(**fields) -> blocks.Handoff:
    base = dict(conversation_id="conv_1", decision_id=1, rule="default", reason="new customer",
                customer_id="cust_1", customer_name="Ada", url="https://help.example.com/c/1", team="billing",
                agent_id="alice")
    base.update(fields)
    return blocks.Handoff(**base)


def mrkdwn_of(message_blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in message_blocks if b["type"] == "section"]


def no_raw_angles(text: str) -> bool:
    """No `<` or `>` left but those of well-formed links."""
    return "<" not in LINK.sub("", text) and ">" not in LINK.sub("", text)


def test_escape_turns_the_three_characters_into_entities_and_leaves_the_rest():
    assert escape(HOSTILE) == ESCAPED
    assert escape("*bold* _it_ `code` ~x~ :smile:") == "*bold* _it_ `code` ~x~ :smile:"


@pytest.mark.parametrize("build", [blocks.handoff, blocks.queue_notice])
@pytest.mark.parametrize("field", ["customer_name", "customer_id", "conversation_id", "reason", "team", "agent_id"])
def test_an_outside_string_never_reaches_slack_as_markup(build, field):
    text, message_blocks = build(handoff(**{field: HOSTILE}))
    for shown in [text, *mrkdwn_of(message_blocks)]:
        assert "<!channel>" not in shown and "<@U0ADMIN>" not in shown
        assert no_raw_angles(shown), shown


def test_the_notification_text_of_a_handoff_is_escaped():
    text, _ = blocks.handoff(handoff(customer_name="<!channel> & co"))
    assert text.startswith("New conversation for you: &lt;!channel&gt; &amp; co")


def test_released_text_and_blocks_are_escaped():
    text, message_blocks = blocks.released("<!here>", "went to <@U1>")
    assert "<!here>" not in text and "<@U1>" not in text
    assert all(no_raw_angles(t) for t in [text, *mrkdwn_of(message_blocks)])


@pytest.mark.parametrize("url", ["https://help.example.com/c/1|Click here>", "https://x.example/<!channel>",
                                 "https://x.example/a b>c|d", "https://x.example/?q=\"'`{}^\\"])
def test_a_url_can_never_close_its_link_early(url):
    shown = link(url, "Open conversation c1")
    assert LINK.fullmatch(shown), shown
    assert shown.endswith("|Open conversation c1>")


def test_an_ampersand_in_a_url_is_sent_as_an_entity_and_percent_escapes_stay_single():
    assert safe_url("https://x.example/c?a=1&b=%7C") == "https://x.example/c?a=1&amp;b=%7C"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "mailto:a@b.c", "ftp://x.example/",
                                 "//x.example/c", "https://", "", None, "http://[bad"])
def test_only_web_addresses_become_links(url):
    assert link(url, "Open") is None
    _, message_blocks = blocks.handoff(handoff(url=url))
    assert "Conversation `conv_1`" in mrkdwn_of(message_blocks)


def test_the_release_button_value_keeps_the_raw_id_for_our_own_use():
    _, message_blocks = blocks.handoff(handoff(conversation_id="a<b"))
    button = message_blocks[-1]["elements"][0]
    assert json.loads(button["value"])["c"] == "a<b"


# --- /sticky answers ----------------------------------------------------------------------------

def test_why_escapes_ids_agents_and_reasons():
    answer = words.why({"conversation": HOSTILE, "status": "assigned", "agent": HOSTILE, "decisions": [
        {"at": "2026-11-24T10:00:00Z", "agent": HOSTILE, "rule": "default", "reason": HOSTILE}]})
    assert "<" not in answer and ">" not in answer and answer.count(ESCAPED) == 4


def test_status_escapes_agent_ids_and_slack_errors():
    answer = words.status({"sticky_days": 7, "availability_check": True, "drain_unassigned": True,
                           "sticky_wait_minutes": 0, "claim_minutes": 0, "held": 0,
                           "online": [HOSTILE], "open_load": {HOSTILE: 2}, "queue": 0, "links": 0,
                           "failed_deliveries": 0, "outbox_backlog": 0, "slack_alarm": {HOSTILE: 1}})
    assert "<" not in answer and ">" not in answer and answer.count(ESCAPED) == 3


@pytest.mark.parametrize("answer", [lambda: words.no_conversation(HOSTILE), lambda: words.no_customer(HOSTILE),
                                    lambda: words.forgotten(HOSTILE, 2), lambda: words.refused(HOSTILE)],
                         ids=["no_conversation", "no_customer", "forgotten", "refused"])
def test_answers_naming_what_was_asked_for_escape_it(answer):
    shown = answer()
    assert ESCAPED in shown and "<!channel>" not in shown


@pytest.mark.parametrize("text", ["days <!channel>", "<!channel> & more"])
def test_sticky_errors_that_repeat_the_command_escape_it(text):
    error = parse(text).error
    assert "<!channel>" not in error and "&lt;!channel&gt;" in error


def test_a_first_contact_reads_new_and_any_other_default_pick_reads_its_reason_escaped():
    assert blocks.rule_in_words(handoff()) == "new for team billing, and you had the lightest load"
    text = " ".join(mrkdwn_of(blocks.handoff(handoff(first_contact=False, reason=HOSTILE))[1]))
    assert ESCAPED in text and "<!channel>" not in text and "new for team" not in text
