"""What every helpdesk integration shares: the words for what a delivery says happened, and the JSON-over-HTTP
client its REST API is called with (requests). Each helpdesk adds only its own formats (integrations/chatwoot,
integrations/zammad)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests


class What(StrEnum):
    """What happened to a helpdesk's conversation, in stickybot's terms."""

    CREATED = "created"          # a new conversation
    OPENED = "opened"            # open again: a reopen if stickybot last saw it resolved (or a bot's handover)
    RESOLVED = "resolved"
    ASSIGNED = "assigned"        # someone set a (user) assignee
    UNASSIGNED = "unassigned"    # someone took the assignee away
    MESSAGE = "message"          # the customer wrote, or an agent replied (`reply_by`)
    IGNORE = "ignore"


NAME_MAX, EMAIL_MAX = 200, 320


@dataclass(frozen=True)
class Contact:
    id: str
    name: str | None = None
    email: str | None = None

    @classmethod
    def fitted(cls, contact_id: str, name: str | None, email: str | None) -> "Contact":
        """A name is cut to 200 characters (it is only shown); an e-mail over 320 characters (no address can be
        that long) is dropped."""
        return cls(contact_id, (name or None) and name[:NAME_MAX], email if email and len(email) <= EMAIL_MAX else None)


class ApiFailure(Exception):
    """A helpdesk API call that did not succeed: `retry` when trying again later may help (a transport error,
    429, 5xx); `status` is the HTTP status, when the helpdesk answered."""

    def __init__(self, retry: bool, error: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(error)
        self.retry = retry
        self.error = error
        self.retry_after = retry_after
        self.status = status


class JsonApi:
    """A helpdesk's REST API: one session with its auth headers, a timeout on every call, answers sorted into
    success (the parsed JSON) or ApiFailure. Never shows its token (subclasses set it in `headers`)."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers.update({"Accept": "application/json", **headers})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def call(self, method: str, url: str, **kwargs) -> Any:
        try:
            response = self._http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ApiFailure(True, f"transport: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("Retry-After")
            raise ApiFailure(True, f"http_{response.status_code}",
                             float(after) if after and after.replace(".", "", 1).isdigit() else None,
                             status=response.status_code)
        if response.status_code >= 400:
            raise ApiFailure(False, f"http_{response.status_code}", status=response.status_code)
        try:
            return response.json() if response.content else None
        except ValueError:
            raise ApiFailure(True, "not_json", status=response.status_code) from None
