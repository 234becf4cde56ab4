"""Where the gateway may connect on a user's behalf (webhooks): public internet addresses only, unless
an operator allows an internal receiver.

A founder chooses a webhook's URL, so without this the tracker would POST to the broker (15672), the
database (27017), cloud metadata (169.254.169.254) or anything on the cluster's private ranges, and
its delivery log would be a port scanner. The check is on ADDRESSES, not on how the URL spells the
host: the name is resolved, and every address it resolves to must be allowed (decimal or hex IPv4
spellings, IPv4-mapped/-compatible IPv6, 6to4, Teredo and NAT64 addresses are unwrapped first). The
caller then connects to the checked address itself (`Target.address`), so a name that resolves
differently a moment later (DNS rebinding) changes nothing. It is checked again before every
delivery, since a name that was public at registration can be pointed at 127.0.0.1 later.

Operator allow-list (`GATEWAY_WEBHOOK_ALLOW`, comma-separated): `10.1.2.0/24` (any port of a network),
`127.0.0.1:8099` or `[::1]:8099` (one port of one address). The tests allow their 127.0.0.1 receiver
this way; nothing internal is allowed by default.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> addresses; the default asks the system resolver
Resolve = Callable[[str, int], list[str]]

NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not internet, though not "private"


class Refused(Exception):
    """The URL's host is, or resolves to, an address the gateway must not connect to."""


class Unresolvable(Exception):
    """The host name does not resolve (now): nothing can be checked, so nothing is sent."""


@dataclass(frozen=True)
class Target:
    """A URL and the one checked address to connect to (the Host header and TLS name stay the URL's)."""

    url: str
    host: str
    port: int
    address: str


def system_resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(host) from exc
    return [info[4][0] for info in infos]


def unwrap(address: IPAddress) -> list[IPAddress]:
    """The addresses a packet to `address` could end up at: a mapped or NAT64 address IS its IPv4
    address; 6to4 and Teredo ones carry an IPv4 address besides their own."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped:
        return [address.ipv4_mapped]
    if address in NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    found: list[IPAddress] = [address]
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if int(address) >> 32 == 0:  # the deprecated IPv4-compatible ::a.b.c.d
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IPAddress) -> bool:
    return not any(a.is_private or a.is_loopback or a.is_link_local or a.is_multicast or a.is_reserved
                   or a.is_unspecified or not a.is_global or a in SHARED
                   for a in unwrap(address))


def _address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")


@dataclass(frozen=True)
class Allowed:
    network: Network
    port: int | None = None

    @classmethod
    def parse(cls, entry: str) -> Allowed:
        entry = entry.strip()
        if entry.startswith("["):  # [v6]:port
            host, _, port = entry[1:].partition("]:")
            return cls(ipaddress.ip_network(host), int(port))
        if entry.count(":") == 1:  # v4:port
            host, port = entry.split(":")
            return cls(ipaddress.ip_network(host), int(port))
        return cls(ipaddress.ip_network(entry, strict=False))

    def admits(self, address: IPAddress, port: int) -> bool:
        return (self.port is None or self.port == port) and any(
            a.version == self.network.version and a in self.network for a in unwrap(address))


@dataclass(frozen=True)
class Egress:
    allow: tuple[Allowed, ...] = ()
    resolve: Resolve = field(default=system_resolve, compare=False)

    @classmethod
    def from_setting(cls, value: str | None, resolve: Resolve = system_resolve) -> Egress:
        """`value`: the GATEWAY_WEBHOOK_ALLOW list; a wrong entry stops the process at start-up."""
        entries = [e for e in (value or "").split(",") if e.strip()]
        return cls(tuple(Allowed.parse(e) for e in entries), resolve)

    def permits(self, address: IPAddress, port: int) -> bool:
        return is_public(address) or any(a.admits(address, port) for a in self.allow)

    def target(self, url: str) -> Target:
        """Resolve once and check every address; raises Refused or Unresolvable."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = [_address(a) for a in self.resolve(host, port)]
        except ValueError as exc:
            raise Unresolvable(host) from exc
        if not addresses:
            raise Unresolvable(host)
        bad = [a for a in addresses if not self.permits(a, port)]
        if bad:  # one bad address is enough: which one a later connection would use is not ours to choose
            raise Refused(host)
        return Target(url=url, host=host, port=port, address=str(addresses[0]))
