"""The client's address behind the reverse proxies the operator trusts (STICKY_TRUSTED_PROXIES), and only behind
them: anyone can send X-Forwarded-For, so it is read only from a peer on that list, with werkzeug's ProxyFix.

Each proxy appends the address it was reached from to X-Forwarded-For. Read from the right, the values that are
themselves trusted proxies are skipped, and the first other one is the client (with nginx's
`proxy_add_x_forwarded_for` whatever the client wrote in the header is left of it, and never read). A request
whose peer is not a trusted proxy keeps its peer as its address, whatever its headers say. X-Forwarded-Proto
from a trusted proxy also says whether the request came over HTTPS.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 16  # proxies in a chain, at most: a longer header is read no further


def _within(value: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


class TrustedProxies:
    """WSGI middleware: ProxyFix, for requests whose peer is a trusted proxy, told how many hops to believe."""

    def __init__(self, app, networks: Iterable[Network]):
        self.app = app
        self.networks = tuple(networks)
        self._fixes = {hops: ProxyFix(app, x_for=hops, x_proto=1) for hops in range(1, MAX_HOPS + 1)}

    def __call__(self, environ, start_response):
        if not _within(environ.get("REMOTE_ADDR", ""), self.networks):
            return self.app(environ, start_response)
        return self._fixes[self.hops(environ.get("HTTP_X_FORWARDED_FOR", ""))](environ, start_response)

    def hops(self, forwarded_for: str) -> int:
        """How many values of X-Forwarded-For, from the right, lead to the client: the trusted proxies among
        them and the client itself."""
        values = [v for v in (p.strip() for p in forwarded_for.split(",")) if v][-MAX_HOPS:]
        hops = 1
        while hops < len(values) and _within(values[-hops], self.networks):
            hops += 1
        return hops


def install(app, networks: Iterable[Network]) -> None:
    networks = tuple(networks)
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)
