"""Recording one bureau event into its application: exactly once, without losing concurrent events.

The tracker may run several workers (and several instances): each event is appended with the derived
fields in ONE update that matches only if the event is not in the timeline yet and the document's
version is the one the fields were derived from; on a version clash it re-reads and tries again.
"""

from __future__ import annotations

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
