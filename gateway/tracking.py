"""Recording one event into its application: exactly once, without losing concurrent events.

Bureau events (`append`, the tracker's path): one guarded `$push` appends the event and bumps the
version, then the document is read; the status is derived from that timeline and stored only if the
version is still the one read. If another event landed in between, its worker read a timeline that
includes this event, so its derived state is the newer one: two writes and a read, no retries.

Changes made with an event (`record`, the web process's corrections): the event, the changes and the
derived fields go in ONE update that matches only if the document's version is the one they were
derived from; on a version clash it re-reads and tries again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway.store import GatewayStore
from gateway.timeline import derive, timeline_entry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 50


class Contended(RuntimeError):
    """Too many concurrent writers on one application: the event is requeued."""


def append(store: GatewayStore, source: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Append a bureau event (once) and refresh the derived state; the document, None if unknown."""
    entry = timeline_entry(source, payload)
    app_id = payload["application_id"]
    doc = store.append_event(app_id, entry)
    appended = doc is not None
    if not appended:
        # A redelivery. The worker that appended it may have died before storing the derived state
        # (kill -9 between the two writes), so derive again from what is stored: the repair is cheap
        # and redeliveries are rare.
        doc = store.application(app_id)
        if doc is None:
            log.warning("event for an unknown application", extra={"application_id": app_id,
                                                                   "event_id": entry["event_id"]})
            return None
    derived = derive(doc["form"], doc["timeline"], doc["submitted_at"])
    if not appended and _stored(derived, doc):
        return doc  # a plain redelivery: nothing to repair, so nothing changes
    store.set_derived(app_id, doc["version"], {**derived, "updated_at": datetime.now(UTC)})
    if appended:
        log.info("recorded %s/%s -> %s", source, entry["type"], derived["status"],
                 extra={"application_id": app_id, "event_id": entry["event_id"]})
    return doc


def _stored(derived: dict[str, Any], doc: dict[str, Any]) -> bool:
    """True when the document already holds exactly these derived fields."""
    def canonical(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    return all(canonical(value) == canonical(doc.get(key)) for key, value in derived.items())


def record(store: GatewayStore, source: str, payload: dict[str, Any], outbox: dict | None = None,
           changes: dict[str, Any] | None = None, guard: Callable[[dict], None] | None = None) -> bool:
    """Append the event; True if recorded now, False if it was already there or the application is unknown.

    `guard(doc)` may raise to refuse the change given the document as it is at the time of the write.
    """
    entry = timeline_entry(source, payload)
    app_id = payload["application_id"]
    for _ in range(MAX_ATTEMPTS):
        doc = store.application(app_id)
        if doc is None:
            log.warning("event for an unknown application", extra={"application_id": app_id,
                                                                   "event_id": entry["event_id"]})
            return False
        if any(e["event_id"] == entry["event_id"] for e in doc["timeline"]):
            return False
        if guard is not None:
            guard(doc)
        form = (changes or {}).get("form", doc["form"])
        derived = derive(form, [*doc["timeline"], entry], doc["submitted_at"])
        update = {**derived, **(changes or {}), "updated_at": datetime.now(UTC)}
        if store.update_versioned(app_id, doc["version"], update, entry, outbox):
            log.info("recorded %s/%s -> %s", source, entry["type"], derived["status"],
                     extra={"application_id": app_id, "event_id": entry["event_id"]})
            return True
    raise Contended(f"application {app_id}: {MAX_ATTEMPTS} concurrent updates")
