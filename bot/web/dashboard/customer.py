"""A customer: the sticky link and blocks, where a conversation would go now, and link care."""
from __future__ import annotations

from typing import Annotated

from flask import redirect, request, url_for
from pydantic import Field, StringConstraints

from ...errors import StickyError
from ...runtime import runtime
from ...service import customers, directory, paging
from ..params import Query, absent, read_query
from .base import bp, by, check_id, now, page, read, write
from .words import NOTICES

FOUND = 10  # agents a search for one to block shows


@bp.get("/customers")
def find_customer():
    """The look-up form: to the customer's page."""
    wanted = check_id(request.args.get("id", "").strip(), "customer id")
    return redirect(url_for("dashboard.customer", customer_id=wanted), code=303)


class FindQuery(Query):
    find: Annotated[str, StringConstraints(max_length=paging.MAX_SEARCH)] = Field(None, json_schema_extra=absent)


def _customer(customer_id: str, team: str | None, errors: dict) -> dict:
    at = now()
    wanted = paging.parse_search(read_query(FindQuery).find if request.method == "GET" else None)

    def work(store):
        found = {"customer": customers.customer(store, customer_id, at), "teams": directory.team_names(store),
                 "team": team or "", "preview": None, "find": wanted or "", "found": None}
        if wanted:
            found["found"] = directory.agents_page(store, at, FOUND, search=wanted, active_only=True)
        try:
            found["preview"] = customers.preview(store, customer_id, team, at)
        except StickyError as exc:
            errors["preview"] = exc
        return found
    return read(work)


def _page(customer_id: str, status: int = 200, errors: dict | None = None, team: str | None = None):
    errors = {} if errors is None else errors
    found = _customer(customer_id, team, errors)
    if errors.get("preview") is not None and status == 200:
        status = errors["preview"].status
    return page("customer.html", status, **found, errors=errors, notice=NOTICES.get(request.args.get("done", "")))


@bp.get("/customers/<id:customer_id>")
def customer(customer_id):
    team = request.args.get("team", "").strip() or None
    if team is not None:
        check_id(team, "team")
    return _page(customer_id, team=team)


def _act(customer_id: str, form: str, work, done: str):
    """Run one change; back to the page with a notice, or with the use-case's error next to the form."""
    try:
        work()
    except StickyError as exc:
        return _page(customer_id, exc.status, errors={form: exc})
    return redirect(url_for("dashboard.customer", customer_id=customer_id, done=done), code=303)


@bp.post("/customers/<id:customer_id>/link/break")
def break_link(customer_id):
    who = by()
    return _act(customer_id, "link", lambda: write(lambda s: customers.break_link(s, customer_id, who)),
                "unlinked")


@bp.post("/customers/<id:customer_id>/blocks")
def block(customer_id):
    agent, who = request.form.get("agent", ""), by()

    def work():
        check_id(agent, "agent")
        write(lambda s: customers.block(s, customer_id, agent, who))
    return _act(customer_id, "block", work, "blocked")


@bp.post("/customers/<id:customer_id>/blocks/<id:agent_id>/remove")
def unblock(customer_id, agent_id):
    who = by()
    return _act(customer_id, "blocks", lambda: write(lambda s: customers.unblock(s, customer_id, agent_id, who)),
                "unblocked")


@bp.post("/customers/<id:customer_id>/forget")
def forget(customer_id):
    """Only with the customer's id typed again: forgetting cannot be undone."""
    def work():
        if request.form.get("confirm", "") != customer_id:
            raise StickyError(f"type the customer id ({customer_id}) exactly to confirm; nothing was forgotten",
                              status=422)
        customers.erase(runtime().db, customer_id, by())
    return _act(customer_id, "forget", work, "forgotten")
