"""Chatwoot's REST API, as stickybot uses it (requests; the token is a user's access token)."""
from __future__ import annotations

from integrations.helpdesk import ApiFailure, JsonApi
from routing import Status

# Chatwoot's availability_status, as stickybot's status.
AVAILABILITY = {"online": Status.ONLINE, "busy": Status.AWAY, "offline": Status.OFFLINE}

ChatwootFailure = ApiFailure  # what a call that did not succeed raises


class ChatwootApi(JsonApi):
    def __init__(self, base_url: str, account_id: str, token: str, timeout: float = 10.0):
        super().__init__(base_url, {"api_access_token": token}, timeout)
        self.account_id = account_id

    def __repr__(self) -> str:  # never show the token
        return f"ChatwootApi({self.base_url!r}, account {self.account_id})"

    def _call(self, method: str, path: str, **kwargs):
        return self.call(method, f"{self.base_url}/api/v1/accounts/{self.account_id}/{path}", **kwargs)

    def agents(self) -> list[dict]:
        return self._call("GET", "agents") or []

    def teams(self) -> list[dict]:
        return self._call("GET", "teams") or []

    def team_members(self, team_id: int) -> list[dict]:
        return self._call("GET", f"teams/{team_id}/team_members") or []

    def assign(self, conversation: int, *, assignee_id: int | None = None, team_id: int | None = None):
        """One assignment call: Chatwoot applies only assignee_id when both are sent, so send one of them."""
        if (assignee_id is None) == (team_id is None):
            raise ValueError("send exactly one of assignee_id and team_id")
        body = {"assignee_id": assignee_id} if assignee_id is not None else {"team_id": team_id}
        return self._call("POST", f"conversations/{conversation}/assignments", json=body)
