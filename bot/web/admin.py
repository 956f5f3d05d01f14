"""The admin API under /api, behind the bearer token."""
from __future__ import annotations

import hmac
import json

from flask import Blueprint, jsonify, request

from ..errors import ErrorCode, NotConfigured, StickyError, Unauthorized
from ..runtime import runtime
from ..service import conversations, customers, directory

bp = Blueprint("admin", __name__, url_prefix="/api")


@bp.before_request
def _authenticate():
    token = runtime().config.admin_token
    if not token:
        raise NotConfigured("STICKY_ADMIN_TOKEN is not set, so the admin API refuses every request; set it first")
    offered = request.headers.get("Authorization", "")
    scheme, _, value = offered.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise Unauthorized("send Authorization: Bearer <STICKY_ADMIN_TOKEN>")


def _body():
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise StickyError("the body is not JSON; send a JSON object", code=ErrorCode.INVALID_JSON) from None


def _write(work):
    rt = runtime()
    result = rt.db.transact(work)
    rt.wake_deliverer()
    return result


def _read(work):
    return runtime().db.read(work)


def _now():
    return runtime().clock.now()


@bp.put("/teams/<team_id>")
def put_team(team_id):
    body = _body()
    team, created = _write(lambda s: directory.put_team(s, team_id, body))
    return jsonify(team), 201 if created else 200


@bp.get("/teams")
def list_teams():
    return jsonify(_read(directory.teams))


@bp.put("/agents/<agent_id>")
def put_agent(agent_id):
    body = _body()
    agent, created = _write(lambda s: directory.put_agent(s, agent_id, body, _now()))
    return jsonify(agent), 201 if created else 200


@bp.patch("/agents/<agent_id>")
def patch_agent(agent_id):
    body = _body()
    return jsonify(_write(lambda s: directory.patch_agent(s, agent_id, body, _now())))


@bp.delete("/agents/<agent_id>")
def delete_agent(agent_id):
    return jsonify(_write(lambda s: directory.deactivate_agent(s, agent_id, _now())))


@bp.get("/agents")
def list_agents():
    return jsonify(_read(directory.agents))


@bp.get("/agents/<agent_id>")
def get_agent(agent_id):
    return jsonify(_read(lambda s: directory.agent(s, agent_id)))


@bp.get("/settings")
def get_settings():
    return jsonify(_read(directory.get_settings))


@bp.patch("/settings")
def patch_settings():
    body = _body()
    return jsonify(_write(lambda s: directory.patch_settings(s, body)))


@bp.get("/conversations/<conversation_id>")
def get_conversation(conversation_id):
    return jsonify(_read(lambda s: conversations.conversation(s, conversation_id)))


@bp.get("/unassigned")
def get_unassigned():
    return jsonify(_read(conversations.unassigned))


@bp.get("/held")
def get_held():
    return jsonify(_read(conversations.held))


@bp.get("/customers/<customer_id>")
def get_customer(customer_id):
    return jsonify(_read(lambda s: customers.customer(s, customer_id, _now())))


@bp.delete("/customers/<customer_id>")
def forget_customer(customer_id):
    return jsonify(customers.erase(runtime().db, customer_id, _now()))
