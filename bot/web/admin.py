"""The admin API under /api, behind the bearer token."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from ..runtime import runtime
from ..service import audit, conversations, customers, directory, stats
from ..service.audit import By
from ..service.directory import AgentIn, Handover, SettingsIn, TeamIn
from . import admin_token, answers as out
from .declare import declare
from .params import AgentsQuery, AuditQuery, PageQuery, PreviewQuery, StatsQuery

bp = Blueprint("admin", __name__, url_prefix="/api")


@bp.before_request
def _authenticate():
    admin_token.require_bearer()


def _write(work):
    rt = runtime()
    result = rt.db.transact(work)
    rt.wake_deliverer()
    return result


def _read(work):
    return runtime().db.read(work)


def _now():
    return runtime().clock.now()


def _by() -> By:
    """Changes made through the API are audited as `api`."""
    return By("api", _now())


_NO_AGENT = {404: "No agent has that id."}


@bp.put("/teams/<id:team_id>")
@declare("Create or rename a team", body=TeamIn, answers={200: out.TeamOut, 201: out.TeamOut})
def put_team(team_id, body):
    team, created = _write(lambda s: directory.put_team(s, team_id, body, _by()))
    return jsonify(team), 201 if created else 200


@bp.get("/teams")
@declare("Teams with their member ids", answers={200: list[out.TeamOut]})
def list_teams():
    return jsonify(_read(directory.teams))


@bp.put("/agents/<id:agent_id>")
@declare("Create or replace an agent", body=AgentIn,
         answers={200: out.AgentOut, 201: out.AgentOut},
         errors={409: "Another agent has that e-mail.", 422: "A field does not fit, or a team is unknown."})
def put_agent(agent_id, body):
    agent, created = _write(lambda s: directory.put_agent(s, agent_id, body, _by()))
    return jsonify(agent), 201 if created else 200


@bp.patch("/agents/<id:agent_id>")
@declare("Change an agent", description="Any of the fields; becoming available drains the queue.",
         body=AgentIn, body_required=False, answers={200: out.AgentOut},
         errors={**_NO_AGENT, 409: "Another agent has that e-mail.", 422: "A field does not fit, or a team is "
                 "unknown."})
def patch_agent(agent_id, body):
    return jsonify(_write(lambda s: directory.patch_agent(s, agent_id, body, _by())))


@bp.delete("/agents/<id:agent_id>")
@declare("Deactivate an agent", description="History is kept; it is never picked again. Its open and held "
         "conversations are routed again at once, or go to the successor when one is named.",
         body=Handover, body_required=False, answers={200: out.AgentDeactivated},
         errors={**_NO_AGENT, 422: "The successor is unknown, deactivated or the agent itself."})
def delete_agent(agent_id, body):
    return jsonify(_write(lambda s: directory.deactivate_agent(s, agent_id, _by(), body.get("successor"))))


_PAGED = ("A page at a time, by id: `limit` items (100 when left out); when more follow, the answer's "
          "`Link: <...>; rel=\"next\"` header names the next page.")


def _page(page: dict, **headers):
    """A page of a list: the items as the body, the next page's address in a Link header (RFC 8288)."""
    response = jsonify(page["items"])
    if page["next"]:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        response.headers["Link"] = f'<{request.path}?{urlencode({**args, "cursor": page["next"]})}>; rel="next"'
    response.headers.update({k: str(v) for k, v in headers.items()})
    return response


@bp.get("/agents")
@declare("Agents, with their load and availability", query=AgentsQuery, answers={200: list[out.AgentOut]},
         description=_PAGED + " `X-Total-Count` says how many agents match.")
def list_agents(query: AgentsQuery):
    page = _read(lambda s: directory.agents_page(s, _now(), query.limit, query.cursor, query.q))
    return _page(page, **{"X-Total-Count": page["total"]})


@bp.get("/agents/<id:agent_id>")
@declare("One agent", answers={200: out.AgentOut}, errors=_NO_AGENT)
def get_agent(agent_id):
    return jsonify(_read(lambda s: directory.agent(s, agent_id, _now())))


@bp.get("/settings")
@declare("The workspace's settings", answers={200: out.SettingsOut})
def get_settings():
    return jsonify(_read(directory.get_settings))


@bp.patch("/settings")
@declare("Change settings", body=SettingsIn, body_required=False, answers={200: out.SettingsOut})
def patch_settings(body):
    return jsonify(_write(lambda s: directory.patch_settings(s, body, _by())))


@bp.get("/conversations/<id:conversation_id>")
@declare("A conversation and every decision", answers={200: out.ConversationOut},
         errors={404: "No conversation has that id."})
def get_conversation(conversation_id):
    return jsonify(_read(lambda s: conversations.conversation(s, conversation_id)))


@bp.get("/unassigned")
@declare("The Unassigned queue, oldest first", query=PageQuery, answers={200: list[out.Queued]},
         description=_PAGED.replace("by id", "oldest first"))
def get_unassigned(query: PageQuery):
    return _page(_read(lambda s: conversations.unassigned_page(s, query.limit, query.cursor)))


@bp.get("/held")
@declare("Conversations held for a returning customer's agent, longest waiting first", query=PageQuery,
         answers={200: list[out.Held]}, description=_PAGED.replace("by id", "longest waiting first"))
def get_held(query: PageQuery):
    return _page(_read(lambda s: conversations.held_page(s, query.limit, query.cursor)))


@bp.get("/customers/<id:customer_id>")
@declare("A customer's link and blocks", answers={200: out.CustomerOut})
def get_customer(customer_id):
    return jsonify(_read(lambda s: customers.customer(s, customer_id, _now())))


@bp.delete("/customers/<id:customer_id>")
@declare("Forget a customer", description="Link and personal data erased; conversations kept anonymised.",
         answers={200: out.Forgotten}, errors={404: "No customer has that id."})
def forget_customer(customer_id):
    return jsonify(customers.erase(runtime().db, customer_id, _by()))


@bp.delete("/customers/<id:customer_id>/link")
@declare("Break a customer's link", description="The customer is no longer sticky; history stays.",
         answers={200: out.CustomerOut}, errors={404: "No link is stored for that customer."})
def break_link(customer_id):
    return jsonify(_write(lambda s: customers.break_link(s, customer_id, _by())))


@bp.put("/customers/<id:customer_id>/blocks/<id:agent_id>")
@declare("Never route this customer to this agent", answers={200: out.CustomerOut, 201: out.CustomerOut},
         errors=_NO_AGENT)
def block(customer_id, agent_id):
    answer, added = _write(lambda s: customers.block(s, customer_id, agent_id, _by()))
    return jsonify(answer), 201 if added else 200


@bp.delete("/customers/<id:customer_id>/blocks/<id:agent_id>")
@declare("Lift a block", answers={200: out.CustomerOut}, errors={404: "That agent is not blocked for the customer."})
def unblock(customer_id, agent_id):
    return jsonify(_write(lambda s: customers.unblock(s, customer_id, agent_id, _by())))


@bp.get("/customers/<id:customer_id>/preview")
@declare("Where a new conversation from this customer would go now, and why", query=PreviewQuery,
         answers={200: out.Preview})
def preview(customer_id, query: PreviewQuery):
    return jsonify(_read(lambda s: customers.preview(s, customer_id, query.team, _now())))


@bp.get("/stats")
@declare("Does stickiness work: the figures of the last N days", query=StatsQuery, answers={200: out.StatsOut})
def get_stats(query: StatsQuery):
    return jsonify(_read(lambda s: stats.stats(s, query.days, _now(), query.limit, query.cursor)))


@bp.get("/audit")
@declare("Who changed what, newest first", query=AuditQuery, answers={200: out.AuditPage})
def get_audit(query: AuditQuery):
    return jsonify(_read(lambda s: audit.page(s, query.limit, query.before)))
