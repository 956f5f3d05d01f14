"""A fake Zammad REST API served over real HTTP on loopback, keeping the rules stickybot depends on (read from
Zammad's source, as the samples in tests/fixtures/zammad are): token auth, listings paged by `page`/`per_page`
with no total, roles with their permission names, the silent refusal of an owner on PUT /tickets (200 with owner 1), and
webhooks and triggers found by name, their signature token masked in answers. Every call is recorded; answers
can be scripted (a status for the next calls of a path)."""
from __future__ import annotations

import copy
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zammad"
MASK = "********"  # what Zammad shows of a signature token it holds
NOBODY = 1
CLOSED = {4, 5}  # closed, merged (state ids of the seeds)
SEED_ROLES = {1: ("Admin", ["admin", "admin.user", "report"]), 2: ("Agent", ["ticket.agent", "chat.agent"]),
              3: ("Customer", ["ticket.customer"])}


@dataclass
class Call:
    method: str
    path: str
    query: dict
    body: dict | None
    status: int = 0


@dataclass
class FakeZammad:
    token: str = "zammad-token"
    me: int = 12
    users: dict[int, dict] = field(default_factory=dict)
    roles: dict[int, dict] = field(default_factory=dict)
    groups: dict[int, dict] = field(default_factory=dict)
    tickets: dict[int, dict] = field(default_factory=dict)
    webhooks: dict[int, dict] = field(default_factory=dict)
    triggers: dict[int, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    scripted: dict[str, deque] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    now: datetime = datetime(2026, 6, 15, 9, 12, 41, tzinfo=timezone.utc)
    server: ThreadingHTTPServer | None = None

    # --- arranging ------------------------------------------------------------------------------------

    @classmethod
    def story(cls) -> "FakeZammad":
        """The samples' story: users 1 (-), 3 Carla (admin + agent), 7 Ana, 9 Bruno, 12 Stickybot (the token's),
        42 Maria (customer); groups 1 Users, 2 Billing, 3 Billing::Refunds; ticket 118 in Billing, owner 1."""
        fake = cls()
        for user in json.loads((FIXTURES / "users_list.json").read_text()):
            fake.users[user["id"]] = user
        for group in json.loads((FIXTURES / "groups_list.json").read_text()):
            fake.groups[group["id"]] = group
        for role_id, (name, permissions) in SEED_ROLES.items():
            fake.roles[role_id] = {"id": role_id, "name": name, "permissions": permissions, "group_ids": {},
                                   "active": True}
        ticket = json.loads((FIXTURES / "put_ticket_response.json").read_text())
        fake.tickets[ticket["id"]] = {**ticket, "owner_id": NOBODY, "updated_by_id": 42}
        return fake

    def add_user(self, user_id: int, email: str, *, roles=(2,), groups=None, active=True, **extra) -> dict:
        first, _, last = email.split("@")[0].replace(".", " ").title().partition(" ")
        self.users[user_id] = {"id": user_id, "login": email, "email": email, "firstname": first, "lastname": last,
                               "active": active, "role_ids": list(roles), "group_ids": groups or {},
                               "out_of_office": False, "out_of_office_start_at": None, "out_of_office_end_at": None,
                               "out_of_office_replacement_id": None, **extra}
        return self.users[user_id]

    def add_ticket(self, ticket_id: int, group_id: int = 2, owner_id: int = NOBODY, state_id: int = 2) -> dict:
        self.tickets[ticket_id] = {**self.tickets.get(118, {}), "id": ticket_id, "number": str(31000 + ticket_id),
                                   "group_id": group_id, "owner_id": owner_id, "state_id": state_id}
        return self.tickets[ticket_id]

    def script(self, method: str, path: str, status: int, times: int = 1, body=None, headers=None) -> None:
        """The next `times` calls of `method path` (a prefix, e.g. "PUT /api/v1/tickets") answer `status`."""
        with self.lock:
            self.scripted.setdefault(f"{method} {path}", deque()).extend([(status, body, headers or {})] * times)

    def of(self, method: str, path_prefix: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path_prefix)]

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- Zammad's rules -------------------------------------------------------------------------------

    def may_own(self, user_id: int, group_id: int) -> bool:
        """check_owner_active: an active user, with a role carrying ticket.agent, and `full` access to the
        group, directly or through a role."""
        user = self.users.get(user_id)
        if user is None or not user.get("active"):
            return False
        roles = [self.roles[r] for r in user.get("role_ids", []) if r in self.roles]
        if not any("ticket.agent" in r["permissions"] for r in roles):
            return False
        grants = [user.get("group_ids") or {}] + [r.get("group_ids") or {} for r in roles]
        return any("full" in grant.get(str(group_id), []) for grant in grants)

    def _put_ticket(self, ticket_id: int, body: dict) -> tuple[int, dict]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return 404, {"error": "Couldn't find Ticket"}
        if "owner_id" in body and body["owner_id"] not in self.users:
            return 422, {"error": f"Invalid value '{body['owner_id']}' for field 'owner_id'!"}
        if "group_id" in body:
            if body["group_id"] not in self.groups:
                return 422, {"error": f"Invalid value '{body['group_id']}' for field 'group_id'!"}
            ticket["group_id"] = body["group_id"]
        if "owner_id" in body:
            owner = body["owner_id"]
            closed = ticket["state_id"] in CLOSED
            if not closed and owner != NOBODY and not self.may_own(owner, ticket["group_id"]):
                owner = NOBODY  # silently replaced, and the answer is still 200
            elif closed and owner != NOBODY and not self.may_own(owner, ticket["group_id"]):
                return 422, {"error": f"Invalid value '{owner}' for field 'owner_id'!"}
            ticket["owner_id"] = owner
        self.now += timedelta(seconds=1)
        ticket["updated_at"] = self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ticket["updated_by_id"] = self.me
        return 200, copy.deepcopy(ticket)

    # --- HTTP -----------------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict, body, auth: str | None) -> tuple[int, object, dict]:
        with self.lock:
            for key, queue in self.scripted.items():
                if f"{method} {path}".startswith(key) and queue:
                    status, scripted, headers = queue.popleft()
                    return status, scripted if scripted is not None else {"error": "scripted"}, headers
            if auth not in (f"Token token={self.token}", f"Bearer {self.token}"):
                return 401, {"error": "Invalid token!"}, {"X-Failure": "invalid_token"}
            return (*self._route(method, path, query, body), {})

    def _route(self, method: str, path: str, query: dict, body) -> tuple[int, object]:
        listings = {"users": self.users, "roles": self.roles, "groups": self.groups, "webhooks": self.webhooks,
                    "triggers": self.triggers}
        if method == "GET" and path == "/api/v1/users/me":
            return 200, copy.deepcopy(self.users[self.me])
        m = re.fullmatch(r"/api/v1/(\w+)(?:/(\d+))?", path)
        if m is None or m.group(1) not in {*listings, "tickets"}:
            return 404, {"error": "No route matches"}
        kind, item = m.group(1), int(m.group(2)) if m.group(2) else None
        if kind == "tickets":
            return self._put_ticket(item, body or {}) if method == "PUT" and item else (404, {"error": "no route"})
        store = listings[kind]
        if method == "GET" and item is None:
            return 200, self._page(store, query)
        if method == "POST" and item is None and kind in ("webhooks", "triggers"):
            new_id = max(store, default=0) + 1
            store[new_id] = {**body, "id": new_id}
            return 201, self._shown(store[new_id])
        if method == "PUT" and item in store and kind in ("webhooks", "triggers"):
            store[item].update(body)
            return 200, self._shown(store[item])
        return 404, {"error": "not found"}

    def _page(self, store: dict, query: dict) -> list:
        page = int(query.get("page", ["1"])[0])
        per_page = min(int((query.get("per_page") or query.get("limit") or ["100"])[0]), 1000)
        items = [self._shown(store[k]) for k in sorted(store)]
        return items[(page - 1) * per_page: page * per_page]

    @staticmethod
    def _shown(item: dict) -> dict:
        shown = copy.deepcopy(item)
        if shown.get("signature_token"):
            shown["signature_token"] = MASK
        return shown

    def start(self) -> "FakeZammad":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                query = parse_qs(parsed.query)
                status, answer, headers = fake.answer(self.command, parsed.path, query, body,
                                                      self.headers.get("Authorization"))
                with fake.lock:
                    fake.calls.append(Call(self.command, parsed.path, query, body, status))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
