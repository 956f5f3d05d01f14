"""Chatwoot's REST API, as stickybot uses it (requests; the token is a user's access token)."""
from __future__ import annotations

from dataclasses import dataclass

import requests

from routing import Status

# Chatwoot's availability_status, as stickybot's status.
AVAILABILITY = {"online": Status.ONLINE, "busy": Status.AWAY, "offline": Status.OFFLINE}


class ChatwootFailure(Exception):
    def __init__(self, retry: bool, error: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(error)
        self.retry = retry
        self.error = error
        self.retry_after = retry_after
        self.status = status  # the HTTP status, when Chatwoot answered


@dataclass
class ChatwootApi:
    base_url: str
    account_id: str
    token: str
    timeout: float = 10.0

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        self._http = requests.Session()
        self._http.headers.update({"api_access_token": self.token, "Accept": "application/json"})

    def __repr__(self) -> str:  # never show the token
        return f"ChatwootApi({self.base_url!r}, account {self.account_id})"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v1/accounts/{self.account_id}/{path}"

    def _call(self, method: str, path: str, **kwargs):
        try:
            response = self._http.request(method, self._url(path), timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ChatwootFailure(True, f"transport: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("Retry-After")
            raise ChatwootFailure(True, f"http_{response.status_code}",
                                  float(after) if after and after.replace(".", "", 1).isdigit() else None,
                                  status=response.status_code)
        if response.status_code >= 400:
            raise ChatwootFailure(False, f"http_{response.status_code}", status=response.status_code)
        return response.json() if response.content else None

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
