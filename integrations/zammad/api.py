"""Zammad's REST API, as stickybot uses it (requests; a user's access token)."""
from __future__ import annotations

from typing import Any

from integrations.helpdesk import ApiFailure, JsonApi

PER_PAGE = 100
MAX_PAGES = 10_000  # a Zammad that ignored `page` would send its first page forever


class ZammadApi(JsonApi):
    def __init__(self, base_url: str, token: str, timeout: float = 10.0):
        super().__init__(base_url, {"Authorization": f"Token token={token}"}, timeout)

    def _call(self, method: str, path: str, **kwargs) -> Any:
        return self.call(method, f"{self.base_url}/api/v1/{path}", **kwargs)

    def pages(self, path: str, **params) -> list[dict]:
        """Every item of a listing, page by page to the end (Zammad gives no total: a short page is the last)."""
        items: list[dict] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self._call("GET", path, params={**params, "page": page, "per_page": PER_PAGE})
            if not isinstance(batch, list):
                raise ApiFailure(False, f"{path}: not a list")
            items += [item for item in batch if isinstance(item, dict)]
            if len(batch) < PER_PAGE:
                return items
        raise ApiFailure(False, f"{path}: more than {MAX_PAGES} pages")

    def me(self) -> dict:
        """The token's own user."""
        found = self._call("GET", "users/me")
        if not isinstance(found, dict):
            raise ApiFailure(False, "users/me: not an object")
        return found

    def users(self) -> list[dict]:
        return self.pages("users")

    def roles(self) -> list[dict]:
        return self.pages("roles", expand="true")

    def groups(self) -> list[dict]:
        return self.pages("groups")

    def update_ticket(self, ticket_id: int, changes: dict) -> dict:
        found = self._call("PUT", f"tickets/{ticket_id}", json=changes)
        if not isinstance(found, dict):
            raise ApiFailure(True, f"tickets/{ticket_id}: not an object")
        return found

    def listing(self, kind: str) -> list[dict]:
        """Webhooks or triggers."""
        return self.pages(kind)

    def create(self, kind: str, body: dict) -> dict:
        return self._call("POST", kind, json=body) or {}

    def update(self, kind: str, item_id: int, body: dict) -> dict:
        return self._call("PUT", f"{kind}/{item_id}", json=body) or {}
