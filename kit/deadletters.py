"""`onestop dead-letters`: what the broker gave up on, and sending it back once the cause is fixed.

On quorum queues (ONESTOP_QUEUE_TYPE=quorum, kit/queues.py) a message lands in the queue
`onestop.dead-letter` when a handler called it unprocessable or when it was delivered
`ONESTOP_DELIVERY_LIMIT` times without success (a bug, an outage longer than the retries). RabbitMQ
records why and where in the message's `x-death` header.

    onestop dead-letters [list] [--queue Q] [--json]    read without consuming (messages stay)
    onestop dead-letters replay [--queue Q] [--event-id ID] [--include-rpc]
                                                    back to the queue each one died in, then removed
    onestop dead-letters drop [--queue Q] [--event-id ID]   removed for good

A replay publishes to the default exchange with the dead queue's name as routing key, so only the
consumer that failed sees the event again (every consumer dedupes on `event_id` anyway), and it
removes the dead letter only after the broker confirmed the publish. RPC requests are listed but not
replayed unless asked: their caller gave up long ago.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kit.brokers import connection, vhost_of
from kit.launcher import DEFAULT_AMQP_URI
from kit.tables import table

DEAD_LETTER_QUEUE = "onestop.dead-letter"  # kit.queues declares it (imported lazily: nameko is slow to load)

DROPPED_HEADERS = ("x-death", "x-delivery-count", "x-first-death-exchange", "x-first-death-queue",
                   "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                   "x-last-death-reason")


@dataclass
class DeadLetter:
    queue: str  # where it died
    reason: str  # rejected | delivery_limit | expired | maxlen
    count: int
    exchange: str
    routing_key: str
    died_at: str | None
    event_id: str | None
    application_id: str | None
    message: Any  # the kombu message (not for display)

    def row(self) -> dict[str, Any]:
        return {"queue": self.queue, "reason": self.reason, "count": self.count, "exchange": self.exchange,
                "routing_key": self.routing_key, "died_at": self.died_at, "event_id": self.event_id,
                "application_id": self.application_id}

    @property
    def is_rpc(self) -> bool:
        return self.queue.startswith("rpc-")


def describe(message) -> DeadLetter:
    deaths = (message.headers or {}).get("x-death") or [{}]
    first = deaths[0]
    try:
        body = json.loads(message.body)
    except (TypeError, ValueError):
        body = None
    payload = body if isinstance(body, dict) else {}
    if isinstance(payload.get("args"), list) and payload["args"] and isinstance(payload["args"][0], dict):
        payload = payload["args"][0]  # an RPC request: its first argument
    when = first.get("time")
    return DeadLetter(
        queue=str(first.get("queue", "?")), reason=str(first.get("reason", "?")),
        count=int(first.get("count", 1) or 1), exchange=str(first.get("exchange", "")),
        routing_key=str((first.get("routing-keys") or [message.delivery_info.get("routing_key", "")])[0]),
        died_at=when.isoformat() if isinstance(when, datetime) else (str(when) if when else None),
        event_id=payload.get("event_id"), application_id=payload.get("application_id"), message=message,
    )


def _fetch(channel, limit: int) -> list[DeadLetter]:
    from kit.queues import dead_letter_queue

    queue = dead_letter_queue()(channel)
    queue.declare()
    found = []
    while len(found) < limit:
        message = queue.get(no_ack=False)
        if message is None:
            break
        found.append(describe(message))
    return found


def inspect(amqp_uri: str, limit: int = 1000) -> list[dict[str, Any]]:
    """The dead letters, oldest first; they stay in the queue (unacknowledged, returned on close)."""
    with connection(amqp_uri) as conn, conn.channel() as channel:
        return [d.row() for d in _fetch(channel, limit)]


def act(amqp_uri: str, action: str, select: Callable[[DeadLetter], bool], limit: int = 1000) -> list[dict]:
    """`replay` or `drop` every selected dead letter; the others go back to the queue untouched."""
    done = []
    with connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        with conn.channel() as channel:
            producer = conn.Producer(channel=channel)
            for dead in _fetch(channel, limit):
                if not select(dead):
                    continue  # left unacknowledged: back in the queue when the channel closes
                if action == "replay":
                    message = dead.message
                    headers = {k: v for k, v in (message.headers or {}).items() if k not in DROPPED_HEADERS}
                    producer.publish(message.body, exchange="", routing_key=dead.queue, headers=headers,
                                     content_type=message.content_type,
                                     content_encoding=message.content_encoding,
                                     delivery_mode=2, retry=True,
                                     **{k: v for k, v in message.properties.items()
                                        if k in ("correlation_id", "reply_to")})
                dead.message.ack()
                done.append(dead.row())
    return done


# ---- the command -------------------------------------------------------------------------------


def _selector(args) -> Callable[[DeadLetter], bool]:
    def select(dead: DeadLetter) -> bool:
        if args.queue and dead.queue != args.queue:
            return False
        if args.event_id and dead.event_id != args.event_id:
            return False
        if args.action == "replay" and dead.is_rpc and not args.include_rpc:
            return False
        return True

    return select


def cmd(args) -> int:
    amqp = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    try:
        if args.action == "list":
            rows = [r for r in inspect(amqp) if not args.queue or r["queue"] == args.queue]
            verb = "dead letter"
        else:
            rows = act(amqp, args.action, _selector(args))
            verb = "replayed" if args.action == "replay" else "dropped"
    except OSError as exc:  # kombu's connection errors are OSErrors
        print(f"error: broker unreachable: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"vhost": vhost_of(amqp), "queue": DEAD_LETTER_QUEUE, args.action: rows},
                         ensure_ascii=False, indent=1, default=str))
    else:
        head = (f"{len(rows)} {verb}{'' if verb != 'dead letter' or len(rows) == 1 else 's'} "
                f"({DEAD_LETTER_QUEUE} in vhost {vhost_of(amqp)})")
        columns = ["queue", "reason", "count", "routing_key", "died_at", "event_id", "application_id"]
        print(head + ("\n" + table(rows, columns) if rows else ""))
    return 1 if args.action == "list" and rows else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("dead-letters", help="messages the broker dead-lettered; replay or drop them")
    parser.add_argument("action", nargs="?", choices=["list", "replay", "drop"], default="list")
    parser.add_argument("--queue", help="only those that died in this queue")
    parser.add_argument("--event-id", help="only this event")
    parser.add_argument("--include-rpc", action="store_true", help="replay RPC requests too")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(run=cmd)
