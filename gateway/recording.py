"""Recording one event into its application: exactly once, without losing concurrent events.

Every change is ONE single-document update that pushes the event, sets the fields derived from the
whole timeline (status, steps, outputs) and bumps `version`, matching only if the document is still
at the version it was derived from and the event is not in it yet. A clash (someone else wrote in
between) re-reads and derives again; a redelivered event matches nothing and changes nothing.

Bureau events (`append`, the tracker's path) come in bursts per application (each bureau sends two
events within milliseconds of the other bureaus), so the tracker keeps the applications it touched
recently (`RecentApplications`) at the version it last wrote and handles one application's events one
at a time: on the automatic path an event costs one update, no read. The cache is only a guess of the
stored version: the guard makes a stale guess a re-read, never a lost or doubled event.

Changes made with an event (`record`, the web process's corrections): the same update, read first.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from contracts import clock
from gateway.publisher import SOURCE
from gateway.receipts import receipt_row
from gateway.store import GatewayStore
from gateway.timeline import derive, required_events, timeline_entry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 50
# what `derive` and the tracker's side effects need of an application
TRACKER_FIELDS = {"form": 1, "timeline": 1, "submitted_at": 1, "version": 1, "founder_id": 1}


class Contended(RuntimeError):
    """Too many concurrent writers on one application: the event is requeued."""


class RecentApplications:
    """The applications this process wrote last, as it wrote them, and one writer per application."""

    def __init__(self, capacity: int = 500, window: float = 0.0):
        self.capacity = capacity
        self.batches = Batches(window)
        self._docs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._locks: dict[str, list] = {}  # application id -> [lock, holders and waiters]
        self._guard = threading.Lock()

    def get(self, app_id: str) -> dict[str, Any] | None:
        with self._guard:
            return self._docs.get(app_id)

    def put(self, app_id: str, doc: dict[str, Any]) -> None:
        with self._guard:
            self._docs[app_id] = doc
            self._docs.move_to_end(app_id)
            while len(self._docs) > self.capacity:
                self._docs.popitem(last=False)

    def forget(self, app_id: str) -> None:
        with self._guard:
            self._docs.pop(app_id, None)

    @contextmanager
    def one_at_a_time(self, app_id: str) -> Iterator[None]:
        with self._guard:
            slot = self._locks.setdefault(app_id, [threading.Lock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                yield
        finally:
            with self._guard:
                slot[1] -= 1
                if slot[1] == 0:
                    del self._locks[app_id]


class _Batch:
    """Events of one application waiting to be written together; every waiter gets the outcome."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.receipts: dict[str, dict[str, Any]] = {}  # event id -> its data-sharing receipt
        self.done = threading.Event()
        self.complete = threading.Event()  # the batch holds the application's last required output
        self.doc: dict[str, Any] | None = None
        self.error: BaseException | None = None


class Batches:
    """Group commit per application: the first event of an application opens a batch and, after
    `window` seconds (events of one application come in bursts: six bureaus answer one licence within
    milliseconds), writes every event that joined it in ONE update. Each worker returns, and so acks
    its message, only after that write: a crash before it acks nothing and the broker redelivers.
    Events arriving while a batch is being written open the next one. A batch that completes the
    application is written at once: nothing else is expected, and the founder is waiting for it."""

    def __init__(self, window: float = 0.0):
        self.window = window
        self._open: dict[str, _Batch] = {}
        self._guard = threading.Lock()

    def join(self, app_id: str, entry: dict[str, Any],
             receipt: dict[str, Any] | None = None) -> tuple[_Batch, bool]:
        """(the open batch of this application with `entry` in it, whether the caller writes it)."""
        with self._guard:
            batch = self._open.get(app_id)
            leader = batch is None
            if leader:
                batch = self._open[app_id] = _Batch()
            batch.entries.append(entry)
            if receipt is not None:
                batch.receipts[entry["event_id"]] = receipt
            return batch, leader

    def close(self, app_id: str, batch: _Batch) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        with self._guard:
            if self._open.get(app_id) is batch:
                del self._open[app_id]
            return list(batch.entries), dict(batch.receipts)


def prime(recent: RecentApplications, payload: dict[str, Any]) -> None:
    """Cache the application as the web process inserted it, from its `application_submitted` (the
    tracker consumes that event for this alone: the web recorded it): the first bureau event then
    needs no read. A guess like every cached copy: version 0 is exactly the inserted document (the
    web stamps `submitted_at` with the event's time; BSON keeps milliseconds), and where the event
    followed confirmations the stored version is higher, so the versioned write misses and reads."""
    app_id = payload["application_id"]
    if recent.get(app_id) is not None:
        return
    entry = timeline_entry(SOURCE, payload)
    at = entry["at"]
    recent.put(app_id, {"_id": app_id, "form": payload["form"], "timeline": [entry], "version": 0,
                        "submitted_at": at.replace(microsecond=at.microsecond // 1000 * 1000),
                        "founder_id": payload["founder_id"]})


def append(store: GatewayStore, source: str, payload: dict[str, Any],
           recent: RecentApplications | None = None) -> dict[str, Any] | None:
    """Record a bureau event once, with its data-sharing receipt in the same update; the application
    as recorded, None if it is unknown."""
    recent = recent or RecentApplications(capacity=0)
    entry = timeline_entry(source, payload)
    app_id = payload["application_id"]
    batch, leader = recent.batches.join(app_id, entry, receipt_row(source, payload))
    if _completes(recent.get(app_id), batch):
        batch.complete.set()  # wakes the leader out of its window
    if not leader:
        batch.done.wait()
        if batch.error is not None:
            raise batch.error  # requeued like the leader's own event
        return batch.doc
    if recent.batches.window:
        # a fixed window: each waiting event holds one of the tracker's workers (max_workers 10), so a
        # window that grew with the lateness under load (tried: a quarter of it, up to 1 s) capped the
        # tracker near 10 events/s and made it the bottleneck (make bench 06:31: tracker lag p50 7.2 s)
        batch.complete.wait(recent.batches.window)  # green under nameko: the other workers run meanwhile
    try:
        with recent.one_at_a_time(app_id):
            batch.doc = _write(store, app_id, *recent.batches.close(app_id, batch), recent)
    except BaseException as exc:
        recent.batches.close(app_id, batch)
        batch.error = exc
        raise
    finally:
        batch.done.set()
    return batch.doc


def _completes(doc: dict[str, Any] | None, batch: _Batch) -> bool:
    """Whether the cached application and this batch hold every output it requires (a guess like the
    cache: a wrong one only writes the batch early or late, never wrongly: `derive` decides)."""
    if doc is None:
        return False
    required = required_events(doc["form"])
    have = {e["type"] for e in doc["timeline"]} | {e["type"] for e in list(batch.entries)}
    return bool(required) and required <= have


def _write(store: GatewayStore, app_id: str, entries: list[dict[str, Any]],
           receipts: dict[str, dict[str, Any]], recent: RecentApplications) -> dict[str, Any] | None:
    """Record the entries not recorded yet in one versioned update (read only if not cached)."""
    for _ in range(MAX_ATTEMPTS):
        doc = recent.get(app_id) or store.application(app_id, TRACKER_FIELDS)
        if doc is None:
            log.warning("event for an unknown application", extra={"application_id": app_id,
                                                                   "event_id": entries[0]["event_id"]})
            return None
        seen = {e["event_id"] for e in doc["timeline"]}
        now = clock.now()
        # received_at says when the founder could first see it: this write, after the batch's wait
        new = [{**e, "received_at": now} for e in entries if e["event_id"] not in seen and not seen.add(e["event_id"])]
        if not new:
            return doc  # redeliveries: recorded, with the state derived from them
        timeline = [*doc["timeline"], *new]
        derived = derive(doc["form"], timeline, doc["submitted_at"])
        shared = {f"receipts.{e['event_id']}": receipts[e["event_id"]] for e in new if e["event_id"] in receipts}
        if store.update_with_entries(app_id, doc["version"], {**derived, **shared, "updated_at": now}, new):
            doc = {**doc, "timeline": timeline, "version": doc["version"] + 1}
            recent.put(app_id, doc)
            for e in new:
                log.info("recorded %s/%s -> %s", e["source"], e["type"], derived["status"],
                         extra={"application_id": app_id, "event_id": e["event_id"]})
            return doc
        recent.forget(app_id)  # written by someone else since: read it again
    raise Contended(f"application {app_id}: {MAX_ATTEMPTS} concurrent updates")


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
        update = {**derived, **(changes or {}), "updated_at": clock.now()}
        if store.update_versioned(app_id, doc["version"], update, entry, outbox):
            log.info("recorded %s/%s -> %s", source, entry["type"], derived["status"],
                     extra={"application_id": app_id, "event_id": entry["event_id"]})
            return True
    raise Contended(f"application {app_id}: {MAX_ATTEMPTS} concurrent updates")
