"""A RabbitMQ user per process, with permissions that reach only the exchanges and queues it uses.

Every process of OneStop connects as `<prefix>-<process>`: each bureau service, the gateway's tracker
(`gateway`), the gateway web process (`web`), the operator CLI (`operator`) and the container health
checks (`probe`, which may call `<service>.health` and nothing else). The grants follow
nameko's names (nameko/rpc.py, nameko/events.py, kit/queues.py):

    nameko-rpc                            the topic exchange of every RPC call and reply
    rpc-<service>                         a service's RPC queue, bound with routing key `<service>.*`
    rpc.reply-<user>-<uuid>               a caller's reply queue (kit.queues.ExclusiveReplyListener)
    <source>.events                       the topic exchange a source publishes its events to
    evt-<source>-<event>--<consumer>.<m>  a consumer's queue for one event, bound with key `<event>`

and are derived from the manifest (contracts/bureaus.py), so a new bureau gets its user from its entry.
Topic permissions narrow the routing keys on the shared exchanges: on `nameko-rpc` a bureau may publish
replies only (a reply queue's uuid) and bind only `<service>.*`, the web may publish calls to the bureaus
and bind only replies; on an event exchange a consumer may bind only the events its manifest entry
consumes (a broad event: only the key of its own copy, contracts/sharing.py). So the seal service's user
can neither consume `rpc-registration`, nor bind its own queue to registration's RPC calls, nor publish
to `registration.events`, nor read the tax bureau's copy of `licence_issued`.

The broker validates the `user_id` property of every message against the connection's user
(RabbitMQ's "validated user-id"), which is how a bureau knows which process called (kit/callers.py).

Compose and Kubernetes create the same users with a one-shot job (`python -m kit.broker_users
provision`, passwords from the environment: BROKER_PASSWORD_<PROCESS>, e.g. BROKER_PASSWORD_SOCIAL_SECURITY).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from contracts import bureaus, sharing

WEB = "web"
OPERATOR = "operator"
PROBE = "probe"  # the container health checks (docker/healthcheck.py): `<service>.health()` only
PROCESSES: tuple[str, ...] = (*bureaus.SERVICES, WEB, OPERATOR, PROBE)
RPC_EXCHANGE = "nameko-rpc"
DEAD_LETTER = "onestop.dead-letter"  # kit/queues.py: the exchange and its queue have this one name
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOTHING = "^$"  # matches no resource name and no routing key we use
METHOD = "[A-Za-z0-9_]+"


def user_name(prefix: str, process: str) -> str:
    return f"{prefix}-{process}"


def process_of(user: str | None, prefix: str) -> str | None:
    """The process a validated broker user belongs to, when it is one of `prefix`'s users."""
    if not user or not user.startswith(f"{prefix}-"):
        return None
    process = user[len(prefix) + 1:]
    return process if process in PROCESSES else None


@dataclass(frozen=True)
class Grant:
    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]] = field(default_factory=dict)  # exchange -> (write, read)
    tags: str = ""


def _any(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in names)


def _only(names: Iterable[str]) -> str:
    return f"^({_any(names)})$"


def _consumed(process: str) -> dict[str, tuple[str, ...]]:
    """source -> the event types `process` consumes (the tracker consumes every source's events)."""
    if process == bureaus.GATEWAY:  # gateway/tracker.py: every source's events, of its own the submission
        # (which primes its copy of the new application: gateway.recording.prime)
        return {**{source: kinds for source, kinds in bureaus.SOURCES.items() if source != bureaus.GATEWAY},
                bureaus.GATEWAY: ("application_submitted",)}
    out: dict[str, tuple[str, ...]] = {}
    for source, kind in bureaus.bureau(process).consumes:
        out[source] = (*out.get(source, ()), kind)
    return out


def _service_grant(service: str) -> Grant:
    """A nameko service: its RPC queue and replies, its own events exchange, the queues of what it consumes."""
    consumed = _consumed(service)
    sources = _any(consumed)
    event_queues = f"evt-({sources})-[a-z_]+--{re.escape(service)}\\.{METHOD}"
    own = [RPC_EXCHANGE, f"rpc-{service}", f"{service}.events", DEAD_LETTER]
    source_exchanges = [f"{s}.events" for s in consumed]
    pattern = f"^({_any(own + source_exchanges)}|{event_queues})$"
    # no reply keys to bind: a bureau sees the web's reply queue key in every request it serves, and
    # binding it would copy the other bureaus' answers to the web
    topics = {RPC_EXCHANGE: (f"^{UUID}$", f"^{re.escape(service)}\\.\\*$")}
    for source, kinds in consumed.items():
        if source != service:  # its own exchange stays unrestricted: it publishes every event of its own there
            # a broad event: its own copy's key only (contracts/sharing.py)
            topics[f"{source}.events"] = (NOTHING, _only(sharing.routing_key(source, k, service) for k in kinds))
    return Grant(
        # declaring the source exchanges again is what nameko does before binding (no write: no publishing)
        configure=pattern,
        write=f"^({_any([RPC_EXCHANGE, f'rpc-{service}', f'{service}.events', DEAD_LETTER])}|{event_queues})$",
        # read on the dead-letter exchange: binding its queue to it needs it (quorum mode, kit/queues.py); the
        # queue has the same name, so this also lets the service read dead letters (docs/operations.md)
        read=f"^({_any([RPC_EXCHANGE, f'rpc-{service}', *source_exchanges, DEAD_LETTER])}|{event_queues})$",
        topics=topics,
    )


def grant(process: str, prefix: str) -> Grant:
    if process == WEB:
        replies = f"rpc\\.reply-{re.escape(user_name(prefix, WEB))}-{UUID}"
        events = re.escape(f"{bureaus.GATEWAY}.events")  # the founder's submissions (gateway/publisher.py)
        return Grant(
            configure=f"^({re.escape(RPC_EXCHANGE)}|{replies}|{events})$",
            write=f"^({re.escape(RPC_EXCHANGE)}|{replies}|{events})$",
            read=f"^({re.escape(RPC_EXCHANGE)}|{replies})$",
            topics={RPC_EXCHANGE: (f"^({_any(bureaus.SERVICES)})\\.{METHOD}$", f"^{UUID}$")},
            tags="management",  # /metrics reads its vhost's queue depths from the management API
        )
    if process == PROBE:  # nameko's standalone proxy: reply queue `rpc.reply-standalone_rpc_proxy-<uuid>`
        replies = f"rpc\\.reply-standalone_rpc_proxy-{UUID}"
        return Grant(
            configure=f"^({re.escape(RPC_EXCHANGE)}|{replies})$",
            write=f"^({re.escape(RPC_EXCHANGE)}|{replies})$",
            read=f"^({re.escape(RPC_EXCHANGE)}|{replies})$",
            topics={RPC_EXCHANGE: (f"^({_any(bureaus.SERVICES)})\\.health$", f"^{UUID}$")},
        )
    if process == OPERATOR:
        # `outbox replay` publishes as every source; `dead-letters` reads the dead-letter queue and
        # puts a message back on its queue through the default exchange
        events = f"({_any(bureaus.SOURCES)})\\.events"
        return Grant(
            configure=f"^({events}|{re.escape(DEAD_LETTER)})$",
            write=f"^({events}|amq\\.default)$",
            read=f"^{re.escape(DEAD_LETTER)}$",
            tags="management",  # `onestop queues` lists the vhost's queues
        )
    return _service_grant(process)


# ---- provisioning through the management API --------------------------------------------------------


@dataclass
class BrokerUsers:
    """The users of one system: `prefix`, and a password per process (generated, never committed)."""

    prefix: str
    passwords: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # where `make run` keeps them (mode 0600); None: this run's memory only

    @classmethod
    def ephemeral(cls, prefix: str) -> BrokerUsers:
        return cls(prefix, {p: secrets.token_urlsafe(24) for p in PROCESSES})

    @classmethod
    def stored(cls, prefix: str, path: Path) -> BrokerUsers:
        """Read `path`, adding a password for any process it does not know yet (a new bureau)."""
        passwords = json.loads(path.read_text()) if path.exists() else {}
        users = cls(prefix, {p: passwords.get(p) or secrets.token_urlsafe(24) for p in PROCESSES}, path)
        if users.passwords != passwords:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(users.passwords, out, indent=1)
        return users

    def user(self, process: str) -> str:
        return user_name(self.prefix, process)

    def uri(self, amqp_uri: str, process: str) -> str:
        from kit.brokers import with_credentials

        return with_credentials(amqp_uri, self.user(process), self.passwords[process])

    def provision(self, vhost: str, ctl) -> None:
        """Create or update every user and set its permissions on `vhost`. `ctl(method, path, body)`
        is the management API as its administrator (kit.launcher._ctl_request)."""
        quoted_vhost = urllib.parse.quote(vhost, safe="")
        for process in PROCESSES:
            user = urllib.parse.quote(self.user(process), safe="")
            rules = grant(process, self.prefix)
            ctl("PUT", f"/api/users/{user}", {"password": self.passwords[process], "tags": rules.tags})
            ctl("PUT", f"/api/permissions/{quoted_vhost}/{user}",
                {"configure": rules.configure, "write": rules.write, "read": rules.read})
            for exchange, (write, read) in rules.topics.items():
                ctl("PUT", f"/api/topic-permissions/{quoted_vhost}/{user}",
                    {"exchange": exchange, "write": write, "read": read})

    def remove(self, ctl) -> None:
        for process in PROCESSES:
            try:
                ctl("DELETE", f"/api/users/{urllib.parse.quote(self.user(process), safe='')}", None)
            except (urllib.error.HTTPError, OSError):  # gone already, or the private broker is
                pass


def main(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    """`provision`: create every user on ONESTOP_BROKER_VHOST (default onestop) with the passwords in
    BROKER_PASSWORD_<PROCESS>, as the administrator in RABBIT_CTL_URI (http://admin:pw@host:15672);
    docs/operations.md lists the variables."""
    from kit.launcher import _ctl_request

    args = argv if argv is not None else sys.argv[1:]
    if args != ["provision"]:
        print("usage: python -m kit.broker_users provision", file=sys.stderr)
        return 2
    env_name = {p: f"BROKER_PASSWORD_{p.upper()}" for p in PROCESSES}
    missing = [name for name in env_name.values() if not env.get(name)]
    ctl_uri = env.get("RABBIT_CTL_URI", "")
    if missing or not ctl_uri:
        print("missing: " + ", ".join(missing + ([] if ctl_uri else ["RABBIT_CTL_URI"])), file=sys.stderr)
        return 2
    users = BrokerUsers(env.get("ONESTOP_BROKER_PREFIX", "onestop"), {p: env[name] for p, name in env_name.items()})
    vhost = env.get("ONESTOP_BROKER_VHOST", "onestop")
    users.provision(vhost, lambda method, path, body: _ctl_request(method, path, ctl_uri, body))
    print(f"{len(PROCESSES)} broker users on vhost {vhost}: " + ", ".join(users.user(p) for p in PROCESSES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
