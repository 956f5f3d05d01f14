"""Configuration from the environment. Secrets never appear in a repr."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields, replace
from typing import Mapping

from routing.hours import known_zone

ADMIN_TOKEN_MIN = 24  # shorter admin tokens are warned about (log at start, /readyz)


class ConfigError(ValueError):
    """A setting stickybot cannot use, saying what to write instead."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "on", "true", "yes"}


def _ids(value: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (value or "").replace(";", ",").split(",") if p.strip())


def _zone(value: str | None) -> str:
    name = (value or "").strip() or "UTC"
    if not known_zone(name):
        raise ConfigError(f"STICKY_DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Berlin, not {name!r}")
    return name


def _secret(value: str | None) -> str | None:
    return value if value and value.strip() else None


def networks(name: str, value: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/8, fd00::/8)."""
    found = []
    for part in sorted(_ids(value)):
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not an IP address or network; write addresses or networks "
                              "separated by commas, e.g. 10.0.0.5, 10.1.0.0/16") from None
    return tuple(found)


@dataclass(frozen=True)
class Config:
    database_url: str = "sqlite:///stickybot.db"
    webhook_secret: str | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    slack_queue_channel: str | None = None
    admin_slack_ids: frozenset[str] = frozenset()
    scheduler: bool = True
    expire_every_s: float = 3600.0
    outbox_every_s: float = 5.0
    sweep_every_s: float = 60.0
    outbox_lease_s: float = 60.0
    retention_days: float = 30.0
    retention_every_s: float = 3600.0
    chatwoot_url: str | None = None
    chatwoot_account_id: str | None = None
    chatwoot_api_token: str | None = field(default=None, repr=False)
    chatwoot_webhook_secret: str | None = field(default=None, repr=False)
    chatwoot_allow_unsigned: bool = False
    chatwoot_unsigned_sources: frozenset[str] = frozenset()
    # Reverse proxies whose X-Forwarded-For names the client (bot.web.proxies); none by default.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # The zone of agents that have none of their own (CONTRACT.md 9.1).
    default_time_zone: str = "UTC"
    # In-process delivery of the outbox right after a commit (off in tests that drive it by hand).
    deliver_after_commit: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Config":
        env = os.environ if env is None else env
        url = env.get("DATABASE_URL") or cls.database_url
        api = env.get("SLACK_API_URL") or cls.slack_api_url
        built = cls(
            database_url=url,
            webhook_secret=_secret(env.get("STICKY_WEBHOOK_SECRET")),
            admin_token=_secret(env.get("STICKY_ADMIN_TOKEN")),
            slack_bot_token=_secret(env.get("SLACK_BOT_TOKEN")),
            slack_signing_secret=_secret(env.get("SLACK_SIGNING_SECRET")),
            slack_api_url=api if api.endswith("/") else api + "/",
            slack_queue_channel=_secret(env.get("STICKY_SLACK_QUEUE_CHANNEL")),
            admin_slack_ids=_ids(env.get("STICKY_ADMIN_SLACK_IDS")),
            scheduler=_flag(env.get("STICKY_SCHEDULER"), True),
            expire_every_s=float(env.get("STICKY_EXPIRE_EVERY_S") or 3600),
            outbox_every_s=float(env.get("STICKY_OUTBOX_EVERY_S") or 5),
            sweep_every_s=float(env.get("STICKY_SWEEP_EVERY_S") or 60),
            outbox_lease_s=float(env.get("STICKY_OUTBOX_LEASE_S") or 60),
            retention_days=float(env.get("STICKY_RETENTION_DAYS") or 30),
            retention_every_s=float(env.get("STICKY_RETENTION_EVERY_S") or 3600),
            chatwoot_url=_secret(env.get("CHATWOOT_URL")),
            chatwoot_account_id=_secret(env.get("CHATWOOT_ACCOUNT_ID")),
            chatwoot_api_token=_secret(env.get("CHATWOOT_API_TOKEN")),
            chatwoot_webhook_secret=_secret(env.get("CHATWOOT_WEBHOOK_SECRET")),
            chatwoot_allow_unsigned=_flag(env.get("CHATWOOT_ALLOW_UNSIGNED"), False),
            chatwoot_unsigned_sources=_ids(env.get("CHATWOOT_UNSIGNED_SOURCES")),
            trusted_proxies=networks("STICKY_TRUSTED_PROXIES", env.get("STICKY_TRUSTED_PROXIES")),
            default_time_zone=_zone(env.get("STICKY_DEFAULT_TIME_ZONE")),
        )
        return replace(built, **overrides)

    def with_(self, **changes) -> "Config":
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **changes)

    def warnings(self) -> list[str]:
        """What works but should not be left so (logged at start, listed by /readyz). Never a secret."""
        found = []
        if self.admin_token and len(self.admin_token) < ADMIN_TOKEN_MIN:
            found.append(f"STICKY_ADMIN_TOKEN is shorter than {ADMIN_TOKEN_MIN} characters, which makes it "
                         "guessable: use a long random one, e.g. python3 -c 'import secrets; "
                         "print(secrets.token_urlsafe(32))'")
        return found
