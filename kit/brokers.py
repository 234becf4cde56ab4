"""Several broker addresses in one `AMQP_URI`, as kombu reads them: `;`-separated failover URLs.

    AMQP_URI="pyamqp://u:p@rabbit-0:5672/onestop;pyamqp://u:p@rabbit-1:5672/onestop;pyamqp://u:p@rabbit-2:5672/onestop"

Every kombu `Connection` (nameko's consumers and publishers, the gateway's RPC proxies) takes the list,
connects to the first node that answers and, when that node goes away, reconnects round-robin to the
next one without a restart. The helpers here apply a vhost to every address, pick the vhost out, and
redact passwords for logs.
"""

from __future__ import annotations

import urllib.parse

from kombu import Connection

SEPARATOR = ";"


def addresses(amqp_uri: str) -> list[str]:
    return [part.strip() for part in amqp_uri.split(SEPARATOR) if part.strip()]


def vhost_of(amqp_uri: str) -> str:
    """The vhost of the first address (all addresses name the same vhost)."""
    first = addresses(amqp_uri)[0] if addresses(amqp_uri) else ""
    path = urllib.parse.urlsplit(first).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


def with_vhost(amqp_uri: str, vhost: str) -> str:
    """Every address of `amqp_uri` with its path replaced by `vhost`."""
    quoted = urllib.parse.quote(vhost, safe="")
    out = []
    for address in addresses(amqp_uri):
        parts = urllib.parse.urlsplit(address)
        out.append(urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + quoted, parts.query, "")))
    return SEPARATOR.join(out)


def with_credentials(amqp_uri: str, user: str, password: str) -> str:
    """Every address of `amqp_uri` connecting as `user` (kit/broker_users.py: a user per process)."""
    creds = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    out = []
    for address in addresses(amqp_uri):
        parts = urllib.parse.urlsplit(address)
        host = parts.netloc.rpartition("@")[2]
        out.append(urllib.parse.urlunsplit((parts.scheme, f"{creds}@{host}", parts.path, parts.query, "")))
    return SEPARATOR.join(out)


def user_of(amqp_uri: str) -> str | None:
    """The user the first address connects as."""
    first = addresses(amqp_uri)[0] if addresses(amqp_uri) else ""
    user = urllib.parse.urlsplit(first).username
    return urllib.parse.unquote(user) if user else None


def join(uris: list[str]) -> str:
    return SEPARATOR.join(uris)


def connection(amqp_uri: str, **kwargs) -> Connection:
    """A kombu connection that fails over round-robin between every address of `amqp_uri`."""
    kwargs.setdefault("connect_timeout", 5)
    return Connection(amqp_uri, failover_strategy="round-robin", **kwargs)
