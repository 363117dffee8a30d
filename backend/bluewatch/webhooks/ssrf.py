"""Where webhooks may go: http(s), no credentials, and only global addresses.

The check runs when a subscription is registered and again at send time, in the
network backend itself: every TCP connection resolves the host, refuses the lot if
any address is not allowed, and connects to the checked address, so a DNS answer
that changes between check and connect (rebinding) gets nowhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from bluewatch.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Dotted quads in their plain form only: no decimal, octal or hex spellings.
PLAIN_IPV4 = re.compile(
    r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
)
NUMERIC_HOST = re.compile(r"^[0-9a-fA-Fx.]+$")


# Only these are public: IPv4 outside the IANA special-purpose registry's ranges that
# are not globally reachable (RFC 6890 and its updates), and IPv6 global unicast
# (2000::/3) outside the registry's non-global blocks. Everything of ::/8 (loopback,
# unspecified, IPv4-mapped, -compatible and -translated) and 64:ff9b::/96 and
# 64:ff9b:1::/48 (NAT64, which would reach private IPv4 through a translator) lies
# outside 2000::/3 and is refused with the rest. Python's ``is_global`` missed
# [::127.0.0.1], [64:ff9b::7f00:1] and 192.0.0.8.
NOT_GLOBAL_IPV4 = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
GLOBAL_UNICAST_IPV6 = ipaddress.IPv6Network("2000::/3")
NOT_GLOBAL_IPV6 = tuple(
    ipaddress.IPv6Network(cidr) for cidr in ("2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20")
)  # 2001::/23 holds Teredo (2001::/32); 2002::/16 is 6to4: both embed IPv4.


def publicly_routable(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in network for network in NOT_GLOBAL_IPV4)
    return address in GLOBAL_UNICAST_IPV6 and not any(
        address in network for network in NOT_GLOBAL_IPV6
    )


class Refused(Exception):
    """The destination is not allowed; the message is safe to record."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Guard:
    def __init__(self, allow_cidrs: Iterable[str] = (), resolver: Resolver = system_resolver):
        self.allowed = [ipaddress.ip_network(cidr, strict=False) for cidr in allow_cidrs]
        self.resolver = resolver

    def address_allowed(self, address: Address) -> bool:
        if any(address in network for network in self.allowed):
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket: as allowed as that is.
            return self.address_allowed(address.ipv4_mapped)
        return publicly_routable(address)

    def check_url(self, url: str) -> tuple[str, int]:
        """Refuse bad URLs without any lookup; returns (host, port)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused("only http and https URLs are allowed")
        if parts.username is not None or parts.password is not None:
            raise Refused("credentials in the URL are not allowed")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise Refused("the URL has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused("the URL's port is not valid") from None
        if ":" not in host and NUMERIC_HOST.match(host) and not PLAIN_IPV4.match(host):
            raise Refused("numeric hosts must be plain dotted quads")
        return host, port

    async def resolve_checked(self, host: str, port: int) -> list[str]:
        """Every address the host resolves to, if all are allowed."""
        try:
            literal = ipaddress.ip_address(host)
            addresses = [str(literal)]
        except ValueError:
            try:
                addresses = await self.resolver(host, port)
            except OSError:
                raise Refused("the host does not resolve") from None
        if not addresses:
            raise Refused("the host does not resolve")
        for address in addresses:
            if not self.address_allowed(ipaddress.ip_address(address.split("%")[0])):
                raise Refused("the host resolves to an address that is not public")
        return addresses

    async def check(self, url: str) -> None:
        host, port = self.check_url(url)
        await self.resolve_checked(host, port)


Opener = Callable[..., Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


class GuardedConnector:
    """Opens connections only to addresses the guard allowed: the host is resolved and
    checked on every connection, and the checked address is what is connected to."""

    def __init__(self, guard: Guard, opener: Opener = asyncio.open_connection) -> None:
        self.guard = guard
        self.opener = opener

    async def open(
        self, host: str, port: int, tls: ssl.SSLContext | None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP connection to ``host``, with TLS (checked against the name) when given
        a context."""
        name = host.strip("[]")
        addresses = await self.guard.resolve_checked(name, port)
        return await self.opener(addresses[0], port, ssl=tls, server_hostname=name if tls else None)


def registration_error(error: Refused) -> InvalidInput:
    return InvalidInput(f"The webhook URL is not allowed: {error}.")
