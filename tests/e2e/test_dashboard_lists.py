"""Pages that stay small as the team grows: each agent's state on the overview, and every long list (agents,
the queue, held conversations, agents to block) a page at a time or by search, computing only what is shown."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.store import AgentRecord, Conversation, ConversationStatus, SqlStore, TeamRecord
from bot.store.stats import StatsStatements
from routing import Status
from tests.e2e.test_dashboard import Dashboard, text_of

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def dash(app) -> Dashboard:
    dash = Dashboard(app.test_client())
    assert dash.sign_in().status_code == 303
    return dash


def db_of(app):
    return app.extensions["stickybot"].db


def many_agents(app, count: int) -> None:
    def work(store):
        store.save_team(TeamRecord("billing", "Billing"))
        for n in range(count):
            store.save_agent(AgentRecord(f"agent{n:03d}", f"Agent Number {n}", email=f"a{n}@example.com",
                                         status=Status.AWAY))
            store.set_memberships(f"agent{n:03d}", ["billing"])
    db_of(app).transact(work)


def waiting(app, count: int, status=ConversationStatus.UNASSIGNED) -> None:
    def work(store):
        for n in range(count):
            at = NOW - timedelta(minutes=count - n)
            store.save_conversation(Conversation(f"{status}{n:03d}", f"cust{n}", status, agent_id="agent000"
                                                 if status == ConversationStatus.HELD else None, created_at=at,
                                                 queued_at=at, queue_seq=n + 1, held_since=at,
                                                 held_until=at + timedelta(hours=1), stored=False))
    db_of(app).transact(work)


def rows(html: str, table_class: str | None = None) -> int:
    body = html.split('<table class="agents">')[1] if table_class else html
    return body.split("</table>")[0].count("<tr>") - 1  # the header's row


def test_the_overview_shows_each_agents_state_with_why_and_links_to_its_page(dash, client):
    client.agent("alice", "billing")
    client.agent("bob", "billing", status="away")
    client.agent("carol", "billing", max_open=1)
    client.agent("dan", "billing", status="offline")
    client.agent("erin", "billing")
    client.api("PATCH", "/api/agents/erin", {"time_zone": "Asia/Tokyo", "hours": {"sat": [["09:00", "17:00"]]}})
    client.agent("fay", "billing")
    client.api("POST", "/api/agents/fay/absences", {"start": "2026-12-07", "end": "2026-12-08", "cover": ["bob"]})
    client.event(conversation="c1", customer="ada", assign={"agent": "carol"}, at="2026-12-07T11:00:00Z")
    client.agent("gus", "billing")
    client.api("DELETE", "/api/agents/gus")
    page = text_of(dash.get("/"))
    for expected in ("Alice alice billing 0 / ∞ available online", "Bob bob billing 0 / ∞ away status away",
                     "Carol carol billing 1 / 1 full at capacity (1/1 open)", "Dan dan billing 0 / ∞ offline status "
                     "offline", "Erin erin billing 0 / ∞ off duty off duty until Sat 09:00 Asia/Tokyo",
                     "Fay fay billing 0 / ∞ absent absent through 8 Dec; bob covers", "Agents (6 active)"):
        assert expected in page, expected
    assert "Gus" not in page
    assert '<a href="/agents/alice">Alice</a>' in dash.get("/").text
    everyone = text_of(dash.get("/agents?deactivated=1"))
    assert "Gus gus billing 0 / ∞ deactivated deactivated" in everyone and "Agents (7, by id)" in everyone


def test_the_agents_list_pages_by_id_keeps_its_search_and_the_overview_shows_only_the_first(app, dash):
    many_agents(app, 120)
    overview = dash.get("/")
    assert rows(overview.text, "agents") == 20 and "The first 20 of 120, by id" in text_of(overview)
    first = dash.get("/agents")
    assert rows(first.text, "agents") == 50 and "agent049" in first.text and "agent050" not in first.text
    cursor = re.search(r'href="/agents\?cursor=([^"&]+)">Next page', first.text).group(1)
    second = dash.get(f"/agents?cursor={cursor}")
    assert "agent050" in second.text and "agent099" in second.text and "agent049" not in second.text
    assert 'href="/agents">First page' in second.text
    cursor = re.search(r'href="/agents\?cursor=([^"&]+)">Next page', second.text).group(1)
    third = dash.get(f"/agents?cursor={cursor}")
    assert rows(third.text, "agents") == 20 and "Next page" not in third.text
    found = dash.get("/agents?q=NUMBER+11")  # names, in any case: 11, 110-119
    assert rows(found.text, "agents") == 11 and "Agents (11 active matching “NUMBER 11”, by id)" in text_of(found)
    assert rows(dash.get("/agents?q=A7@example").text, "agents") == 1  # e-mails: a7@, not a70@
    assert "No agent's id, name or e-mail contains “zzz”." in text_of(dash.get("/agents?q=zzz"))


def test_a_status_set_on_a_list_page_returns_to_that_page_with_its_search(app, dash, client):
    many_agents(app, 3)
    r = dash.submit("/agents/agent001/status", status="online", back="agents", q="Number", cursor="")
    assert (r.status_code, r.headers["Location"]) == (303, "/agents?done=status&q=Number")
    assert client.api("GET", "/api/agents/agent001").get_json()["status"] == "online"
    bad = dash.submit("/agents/agent002/status", status="asleep", back="agents", q="Number")
    assert bad.status_code == 422 and 'id="status-error-3"' in bad.text and "Agents (3 active matching" in text_of(bad)


@pytest.mark.parametrize("path", ["/agents?cursor=nonsense", "/queue?cursor=nonsense", "/held?cursor=x",
                                  "/agents?q=" + "x" * 101, "/agents?q=a%00b", "/agents?q=a&q=b",
                                  "/agents?deactivated=yes", "/queue?cursor=a&cursor=b",
                                  "/customers/ada?find=a&find=b", "/customers/ada?find=" + "x" * 101])
def test_a_cursor_never_given_a_search_too_long_or_a_repeated_parameter_gets_a_page_that_says_so(dash, path):
    r = dash.get(path)
    assert r.status_code == 422 and "text/html" in r.content_type


def test_a_queue_cursor_does_not_open_the_held_list(dash, app):
    waiting(app, 60)
    cursor = re.search(r'href="/queue\?cursor=([^"&]+)"', dash.get("/queue").text).group(1)
    assert dash.get(f"/held?cursor={cursor}").status_code == 422


def test_the_queue_and_the_held_list_come_a_page_at_a_time_the_overview_shows_their_head(app, dash):
    waiting(app, 60)
    waiting(app, 12, ConversationStatus.HELD)
    overview = dash.get("/")
    queue_part = overview.text.split('id="queue-h"')[1].split("</section>")[0]
    assert queue_part.count("/conversations/unassigned") == 10 and "unassigned009" in queue_part
    assert "The 10 oldest of 60 are shown" in text_of(overview) and 'href="/queue"' in overview.text
    assert "The 10 longest waiting of 12 are shown" in text_of(overview) and 'href="/held"' in overview.text
    first = dash.get("/queue")
    assert first.text.count('href="/conversations/unassigned') == 50 and "Unassigned queue (60, oldest first)" in \
        text_of(first)
    cursor = re.search(r'href="/queue\?cursor=([^"&]+)">Next page', first.text).group(1)
    second = dash.get(f"/queue?cursor={cursor}")
    shown = re.findall(r'href="/conversations/(unassigned\d+)"', second.text)
    assert shown == [f"unassigned{n:03d}" for n in range(50, 60)] and "Next page" not in second.text
    held = dash.get("/held")
    assert held.text.count('href="/conversations/held') == 12 and "Next page" not in held.text
    assert 'href="/agents/agent000">agent000</a>' in held.text


def test_an_agent_to_block_is_found_by_search_never_from_a_list_of_everyone(app, dash, client):
    many_agents(app, 30)
    client.api("PUT", "/api/customers/ada/blocks/agent003")
    page = dash.get("/customers/ada")
    assert "agent010" not in page.text and 'name="find"' in page.text
    found = dash.get("/customers/ada?find=number+1")  # 1, 10-19: eleven, ten shown
    shown = re.findall(r'<input type="hidden" name="agent" value="([^"]+)">', found.text)
    assert shown == ["agent001"] + [f"agent{n:03d}" for n in range(10, 19)]
    assert "1 more active agents match" in text_of(found)
    marked = dash.get("/customers/ada?find=agent003")
    assert "(blocked)" in text_of(marked) and 'name="agent" value="agent003"' not in marked.text
    assert "No active agent's id, name or e-mail contains “nobody”." in text_of(dash.get("/customers/ada?find=nobody"))
    r = dash.submit("/customers/ada/blocks", agent="agent011")
    assert r.status_code == 303
    assert client.api("GET", "/api/customers/ada").get_json()["blocked_agents"] == ["agent003", "agent011"]


def test_no_page_reads_every_agent_or_the_whole_queue_or_groups_stats_by_agent_and_each_takes_its_turn(app, dash, client, monkeypatch):
    """What a page does not show is never computed: these reads would grow with the team and the backlog."""
    many_agents(app, 30)
    waiting(app, 30)
    waiting(app, 5, ConversationStatus.HELD)
    client.event(conversation="c1", customer="ada", assign={"agent": "agent001"}, at="2026-12-07T11:00:00Z")

    def refused(*args, **kwargs):
        raise AssertionError("a dashboard page read a whole list")
    for name in ("agents", "queue", "held"):
        monkeypatch.setattr(SqlStore, name, refused)
    grouped = []
    original = StatsStatements.stats_rows

    def stats_rows(self, since, **kw):
        grouped.append(kw.get("by"))
        return original(self, since, **kw)
    monkeypatch.setattr(StatsStatements, "stats_rows", stats_rows)
    turns = []
    monkeypatch.setattr(SqlStore, "one_at_a_time", lambda self, what: turns.append(what))
    paths = ("/", "/agents", "/agents/agent001", "/queue", "/held", "/stats", "/customers/ada",
             "/customers/ada?find=agent", "/conversations/c1", "/audit")
    for path in paths:
        assert dash.get(path).status_code == 200, path
    assert grouped == [frozenset(), frozenset({"day"})]  # the overview's total, the stats page's days
    assert turns == ["dashboard pages"] * len(paths)  # each page's reads wait their turn


def test_the_overview_stays_the_same_size_however_many_agents_and_conversations_wait(app, dash):
    many_agents(app, 20)
    small = len(dash.get("/").text)
    many_agents(app, 400)
    waiting(app, 400)
    waiting(app, 400, ConversationStatus.HELD)
    large = len(dash.get("/").text)
    assert large < small + 12_000  # the queue's and held list's heads, and the links to the rest


def test_a_search_is_shown_back_escaped_and_kept_in_the_forms_and_links(app, dash):
    many_agents(app, 60)
    hostile = '"><script>alert(1)</script>'
    for path in (f"/agents?q={hostile}", f"/customers/ada?find={hostile}"):
        r = dash.get(path.replace("#", "%23"))
        assert r.status_code == 200 and "<script>" not in r.text and "&lt;script&gt;" in r.text, path
    found = dash.get("/agents?q=agent0&deactivated=1")
    assert '<input type="hidden" name="q" value="agent0">' in found.text
    assert re.search(r'href="/agents\?cursor=[^"&]+&amp;q=agent0&amp;deactivated=1">Next page', found.text)
