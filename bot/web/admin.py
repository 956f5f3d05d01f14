"""The admin API under /api, behind the bearer token."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import Invalid
from ..runtime import runtime
from ..service import audit, conversations, customers, directory, stats
from ..service.audit import By
from . import admin_token
from .body import read_json

bp = Blueprint("admin", __name__, url_prefix="/api")


@bp.before_request
def _authenticate():
    admin_token.require_bearer()


@bp.before_request
def _check_ids():
    """Ids come from the path (`<id:...>`, so `/` arrives as %2F); none can hold a NUL, which no database stores."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(f"the {name.replace('_', ' ')} in the path contains a NUL character (%00); no id can",
                          details=[{"field": name, "message": "contains a NUL character"}])


def _body():
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    return read_json(raw)


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


@bp.put("/teams/<id:team_id>")
def put_team(team_id):
    body = _body()
    team, created = _write(lambda s: directory.put_team(s, team_id, body, _by()))
    return jsonify(team), 201 if created else 200


@bp.get("/teams")
def list_teams():
    return jsonify(_read(directory.teams))


@bp.put("/agents/<id:agent_id>")
def put_agent(agent_id):
    body = _body()
    agent, created = _write(lambda s: directory.put_agent(s, agent_id, body, _by()))
    return jsonify(agent), 201 if created else 200


@bp.patch("/agents/<id:agent_id>")
def patch_agent(agent_id):
    body = _body()
    return jsonify(_write(lambda s: directory.patch_agent(s, agent_id, body, _by())))


@bp.delete("/agents/<id:agent_id>")
def delete_agent(agent_id):
    body = _body()
    if not isinstance(body, dict) or set(body) - {"successor"}:
        raise Invalid("send nothing, or {\"successor\": AGENT_ID} to hand the agent's customers over",
                      details=[{"field": "(body)", "message": "only 'successor' is allowed"}])
    return jsonify(_write(lambda s: directory.deactivate_agent(s, agent_id, _by(), body.get("successor"))))


@bp.get("/agents")
def list_agents():
    return jsonify(_read(lambda s: directory.agents(s, _now())))


@bp.get("/agents/<id:agent_id>")
def get_agent(agent_id):
    return jsonify(_read(lambda s: directory.agent(s, agent_id, _now())))


@bp.get("/settings")
def get_settings():
    return jsonify(_read(directory.get_settings))


@bp.patch("/settings")
def patch_settings():
    body = _body()
    return jsonify(_write(lambda s: directory.patch_settings(s, body, _by())))


@bp.get("/conversations/<id:conversation_id>")
def get_conversation(conversation_id):
    return jsonify(_read(lambda s: conversations.conversation(s, conversation_id)))


@bp.get("/unassigned")
def get_unassigned():
    return jsonify(_read(conversations.unassigned))


@bp.get("/held")
def get_held():
    return jsonify(_read(conversations.held))


@bp.get("/customers/<id:customer_id>")
def get_customer(customer_id):
    return jsonify(_read(lambda s: customers.customer(s, customer_id, _now())))


@bp.delete("/customers/<id:customer_id>")
def forget_customer(customer_id):
    return jsonify(customers.erase(runtime().db, customer_id, _by()))


@bp.delete("/customers/<id:customer_id>/link")
def break_link(customer_id):
    return jsonify(_write(lambda s: customers.break_link(s, customer_id, _by())))


@bp.put("/customers/<id:customer_id>/blocks/<id:agent_id>")
def block(customer_id, agent_id):
    answer, added = _write(lambda s: customers.block(s, customer_id, agent_id, _by()))
    return jsonify(answer), 201 if added else 200


@bp.delete("/customers/<id:customer_id>/blocks/<id:agent_id>")
def unblock(customer_id, agent_id):
    return jsonify(_write(lambda s: customers.unblock(s, customer_id, agent_id, _by())))


@bp.get("/customers/<id:customer_id>/preview")
def preview(customer_id):
    team = request.args.get("team") or None
    return jsonify(_read(lambda s: customers.preview(s, customer_id, team, _now())))


@bp.get("/stats")
def get_stats():
    days = stats.parse_days(request.args.get("days"))
    return jsonify(_read(lambda s: stats.stats(s, days, _now())))


@bp.get("/audit")
def get_audit():
    return jsonify(_read(lambda s: audit.page(s, request.args.get("limit"), request.args.get("before"))))
