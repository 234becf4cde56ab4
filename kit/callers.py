"""Who called an RPC: the broker-validated user of the message, and the gateway's principal.

Every process connects as its own broker user (kit/broker_users.py), and a caller stamps its calls with
the AMQP `user_id` property; RabbitMQ refuses a message whose `user_id` is not the connection's user
("validated user-id"), so a bureau can trust it. A bureau's RPCs are restricted by default: only the
gateway web process (`<prefix>-web`, where the bureau's own user is `<prefix>-<service>`) may call them,
and it passes the authenticated principal (`founder:<account id>`, `clerk:<account id>`) in the
`nameko.principal` header, which a bureau keeps only when the validated caller is the gateway. RPCs
that return nothing personal and act on nothing (health, name checks, public verification) are
declared `@rpc(public=True)`. A bureau-to-bureau call would be allowed by adding the caller's process
to `TRUSTED`.

`RPC_CALLER_CHECK: false` in a service's config turns the check off: only nameko's in-process test
containers use it (they call bureaus as `guest` through nameko's own proxies); tests/security shows the
check in a running system.
"""

from __future__ import annotations

from kit.broker_users import WEB, process_of
from kit.brokers import user_of

CALLER = "caller"  # context data: the validated caller's process (never taken from a header)
PRINCIPAL = "principal"  # context data: the gateway's authenticated principal
CHECK_KEY = "RPC_CALLER_CHECK"
TRUSTED: frozenset[str] = frozenset({WEB})


def checking(config: dict) -> bool:
    value = config.get(CHECK_KEY, True)
    return str(value).strip().lower() not in ("false", "0", "no", "off")


def prefix_of(config: dict, service: str) -> str | None:
    """The users' prefix of this system, from the service's own broker user `<prefix>-<service>`."""
    own = user_of(config.get("AMQP_URI", "")) or ""
    suffix = f"-{service}"
    return own[: -len(suffix)] if own.endswith(suffix) and len(own) > len(suffix) else None


def caller_process(config: dict, service: str, user_id: str | None) -> str | None:
    prefix = prefix_of(config, service)
    return process_of(user_id, prefix) if prefix else None


def allowed(config: dict, service: str, user_id: str | None, public: bool) -> bool:
    if public or not checking(config):
        return True
    return caller_process(config, service, user_id) in TRUSTED
