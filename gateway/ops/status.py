"""What the operator commands (`onestop queues|sla|outbox`) and the gateway's /metrics know.

Plain functions over the databases and RabbitMQ's management API; `gateway.ops.cli` prints them. Nothing here
talks to a running service, so every command works while the services are down (which is when an
operator needs them most), except `outbox replay`, which needs the broker.

- Applications by state, clerk queues and SLA breaches come from the gateway's own database in ONE
  aggregation: the tracker mirrors every bureau's steps there (`steps.<bureau>.state/deadline`), so a
  bureau's clerk queue is its steps in `waiting_for_clerk`, and a breach is an open step whose
  deadline (a date in Beijing) is before today.
- Outbox backlog: every collection of every `<prefix>_<service>` database holding documents with a
  non-empty `outbox` array (kit.outbox). With one MongoDB user per service (compose, k8s) use an
  account that may read every OneStop database, or each database is reported as unreadable.
- RabbitMQ queue depths: `GET /api/queues/<vhost>` of the management API.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from contracts import bureaus, clock
from contracts.calendar import CalendarNotCovered, default_calendar
from kit.brokers import addresses, vhost_of
from kit.outbox import WITH_OUTBOX
from kit.tables import table

SERVICES = bureaus.SERVICES
BUREAUS = bureaus.NAMES
OPEN_STEP_STATES = ("pending", "in_progress", "waiting_for_clerk", "correction_requested")
FINAL_APP_STATES = ("completed", "rejected", "withdrawn")  # withdrawn: never reached the bureaus
# every other status gateway.timeline.derive sets: named, so the steps' $match uses the status index
# ($nin of the final ones reads every application); a status added there must be added here
OPEN_APP_STATES = ("awaiting_confirmation", "submitted", "in_review", "correction_requested", "licensed",
                   "revoked")
CLERK_STATE = "waiting_for_clerk"
DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"
MANAGEMENT_URI_ENV = "AMQP_MANAGEMENT_URI"
MANAGEMENT_PORT = 15672


class OpsError(Exception):
    """Something an operator must fix (bad file, unreachable broker): one readable line."""


# ---- environment ------------------------------------------------------------------------------


def env_config() -> dict[str, str]:
    """The documented variables the commands read, with the same defaults as the services."""
    amqp = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    return {
        "amqp_uri": amqp,
        "mongo_uri": os.environ.get("MONGO_URI", DEFAULT_MONGO_URI),
        "db_prefix": os.environ.get("ONESTOP_DB_PREFIX", "onestop"),
        "management_uri": os.environ.get(MANAGEMENT_URI_ENV) or management_uri_for(amqp),
    }


def management_uri_for(amqp_uri: str) -> str:
    """http://user:pass@<broker host>:15672, the management API next to the AMQP listener."""
    parts = urllib.parse.urlsplit((addresses(amqp_uri) or [amqp_uri])[0])
    user = urllib.parse.unquote(parts.username or "guest")
    password = urllib.parse.unquote(parts.password or "guest")
    creds = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    return f"http://{creds}@{parts.hostname or '127.0.0.1'}:{MANAGEMENT_PORT}"


# ---- RabbitMQ ---------------------------------------------------------------------------------


def rabbit_queues(management_uri: str, vhost: str, timeout: float = 5) -> list[dict[str, Any]]:
    """Every queue of the vhost: name, messages (ready + unacked), ready, unacked, consumers."""
    parts = urllib.parse.urlsplit(management_uri)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or MANAGEMENT_PORT}"
    columns = "name,messages,messages_ready,messages_unacknowledged,consumers"
    url = f"{base}/api/queues/{urllib.parse.quote(vhost, safe='')}?columns={columns}"
    request = urllib.request.Request(url)
    token = base64.b64encode(f"{urllib.parse.unquote(parts.username or '')}:"
                             f"{urllib.parse.unquote(parts.password or '')}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            rows = json.loads(response.read() or b"[]")
    except urllib.error.HTTPError as exc:
        raise OpsError(f"RabbitMQ management API at {base} answered {exc.code} for vhost {vhost!r}") from None
    except (OSError, ValueError) as exc:
        raise OpsError(f"RabbitMQ management API at {base} unreachable: {exc}") from None
    return sorted(({"queue": r["name"], "messages": int(r.get("messages") or 0),
                    "ready": int(r.get("messages_ready") or 0),
                    "unacked": int(r.get("messages_unacknowledged") or 0),
                    "consumers": int(r.get("consumers") or 0)} for r in rows), key=lambda r: r["queue"])


# ---- the gateway's view: states, clerk queues, SLA breaches ------------------------------------


def today_in_beijing() -> date:
    return clock.china_today()


def overview(applications, today: date | None = None) -> dict[str, Any]:
    """ONE aggregation over the gateway's applications: counts by state, every bureau's clerk queue
    (waiting / overdue) and every overdue open step (the SLA breaches), oldest deadline first."""
    today = today or today_in_beijing()
    cutoff = today.isoformat()  # deadlines are ISO dates: they sort as strings
    steps = [{"$match": {"status": {"$in": list(OPEN_APP_STATES)}}},
             {"$project": {"s": {"$objectToArray": "$steps"}}}, {"$unwind": "$s"},
             {"$match": {"s.v.state": {"$in": list(OPEN_STEP_STATES)}}},
             {"$project": {"bureau": "$s.k", "state": "$s.v.state", "deadline": "$s.v.deadline"}}]
    # the counts from the status index (a distinct and one count per status), not a read of every
    # application; the steps from the open applications only (a $facet would feed it every document)
    states = {s: applications.count_documents({"status": s}) for s in applications.distinct("status") if s}
    row = {"steps": list(applications.aggregate(steps))}
    queues = {b: {"waiting": 0, "overdue": 0, "open_steps": 0, "overdue_steps": 0} for b in BUREAUS}
    breaches = []
    for step in row["steps"]:
        bureau, deadline = step["bureau"], step.get("deadline")
        if bureau not in queues:
            continue
        late = bool(deadline) and deadline < cutoff
        queues[bureau]["open_steps"] += 1
        queues[bureau]["overdue_steps"] += late
        if step["state"] == CLERK_STATE:
            queues[bureau]["waiting"] += 1
            queues[bureau]["overdue"] += late
        if late:
            breaches.append({"application_id": step["_id"], "bureau": bureau, "state": step["state"],
                             "deadline": deadline, "working_days_late": working_days_late(deadline, today)})
    breaches.sort(key=lambda b: (b["deadline"], b["application_id"], b["bureau"]))
    return {"today": cutoff, "states": dict(sorted(states.items())), "queues": queues, "breaches": breaches}


def working_days_late(deadline: str, today: date) -> int | None:
    """Working days after the deadline day up to and including today; None when the calendar does not
    cover those dates (load the year's holiday file)."""
    try:
        start = date.fromordinal(date.fromisoformat(deadline).toordinal() + 1)
        return default_calendar().working_days_between(start, date.fromordinal(today.toordinal() + 1))
    except (CalendarNotCovered, ValueError):
        return None


# ---- outboxes ---------------------------------------------------------------------------------


def database_names(db_prefix: str) -> dict[str, str]:
    """service (= the event source name of its outbox) -> database."""
    return {service: f"{db_prefix}_{service}" for service in SERVICES}


def outbox_backlog(client, db_prefix: str) -> list[dict[str, Any]]:
    """Pending outbox entries per database and collection (collections with none are left out; a
    database this account may not read is listed with `error`)."""
    from pymongo.errors import PyMongoError

    from kit.outbox import pending

    rows = []
    for service, name in database_names(db_prefix).items():
        db = client[name]
        try:
            for collection in outbox_collections(db):
                n = pending(db[collection])
                if n:
                    rows.append({"database": name, "service": service, "collection": collection,
                                 "pending": n, "oldest": _oldest(db[collection])})
        except PyMongoError as exc:
            rows.append({"database": name, "service": service, "collection": None, "pending": None,
                         "error": type(exc).__name__})
    return rows


def outbox_collections(db) -> list[str]:
    """The collections that carry an outbox: each has the relay's `outbox.created_at` index (the
    others are not read at all)."""
    return [name for name in sorted(db.list_collection_names())
            if any("outbox.created_at" in ix["key"] for ix in db[name].list_indexes())]


def _oldest(collection) -> str | None:
    rows = collection.aggregate([{"$match": WITH_OUTBOX}, {"$unwind": "$outbox"},
                                 {"$group": {"_id": None, "at": {"$min": "$outbox.created_at"}}}])
    at = next(iter(rows), {}).get("at")
    return at.isoformat() if isinstance(at, datetime) else None


def replay_outboxes(client, db_prefix: str, dispatcher: Callable[[str, str, dict], None],
                    services: Iterable[str] = SERVICES) -> list[dict[str, Any]]:
    """Publish every pending entry now as its database's service (the event source), then pull it.

    `dispatcher(source, event_type, payload)` is nameko's standalone `event_dispatcher(config)`, which
    waits for the broker's confirm. Consumers dedupe on `event_id`, so an entry that the service's
    own relay publishes at the same moment is delivered twice and handled once.
    """
    from kit.outbox import flush

    done = []
    for service in services:
        name = f"{db_prefix}_{service}"
        db = client[name]
        for collection in outbox_collections(db):
            coll, published = db[collection], 0
            for doc in list(coll.find(WITH_OUTBOX, {"outbox": 1})):
                published += flush(coll, doc["_id"], doc["outbox"],
                                   lambda event_type, payload, s=service: dispatcher(s, event_type, payload))
            if published:
                done.append({"database": name, "service": service, "collection": collection,
                             "published": published})
    return done


# ---- printing ---------------------------------------------------------------------------------



# ---- the commands (registered in gateway.ops.cli) -----------------------------------------------------
# Exit codes: 0 fine; 1 the command worked and found something an operator must act on (SLA breaches,
# stale outbox entries, a year not covered, an unreachable broker or database); 2 bad input.


def _client(cfg: dict[str, str]):
    from pymongo import MongoClient

    return MongoClient(cfg["mongo_uri"], serverSelectionTimeoutMS=5000, tz_aware=True)


def _print(args, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str) if args.json else text)


def _gateway_overview(cfg: dict) -> dict:
    client = _client(cfg)
    try:
        return overview(client[f"{cfg['db_prefix']}_gateway"]["applications"])
    finally:
        client.close()


def cmd_queues(args) -> int:
    cfg = env_config()
    view = _gateway_overview(cfg)
    vhost = vhost_of(cfg["amqp_uri"])
    code, rabbit_error = 0, None
    try:
        queues = rabbit_queues(cfg["management_uri"], vhost)
    except OpsError as exc:
        queues, rabbit_error, code = [], str(exc), 1
    clerk = [{"bureau": b, **q} for b, q in view["queues"].items()]
    data = {"today": view["today"], "bureaus": clerk, "rabbitmq": {"vhost": vhost, "queues": queues,
                                                                  "error": rabbit_error}}
    text = (f"clerk queues and open steps by bureau (today {view['today']}, Beijing):\n"
            + table(clerk, ["bureau", "waiting", "overdue", "open_steps", "overdue_steps"])
            + f"\n\nRabbitMQ queues in vhost {vhost}:\n"
            + (f"error: {rabbit_error}" if rabbit_error else
               table(queues, ["queue", "messages", "ready", "unacked", "consumers"])))
    _print(args, data, text)
    return code


def cmd_sla(args) -> int:
    view = _gateway_overview(env_config())
    breaches = view["breaches"]
    data = {"today": view["today"], "breaches": breaches, "count": len(breaches)}
    text = (f"{len(breaches)} overdue step(s) on {view['today']} (Beijing)"
            + ("\n" + table(breaches, ["application_id", "bureau", "state", "deadline", "working_days_late"])
               if breaches else ""))
    _print(args, data, text)
    return 1 if breaches else 0


def cmd_outbox(args) -> int:
    cfg = env_config()
    client = _client(cfg)
    try:
        if args.action == "replay":
            from nameko.standalone.events import event_dispatcher

            dispatcher = event_dispatcher({"AMQP_URI": cfg["amqp_uri"], "serializer": "json"})
            try:
                done = replay_outboxes(client, cfg["db_prefix"], dispatcher)
            except OSError as exc:  # kombu's connection errors are OSErrors
                print(f"error: broker unreachable: {exc}", file=sys.stderr)
                return 1
            total = sum(r["published"] for r in done)
            _print(args, {"published": total, "collections": done},
                   f"published and pulled {total} outbox entr{'y' if total == 1 else 'ies'}"
                   + ("\n" + table(done, ["database", "collection", "service", "published"]) if done else ""))
            return 0
        rows = outbox_backlog(client, cfg["db_prefix"])
    finally:
        client.close()
    now = clock.now().astimezone()
    stale = [r for r in rows if r.get("oldest")
             and (now - datetime.fromisoformat(r["oldest"])).total_seconds() > args.stale_seconds]
    errors = [r for r in rows if r.get("error")]
    total = sum(r["pending"] or 0 for r in rows)
    _print(args, {"pending": total, "collections": rows, "stale": len(stale)},
           f"{total} pending outbox entr{'y' if total == 1 else 'ies'}"
           + ("\n" + table(rows, ["database", "collection", "pending", "oldest", "error"]) if rows else ""))
    return 1 if stale or errors else 0


def register(subparsers) -> None:
    def with_json(parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    with_json(subparsers.add_parser("queues", help="clerk queues by bureau and RabbitMQ queue depths")) \
        .set_defaults(run=cmd_queues)
    with_json(subparsers.add_parser("sla", help="overdue steps (exit 1 when there are any)")) \
        .set_defaults(run=cmd_sla)
    outbox = with_json(subparsers.add_parser("outbox", help="pending outbox entries; `replay` publishes them"))
    outbox.add_argument("action", nargs="?", choices=["list", "replay"], default="list")
    outbox.add_argument("--stale-seconds", type=float, default=60,
                        help="exit 1 when an entry is older than this (default 60)")
    outbox.set_defaults(run=cmd_outbox)
