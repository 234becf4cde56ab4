"""Transactional outbox on any MongoDB (no replica set needed).

An event rides in the same document as the state change that causes it (`$push: {outbox: entry}` in
the same single-document update, which MongoDB applies atomically). After the write the worker
publishes at once (`flush`); if it dies first, a `@timer` in every instance `relay`s entries older than
a few seconds. Publishing then pulling means at-least-once delivery: consumers dedupe on `event_id`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from pymongo.collection import Collection

from contracts import clock
from contracts.calendar import aware
from contracts.events import Event

Dispatch = Callable[[str, dict], None]  # nameko's EventDispatcher: dispatch(event_type, payload)

log = logging.getLogger(__name__)

RELAY_MIN_AGE = timedelta(seconds=5)


def outbox_entry(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "type": event.type,
        "payload": event.model_dump(mode="json"),
        "created_at": clock.now(),
    }


def flush(collection: Collection, doc_id: Any, entries: Iterable[dict], dispatch: Dispatch) -> int:
    """Publish these entries of one document (broker-confirmed), then remove them from its outbox."""
    sent = []
    for entry in entries:
        dispatch(entry["type"], entry["payload"])
        log.info(
            "published %s",
            entry["type"],
            extra={"event_id": entry["event_id"], "application_id": entry["payload"].get("application_id")},
        )
        sent.append(entry["event_id"])
    if sent:
        collection.update_one({"_id": doc_id}, {"$pull": {"outbox": {"event_id": {"$in": sent}}}})
    return len(sent)


def relay(collection: Collection, dispatch: Dispatch, min_age: timedelta = RELAY_MIN_AGE, limit: int = 200) -> int:
    """Publish entries left behind by a worker that died between its write and its flush."""
    cutoff = clock.now() - min_age
    published = 0
    query = {"outbox": {"$elemMatch": {"created_at": {"$lt": cutoff}}}}
    for doc in collection.find(query, {"outbox": 1}).limit(limit):
        stale = [e for e in doc["outbox"] if aware(e["created_at"]) < cutoff]
        published += flush(collection, doc["_id"], stale, dispatch)
    if published:
        log.warning("relayed %d unpublished events from %s", published, collection.name)
    return published


def pending(collection: Collection) -> int:
    """How many events wait in this collection's outbox (operators' view)."""
    rows = collection.aggregate(
        [{"$match": {"outbox.0": {"$exists": True}}}, {"$project": {"n": {"$size": "$outbox"}}},
         {"$group": {"_id": None, "n": {"$sum": "$n"}}}]
    )
    return next(iter(rows), {"n": 0})["n"]
