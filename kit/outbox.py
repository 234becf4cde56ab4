"""Transactional outbox on any MongoDB (no replica set needed).

An event rides in the same document as the state change that causes it (`$push: {outbox: entry}` in
the same single-document update, which MongoDB applies atomically). After the write the worker
publishes at once (`flush`); if it dies first, a `@timer` in every instance `relay`s entries older than
a few seconds. Publishing then pulling means at-least-once delivery: consumers dedupe on `event_id`.

The pull is batched: in a process whose timer relays a collection, `flush` only remembers what it
published and the next sweep pulls all of it from every document in ONE `update_many` (a round trip
per sweep, not one per state change). A crash before that sweep leaves published entries in the
outbox; the relay publishes them again, which is the same at-least-once as a crash between publish
and pull always was. This process's relay never republishes what it is still about to pull.
A process without a relay for the collection (the web, the operator CLI) pulls at once.

The search for left-behind entries is what a relay costs when nothing is wrong: one `find` per
collection per timer tick, in every bureau (bench.trips: ~4 of the ~36 round trips per application at
4/s came from these). So a relay searches a collection when this process has not searched it yet (a
restart finds what its previous incarnation left), when one of its own flushes failed since (until a
search has run late enough to see that entry as old), and otherwise every RELAY_SEARCH_SECONDS.
What only that periodic search finds, an entry left by ANOTHER instance that died and was not
restarted, waits up to RELAY_MIN_AGE + RELAY_SEARCH_SECONDS + the timer's interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.collection import Collection

from contracts import clock
from contracts.calendar import aware
from contracts.events import Event
from contracts.sharing import copies

Dispatch = Callable[[str, dict], None]  # nameko's EventDispatcher: dispatch(event_type, payload)

log = logging.getLogger(__name__)

RELAY_MIN_AGE = timedelta(seconds=5)
RELAY_SEARCH_SECONDS = 10.0
# documents with a pending entry, found through the `outbox.created_at` index every outbox collection
# has (`outbox.0 $exists` is served by no index: a read of the whole collection)
WITH_OUTBOX = {"outbox.created_at": {"$gt": datetime(1970, 1, 1, tzinfo=UTC)}}


def outbox_entry(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "type": event.type,
        "payload": event.model_dump(mode="json"),
        "created_at": clock.now(),
    }


class _Published:
    """What this process published and has yet to pull, per collection it relays."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._swept: set[tuple[str, str]] = set()
        self._pending: dict[tuple[str, str], dict[Any, list[str]]] = {}
        self._searched: dict[tuple[str, str], tuple[float, datetime]] = {}  # the last search: (monotonic, cutoff)
        self._failed: dict[tuple[str, str], datetime] = {}  # the last failed flush (clock)

    def failed(self, collection: Collection) -> None:
        with self._guard:
            self._failed[_key(collection)] = clock.now()

    def search_due(self, collection: Collection, every: float, cutoff: datetime) -> bool:
        """Whether a relay that would take entries older than `cutoff` searches the collection now
        (module docstring); if so, noted as searched. An entry whose flush failed was written before
        the failure: a search whose cutoff is past the failure sees it."""
        key, now = _key(collection), time.monotonic()
        with self._guard:
            last = self._searched.get(key)
            failed = self._failed.get(key)
            due = last is None or now - last[0] >= every or (failed is not None and last[1] < failed)
            if due:
                self._searched[key] = (now, cutoff)
            return due

    def search_again(self, collection: Collection) -> None:
        with self._guard:
            self._searched.pop(_key(collection), None)

    def sweeps(self, collection: Collection) -> None:
        with self._guard:
            self._swept.add(_key(collection))

    def defer(self, collection: Collection, doc_id: Any, event_ids: list[str]) -> bool:
        """Remember these for the next sweep; False if no relay of this process sweeps the collection."""
        key = _key(collection)
        with self._guard:
            if key not in self._swept:
                return False
            self._pending.setdefault(key, {}).setdefault(doc_id, []).extend(event_ids)
            return True

    def waiting(self, collection: Collection) -> set[str]:
        with self._guard:
            return {i for ids in self._pending.get(_key(collection), {}).values() for i in ids}

    def take(self, collection: Collection) -> dict[Any, list[str]]:
        with self._guard:
            return self._pending.pop(_key(collection), {})

    def put_back(self, collection: Collection, taken: dict[Any, list[str]]) -> None:
        with self._guard:
            pending = self._pending.setdefault(_key(collection), {})
            for doc_id, ids in taken.items():
                pending.setdefault(doc_id, []).extend(ids)


def _key(collection: Collection) -> tuple[str, str]:
    return collection.database.name, collection.name


published = _Published()


def flush(collection: Collection, doc_id: Any, entries: Iterable[dict], dispatch: Dispatch) -> int:
    """Publish these entries of one document (broker-confirmed), then remove them from its outbox:
    at the next sweep where this process relays the collection, else at once."""
    sent = []
    for entry in entries:
        try:
            for routing_key, payload in copies(entry["type"], entry["payload"]):  # one per consumer: minimisation
                dispatch(routing_key, payload)
        except BaseException:
            published.failed(collection)  # the relays of this process search it until it is old enough
            raise
        log.info(
            "published %s",
            entry["type"],
            extra={"event_id": entry["event_id"], "application_id": entry["payload"].get("application_id")},
        )
        sent.append(entry["event_id"])
    pull(collection, doc_id, sent)
    return len(sent)


def pull(collection: Collection, doc_id: Any, event_ids: list[str]) -> None:
    """Remove published entries from a document's outbox: at this process's next sweep, or now."""
    if event_ids and not published.defer(collection, doc_id, event_ids):
        collection.update_one({"_id": doc_id}, {"$pull": {"outbox": {"event_id": {"$in": event_ids}}}})


class Sweeper:
    """A thread that pulls what this process published, one update per `interval`, for a process that
    writes an outbox another process relays (the web writes applications, the gateway tracker relays
    them). Stopping sweeps once more; whatever is left then is published again by the relay."""

    def __init__(self, collection: Collection, interval: float = 2.0):
        self.collection, self.interval = collection, interval
        self._stop = threading.Event()
        published.sweeps(collection)
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"outbox-sweep-{collection.name}")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sweep()

    def _sweep(self) -> None:
        try:
            sweep(self.collection)
        except Exception:  # noqa: BLE001 - a database blip: kept for the next sweep (put back)
            log.warning("outbox sweep of %s failed; retried at the next one", self.collection.name, exc_info=True)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        self._sweep()


def sweep(collection: Collection) -> int:
    """Pull what this process published from the outboxes, all documents in one update; how many."""
    taken = published.take(collection)
    if not taken:
        return 0
    ids = sorted({i for event_ids in taken.values() for i in event_ids})
    pull = {"$pull": {"outbox": {"event_id": {"$in": ids}}}}
    try:
        if len(taken) == 1:  # the usual sweep at a steady load: a single-document update is cheaper for the
            collection.update_one({"_id": next(iter(taken))}, pull)  # server than a multi-update of one (profiled)
        else:
            collection.update_many({"_id": {"$in": list(taken)}}, pull)
    except Exception:
        published.put_back(collection, taken)  # the next sweep tries again
        raise
    return len(ids)


def relay(collection: Collection, dispatch: Dispatch, min_age: timedelta = RELAY_MIN_AGE, limit: int = 200,
          search_every: float = RELAY_SEARCH_SECONDS) -> int:
    """Publish entries left behind by a worker that died between its write and its flush (when a
    search is due: module docstring; `search_every=0` searches at every call), then pull everything
    this process published since the last sweep (one update)."""
    published.sweeps(collection)
    relayed = 0
    cutoff = clock.now() - min_age
    if published.search_due(collection, search_every, cutoff):
        query = {"outbox": {"$elemMatch": {"created_at": {"$lt": cutoff}}}}
        mine = published.waiting(collection)  # published here, pulled below: not left behind
        docs = list(collection.find(query, {"outbox": 1}).limit(limit))
        if len(docs) == limit:
            published.search_again(collection)  # more may be left: the next call searches too
        for doc in docs:
            stale = [e for e in doc["outbox"] if aware(e["created_at"]) < cutoff and e["event_id"] not in mine]
            relayed += flush(collection, doc["_id"], stale, dispatch)
    sweep(collection)
    if relayed:
        log.warning("relayed %d unpublished events from %s", relayed, collection.name)
    return relayed


def pending(collection: Collection) -> int:
    """How many events wait in this collection's outbox (operators' view)."""
    rows = collection.aggregate(
        [{"$match": WITH_OUTBOX}, {"$project": {"n": {"$size": "$outbox"}}},
         {"$group": {"_id": None, "n": {"$sum": "$n"}}}]
    )
    return next(iter(rows), {"n": 0})["n"]
