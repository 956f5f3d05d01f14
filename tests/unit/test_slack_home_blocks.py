"""The App Home's pure pieces: spans of time as an agent reads them, and the view's Block Kit (escaped, within
Slack's limits)."""
from datetime import datetime, timezone

import pytest

from integrations.slack.home import (AbsenceLine, AgentLine, ConversationLine, Home, absence_from_view, absence_modal,
                                     home_view)
from integrations.slack.when import span


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("start,end,zone,words", [
    ("2026-12-19T23:00:00Z", "2026-12-31T23:00:00Z", "Europe/Berlin", "Sun 20 Dec – Thu 31 Dec (Europe/Berlin)"),
    ("2026-12-19T23:00:00Z", "2026-12-20T23:00:00Z", "Europe/Berlin", "Sun 20 Dec (Europe/Berlin)"),
    ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", "Europe/Berlin", "Sun 29 Mar (Europe/Berlin)"),  # 23 h long
    ("2026-12-20T13:00:00Z", "2026-12-21T08:00:00Z", "Europe/Berlin", "Sun 20 Dec 14:00 – Mon 21 Dec 09:00 "
                                                                      "(Europe/Berlin)"),
    ("2026-12-20T13:00:00Z", "2026-12-20T15:30:00Z", "Asia/Kolkata", "Sun 20 Dec 18:30 – 21:00 (Asia/Kolkata)"),
    ("2026-12-20T13:00:00Z", None, "UTC", "from Sun 20 Dec 13:00, no end set (UTC)"),
])
def test_a_span_reads_as_whole_days_when_it_runs_midnight_to_midnight(start, end, zone, words):
    assert span(z(start), z(end) if end else None, zone) == words


def test_the_home_escapes_every_outside_string_and_stays_within_slacks_limits():
    lines = [ConversationLine(f"c{n}", "<!channel>", "<@U1> & co", "javascript:alert(1)") for n in range(40)]
    view = home_view(Home(agent="<b>", state="available", why="<!here>", week=[("Mon 7 Dec", ["on duty"])],
                          absences=[AbsenceLine(n, "x", ("<@U9>",), "<!everyone>") for n in range(15)],
                          open=lines, held=lines, everyone=[AgentLine("<!here>", "away", "&") for _ in range(80)],
                          at=z("2026-12-07T10:00:00Z")))
    text = str(view)
    assert "<!channel>" not in text and "<!here>" not in text and "<@U1>" not in text and "<!everyone>" not in text
    assert "javascript" not in text  # not a web address: no link made of it
    assert len(view["blocks"]) <= 100
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b.get("text", {}).get("type") == "mrkdwn")
    assert "_and 20 more_" in text and "_and 30 more_" in text


def test_the_modal_asks_for_dates_cover_and_note_and_its_form_is_read_back():
    modal = absence_modal("Europe/Berlin", "2026-12-07", ["U_BOB"])
    assert [b.get("block_id") for b in modal["blocks"]] == ["start", "end", "cover", "note", None]
    state = {"values": {"start": {"date": {"selected_date": "2026-12-20"}}, "end": {"date": {"selected_date": None}},
                        "cover": {"users": {"selected_users": ["U1", 7]}}, "note": {"text": {"value": "  "}}}}
    assert absence_from_view({"state": state}) == {"start": "2026-12-20", "end": None, "cover": ["U1"], "note": None}
    assert absence_from_view({}) == {"start": None, "end": None, "cover": [], "note": None}
