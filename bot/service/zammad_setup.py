"""`stickybot zammad setup`: the webhook and the triggers stickybot needs, created or updated in Zammad through
its API and found by name, so that running it again changes nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from integrations.zammad import setup as wanted
from integrations.zammad.api import ZammadApi

MASKED = "(the signature token)"


@dataclass(frozen=True)
class Step:
    what: str            # "webhook stickybot", "trigger stickybot 10 ticket created"
    method: str | None   # POST (create), PUT (update), None (unchanged)
    path: str
    body: dict


def setup(api: ZammadApi, public_url: str, token: str, dry_run: bool, say: Callable[[str], None],
          rotate: bool = False) -> None:
    """Create or update the webhook, then the triggers that call it; say what was done (with `dry_run`, the
    requests that would be sent, and nothing is changed). The signature token is never shown. Zammad masks a
    token it holds, so an existing webhook's token is written again only with `rotate` (after changing
    ZAMMAD_WEBHOOK_SECRET)."""
    api_user = api.me().get("id")
    hook = _step("webhooks", "webhook", wanted.webhook(public_url, token), api.listing("webhooks"), rotate)
    hook_id = _run(api, hook, dry_run, say)
    existing = api.listing("triggers")
    for body in wanted.triggers(hook_id, api_user):
        _run(api, _step("triggers", "trigger", body, existing), dry_run, say)


def _step(kind: str, word: str, body: dict, existing: list[dict], rotate: bool = False) -> Step:
    found = next((item for item in existing if item.get("name") == body["name"]), None)
    what = f"{word} {body['name']}"
    if found is None:
        return Step(what, "POST", kind, body)
    if rotate and "signature_token" in body:
        return Step(what, "PUT", f"{kind}/{found['id']}", body)
    if "signature_token" in body and found.get("signature_token"):
        # Zammad masks a token it holds: it cannot be compared, so it is only sent where Zammad has none.
        body = {k: v for k, v in body.items() if k != "signature_token"}
    differs = {k for k, v in body.items() if _plain(found.get(k)) != _plain(v)}
    return Step(what, "PUT" if differs else None, f"{kind}/{found['id']}", body if differs else {"id": found["id"]})


def _run(api: ZammadApi, step: Step, dry_run: bool, say: Callable[[str], None]) -> int | None:
    """Send the step (unless `dry_run`); the id of the webhook or trigger."""
    known_id = step.body.get("id") if step.method is None else _id_of(step.path)
    if step.method is None:
        say(f"{step.what}: unchanged (id {known_id})")
        return known_id
    if dry_run:
        say(f"{step.what}: would {step.method} /api/v1/{step.path} {_shown(step.body)}")
        return known_id
    kind, _, item = step.path.partition("/")
    done = api.create(kind, step.body) if step.method == "POST" else api.update(kind, int(item), step.body)
    done_id = done.get("id", known_id)
    say(f"{step.what}: {'created' if step.method == 'POST' else 'updated'} (id {done_id})")
    return done_id


def _id_of(path: str) -> int | None:
    item = path.partition("/")[2]
    return int(item) if item.isdigit() else None


def _shown(body: dict) -> str:
    return json.dumps({k: (MASKED if k == "signature_token" else v) for k, v in body.items()}, sort_keys=True)


def _plain(value: Any) -> Any:
    """A value as compared: numbers and strings alike (Zammad may give back "5" for 5), keys in any order."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value
