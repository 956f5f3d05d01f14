"""Zammad's formats, without a database or HTTP: a snapshot read field by field, what a snapshot says happened
against what stickybot saw last, and a roster from users, roles and groups."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.service.zammad import sightings
from bot.service.zammad_writeback import roster_of, seen_of
from bot.store import Conversation, ConversationStatus, Seen
from integrations.helpdesk import Contact, What
from integrations.zammad import webhook
from integrations.zammad.webhook import Article, Ticket
from tests.zammadkit import sample, snapshot

AT = datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc)


# --- reading a snapshot -----------------------------------------------------------------------------------

def test_the_samples_read_as_zammad_meant_them():
    created = webhook.read(sample("webhook_ticket_created"))
    t = created.ticket
    assert (t.id, t.number, t.owner, t.group, t.state, t.closed) == (118, "31118", None, (2, "Billing"), "new", False)
    assert (t.customer.id, t.customer.name, t.customer.email) == ("42", "Maria Silva", "maria@example.com")
    assert (created.article.id, created.article.sender, created.article.internal) == (901, "Customer", False)
    assert webhook.read(sample("webhook_ticket_state_closed")).article is None  # "article": {}
    assert webhook.read(sample("webhook_article_internal_note")).article.internal is True


@pytest.mark.parametrize("state, closed", [("closed", True), ("merged", True), ("Closed", True), ("open", False),
                                           ("new", False), ("pending reminder", False), ("pending close", False)])
def test_closed_and_merged_states_are_closed_and_pending_ones_are_open(state, closed):
    assert Ticket(1, AT, state=state).closed is closed


@pytest.mark.parametrize("field, value", [
    ("ticket.owner_id", "7"), ("ticket.owner_id", True), ("ticket.id", 2**31), ("ticket.group_id", 2.5),
    ("ticket.updated_at", "yesterday"), ("ticket.updated_at", 1781690400), ("ticket.state", ["open"]),
    ("ticket.customer.email", {"x": 1}), ("ticket.customer", "Maria"), ("ticket.group.name", "Bil\u0000ling"),
    ("article", []), ("article.internal", "false"), ("article.created_by_id", 0), ("ticket", 5)])
def test_a_field_zammad_never_sends_like_that_is_unfit_naming_it(field, value):
    payload = sample("webhook_ticket_created")
    *parents, last = field.split(".")
    target = payload
    for key in parents:
        target = target[key]
    target[last] = value
    with pytest.raises(webhook.Unfit) as raised:
        webhook.read(payload)
    assert raised.value.details[0]["field"] == field


@pytest.mark.parametrize("payload, words", [({}, "no ticket"), ({"ticket": None}, "no ticket"),
                                            ({"ticket": {"id": 5}}, "no id or no updated_at")])
def test_a_body_without_a_ticket_is_nothing_to_read(payload, words):
    found = webhook.read(payload)
    assert found.ticket is None and words in found.reason


@pytest.mark.parametrize("payload, field", [([], "(body)"), ("ticket", "(body)"), (5, "(body)"), (None, "(body)"),
                                            ({"ticket": None, "article": [None]}, "article")])
def test_a_body_that_is_not_zammads_shape_is_unfit_even_without_a_ticket(payload, field):
    with pytest.raises(webhook.Unfit) as raised:
        webhook.read(payload)
    assert raised.value.details[0]["field"] == field


# --- what a snapshot says happened ------------------------------------------------------------------------

def conv(status=ConversationStatus.ASSIGNED) -> Conversation:
    return Conversation("zammad:118", "zammad:42", status, "ana", "billing", channel="zammad")


def said(ticket: Ticket, article: Article | None = None, known=None, seen=None) -> list[tuple[What, str]]:
    return [(s.what, keys[0]) for s, keys in sightings(ticket, article, known, seen, "https://z.example")]


T = Ticket(118, AT + timedelta(hours=1), AT, "31118", None, 7, (2, "Billing"), "open", 7)


@pytest.mark.parametrize("ticket, known, seen, what", [
    (T, conv(), Seen(AT, 7, 2), None),                                               # nothing changed
    (Ticket(**{**T.__dict__, "state": "closed"}), conv(), Seen(AT, 7, 2), What.RESOLVED),
    (Ticket(**{**T.__dict__, "state": "merged", "owner": None}), conv(), Seen(AT, 7, 2), What.RESOLVED),
    (Ticket(**{**T.__dict__, "state": "closed"}), conv(ConversationStatus.RESOLVED), Seen(AT, 7, 2), None),
    (T, conv(ConversationStatus.RESOLVED), Seen(AT, 7, 2), What.OPENED),              # Zammad kept the owner
    (Ticket(**{**T.__dict__, "state": "pending reminder"}), conv(ConversationStatus.RESOLVED), Seen(AT, 7, 2),
     What.OPENED),
    (Ticket(**{**T.__dict__, "owner": 3}), conv(), Seen(AT, 7, 2), What.ASSIGNED),
    (Ticket(**{**T.__dict__, "owner": None}), conv(), Seen(AT, 7, 2), What.UNASSIGNED),
    (Ticket(**{**T.__dict__, "owner": 3}), conv(), Seen(T.updated_at, 7, 2), None),  # not newer than applied
    (Ticket(**{**T.__dict__, "owner": 3}), conv(), Seen(T.updated_at + timedelta(seconds=1), 7, 2), None),
])
def test_a_known_tickets_state_change_is_read_against_what_stickybot_saw_last(ticket, known, seen, what):
    found = said(ticket, None, known, seen)
    assert found == ([] if what is None else [(what, "zammad:ticket:118@2026-06-15T10:00:00Z")])


def test_a_ticket_stickybot_has_not_seen_is_created_with_its_article_as_part_of_it():
    ticket = Ticket(**{**T.__dict__, "customer": Contact("42", "Maria Silva", "maria@example.com")})
    found = sightings(ticket, Article(901, "Customer", False, 42, AT), None, None, "https://z.example")
    (s, keys), = found
    assert (s.what, s.assignee, s.team, s.occurred_at, s.label) == (What.CREATED, 7, (2, "Billing"), AT,
                                                                    "Ticket#31118")
    assert keys == ("zammad:ticket:118@2026-06-15T10:00:00Z", "zammad:article:901")
    assert s.url == "https://z.example/#ticket/zoom/118" and s.customer.id == "zammad:42"


def test_an_unseen_closed_ticket_is_ignored():
    (s, _), = sightings(Ticket(**{**T.__dict__, "state": "closed"}), None, None, None, None)
    assert s.what == What.IGNORE


@pytest.mark.parametrize("article, expected", [
    (Article(902, "Customer", False, 42, AT), (What.MESSAGE, None)),
    (Article(902, "Agent", False, 7, AT), (What.MESSAGE, 7)),
    (Article(902, "Agent", True, 7, AT), None),
    (Article(902, "System", False, None, AT), None),
])
def test_articles_customers_write_and_agents_public_replies_are_messages(article, expected):
    found = [(s.what, s.reply_by) for s, keys in sightings(T, article, conv(), Seen(T.updated_at, 7, 2), None)]
    assert found == ([] if expected is None else [expected])


def test_an_article_in_a_newer_snapshot_comes_after_the_tickets_own_change():
    closed = Ticket(**{**T.__dict__, "state": "closed"})
    found = said(closed, Article(902, "Agent", False, 7, AT), conv(), Seen(AT, 7, 2))
    assert found == [(What.RESOLVED, "zammad:ticket:118@2026-06-15T10:00:00Z"), (What.MESSAGE, "zammad:article:902")]


# --- the roster and the answer to a write -----------------------------------------------------------------

def test_the_roster_is_agents_by_role_and_members_by_full_access():
    users = [{"id": 1, "email": "", "active": False, "role_ids": [2]},
             {"id": 7, "email": "ana@x.example", "firstname": "Ana", "lastname": "Souza", "active": True,
              "role_ids": [2], "group_ids": {"2": ["full"], "3": ["read"]}},
             {"id": 8, "email": "beto@x.example", "active": True, "role_ids": [5], "group_ids": {}},
             {"id": 12, "email": "bot@x.example", "active": True, "role_ids": [2], "group_ids": {"2": ["full"]}},
             {"id": 42, "email": "maria@example.com", "active": True, "role_ids": [3]}]
    roles = [{"id": 2, "permissions": ["ticket.agent"], "group_ids": {}},
             {"id": 3, "permissions": ["ticket.customer"]},
             {"id": 5, "permissions": ["ticket.agent"], "group_ids": {"3": ["full"]}}]
    groups = [{"id": 2, "name": "Billing"}, {"id": 3, "name": "Billing::Refunds"},
              {"id": 4, "name": "Old", "active": False}]
    roster = roster_of(users, roles, groups, me=12)
    assert [(p.user_id, p.email, p.name, p.status) for p in roster.people] == \
        [(7, "ana@x.example", "Ana Souza", None), (8, "beto@x.example", "beto@x.example", None)]
    assert [(g.group_id, g.name, g.members) for g in roster.groups] == [(2, "Billing", (7,)),
                                                                       (3, "Billing::Refunds", (8,))]


def test_the_answer_to_a_write_says_what_zammad_has_now():
    answer = sample("put_ticket_response")
    assert seen_of(answer) == Seen(datetime(2026, 6, 15, 9, 12, 41, 207000, tzinfo=timezone.utc), 7, 2)
    assert seen_of({**answer, "owner_id": 1}).owner is None
    assert seen_of({"owner_id": 7}) is None


def test_the_snapshot_builder_keeps_zammads_key_order():
    changed = snapshot("webhook_ticket_created", ticket={"owner_id": 7})
    assert list(changed["ticket"])[-1] == "organization" and changed["ticket"]["owner"]["id"] == 7
    assert list(changed["article"])[-1] == "accounted_time"
