"""Data minimisation (PIPL art. 6, the minimum necessary): a broad event goes to each consumer as its own
copy, carrying only what that bureau's manifest entry (contracts/bureaus.py `form_fields`) says it needs.

`licence_issued` leaves registration's outbox once and is published (kit/outbox.py `flush`) as:
- `licence_issued.<bureau>` for each consuming bureau: the envelope, what every consumer needs (`COMMON`:
  the licence, its documents, the founder's account id for the bureau's ownership checks, kit/owners.py)
  and the bureau's own fields, nothing else (the bank gets no employee, the seal bureau no resident ID);
- `licence_issued` for the gateway's tracker: the envelope, `COMMON` and `shared`, the field paths each
  bureau's copy carried (no values): what the data-sharing receipt shows (gateway/receipts.py).

Each bureau's queue is bound to its own routing key (kit/queues.py) and its broker user may bind no other
(kit/broker_users.py), so no bureau can read another's copy. Pure functions, no I/O.
"""

from __future__ import annotations

from typing import Any

from contracts import bureaus

ENVELOPE = ("event_id", "type", "application_id", "occurred_at")
# event type -> what every consumer's copy carries besides the envelope and the bureau's own fields
PER_CONSUMER: dict[str, tuple[str, ...]] = {"licence_issued": ("licence", "documents", "founder_id")}
SHARED = "shared"  # the tracker's copy: bureau -> the field paths its copy carried
# where an event carries a form path the manifest names (the rest have the form's names)
EVENT_PATHS = {"contact.phone": "contact_phone"}


def source_of(event_type: str) -> str:
    return next(source for source, kinds in bureaus.SOURCES.items() if event_type in kinds)


def recipients(event_type: str) -> tuple[str, ...]:
    """The bureaus that consume `event_type` (in manifest order)."""
    return bureaus.consumers().get((source_of(event_type), event_type), ())


def routing_key(source: str, event_type: str, consumer: str) -> str:
    """The key `consumer`'s queue for this event is bound with: its own copy's, or the event type."""
    if event_type in PER_CONSUMER and consumer in bureaus.NAMES and source == source_of(event_type):
        return f"{event_type}.{consumer}"
    return event_type


def event_paths(bureau: str) -> tuple[str, ...]:
    """The dotted paths of the event a bureau's copy keeps, from its manifest's form fields."""
    return tuple(EVENT_PATHS.get(p, p) for p in bureaus.bureau(bureau).form_fields)


def project(payload: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """Only these dotted paths of a JSON object (a path through a list applies to every element)."""
    out: dict[str, Any] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        if head not in payload:
            continue
        value = payload[head]
        if not rest:
            out[head] = value
        elif isinstance(value, dict):
            out[head] = _merge(out.get(head), project(value, (rest,)))
        elif isinstance(value, list):
            out[head] = [project(v, (rest,)) if isinstance(v, dict) else v for v in value]
    return out


def _merge(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    return {**old, **new} if isinstance(old, dict) else new


def copy_for(event_type: str, payload: dict[str, Any], bureau: str) -> dict[str, Any]:
    return project(payload, (*ENVELOPE, *PER_CONSUMER[event_type], *event_paths(bureau)))


def copies(event_type: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(routing key, payload) to publish for one outbox entry: itself, or one copy per consumer + the
    tracker's."""
    if event_type not in PER_CONSUMER:
        return [(event_type, payload)]
    source, out, shared = source_of(event_type), [], {}
    for bureau in recipients(event_type):
        copy = copy_for(event_type, payload, bureau)
        shared[bureau] = [p for p in field_paths(copy) if p not in ENVELOPE]
        out.append((routing_key(source, event_type, bureau), copy))
    tracker = {**project(payload, (*ENVELOPE, *PER_CONSUMER[event_type])), SHARED: shared}
    return [(event_type, tracker), *out]


def field_paths(value: Any, prefix: str = "") -> list[str]:
    """Leaf paths of a JSON value: `a.b`, lists as `a[]` (every element's paths merged)."""
    if isinstance(value, dict):
        out: list[str] = []
        for key in value:
            out += field_paths(value[key], f"{prefix}.{key}" if prefix else str(key))
        return sorted(set(out))
    if isinstance(value, list):
        out = []
        for item in value:
            out += field_paths(item, f"{prefix}[]")
        return sorted(set(out)) or [f"{prefix}[]"]
    return [prefix] if prefix else []
