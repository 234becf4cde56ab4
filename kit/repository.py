"""One repository for aggregates stored one per document: load with its version, then a compare-and-set
save that writes the new state and the events it causes (the outbox) in ONE single-document update, so
a state change and its events land together or not at all; kit.outbox relays what a dead worker left.

`Repository` works on a MongoDB collection. `InMemoryRepository` is the same logic over a dict, for
unit tests of the use cases: it evaluates the finders' filters with `matches` (the MongoDB operators our
stores use, on dotted paths through lists), and it does NOT enforce secondary unique indexes,
transactions or the relay: those are the integration tests' job, against the real database.

What a bureau with an older store needs to move onto it without a data migration:
- `insert(..., owner=application_id)`: the founder's pending owner (kit.owners) rides on the first write
  of an aggregate keyed by something else (an employer keyed by USCC); `upsert=True` writes it as an
  upsert ($setOnInsert), so a redelivery costs that one command and no read.
- `insert_many`: a batch of new aggregates in one command; those already stored are skipped (`ordered`:
  the batch stops at the first one stored already, so of two workers storing the same keys in the same
  order, only the one that stored the first key stores any).
- `save(key, version, ...)`: the compare-and-set with a version the caller already holds (from its own
  insert or load), one write and no re-read; None when someone else wrote first.
- `native_datetimes=True`: datetimes stored as BSON datetimes (what a store's indexes and range queries
  on moments expect); dates, decimals and the rest as JSON (ISO strings), as always.
- `key_field`: the aggregate's field that is its key, stored once, as `_id`.
- A document without `version` (stored before the repository) is version 0; `upgrade` turns an older
  stored shape into the model's on every read, so the next save writes the new shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts.events import Event
from contracts.rpc import Conflict
from contracts.sharing import copies
from kit import owners
from kit.mongo import DUPLICATE_KEY
from kit.outbox import Dispatch, flush, outbox_entry

A = TypeVar("A", bound=BaseModel)
BOOKKEEPING = ("_id", "version", "outbox", "owner")  # owner: kit.owners folds it into the first write
MAX_ATTEMPTS = 5
Sort = list[tuple[str, int]]  # (path, 1 or -1), as pymongo's sort takes it


class Repository(Generic[A]):
    def __init__(self, collection: Any, model: type[A], busy: str = "该记录正被同时修改，请刷新后重试",
                 native_datetimes: bool = False, upgrade: Callable[[dict], dict] | None = None,
                 key_field: str | None = None):
        self.collection, self.model, self.busy = collection, model, busy
        self.native_datetimes, self.upgrade, self.key_field = native_datetimes, upgrade, key_field

    # ---- the use cases' verbs

    def insert(self, key: str, aggregate: A, events: list[Event], owner: str | None = None,
               upsert: bool = False) -> list[dict] | None:
        """Store a new aggregate with its outbox; None when one with this key exists already (a
        redelivery). Any other unique clash is a bug and is raised. `owner`: the application whose
        pending owner rides on this write (default: the key)."""
        entries = [outbox_entry(e) for e in events]
        doc = self._new_doc(key, aggregate, entries, owner)
        try:
            if upsert:
                return entries if self._upsert(doc) else None
            self._insert(doc)
        except DuplicateKeyError:
            if not upsert and self._one({"_id": key}) is not None:
                return None
            raise
        return entries

    def insert_many(self, items: list[tuple[str, A, list[Event]]], ordered: bool = False) -> list[str]:
        """Store new aggregates (key, aggregate, events) in one command; the keys stored now. An item
        that clashes with a stored one on any unique index (a redelivery, or another worker) is skipped,
        the others are stored (`ordered`: those after it are not stored either)."""
        if not items:
            return []
        docs = [self._new_doc(key, aggregate, [outbox_entry(e) for e in events], None)
                for key, aggregate, events in items]
        skipped = self._insert_many(docs, ordered)
        return [d["_id"] for i, d in enumerate(docs) if i not in skipped]

    def save(self, key: str, version: int, aggregate: A, events: list[Event]) -> list[dict] | None:
        """Compare-and-set with the version the caller holds: its outbox entries, None when the stored
        aggregate is no longer at that version (the caller reads again, or lets the winner's write stand)."""
        entries = [outbox_entry(e) for e in events]
        return entries if self._swap(key, version, self._dump(aggregate), entries) else None

    def load(self, query: dict[str, Any]) -> tuple[A, int] | None:
        doc = self._one(query)
        return (self._aggregate(doc), int(doc.get("version", 0))) if doc else None

    def get(self, query: dict[str, Any]) -> A | None:
        loaded = self.load(query)
        return loaded[0] if loaded else None

    def exists(self, query: dict[str, Any]) -> bool:
        return self._one(query) is not None

    def move(self, key: str, held: tuple[A, int], ready: Callable[[A], bool], change: Callable[[A], A],
             events: list[Event]) -> tuple[A, int, list[dict]] | None:
        """`save` of `change(aggregate)` with the held version while `ready(aggregate)` holds: one write
        when nobody wrote since the caller's read; a lost race reads again and decides again. The moved
        aggregate, its version and the outbox entries; None when it is (or became) not ready."""
        aggregate, version = held
        for _ in range(MAX_ATTEMPTS):
            if not ready(aggregate):
                return None
            changed = change(aggregate)
            entries = self.save(key, version, changed, events)
            if entries is not None:
                return changed, version + 1, entries
            loaded = self.load({"_id": key})
            if loaded is None:
                return None
            aggregate, version = loaded
        raise Conflict(self.busy)

    def set_where(self, key: str, condition: dict[str, Any], fields: dict[str, Any], events: list[Event]
                  ) -> list[dict] | None:
        """Set stored fields while the aggregate matches `condition`, without reading it first (a move
        whose condition is all it needs to know): one write that bumps the version, so a version held
        from before cannot write the old values back. Its entries, None when it did not match."""
        entries = [outbox_entry(e) for e in events]
        update: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
        if entries:
            update["$push"] = {"outbox": {"$each": entries}}
        return entries if self._update({"_id": key, **condition}, update) else None

    def find(self, query: dict[str, Any], sort: Sort | None = None, limit: int = 0) -> Iterator[A]:
        for doc in self._many(query, sort, limit):
            yield self._aggregate(doc)

    def find_loaded(self, query: dict[str, Any], sort: Sort | None = None, limit: int = 0
                    ) -> Iterator[tuple[A, int]]:
        """`find` with each aggregate's version, for `save`."""
        for doc in self._many(query, sort, limit):
            yield self._aggregate(doc), int(doc.get("version", 0))

    def pending(self, key: str) -> list[dict]:
        """The outbox entries one aggregate still has to send (a dead worker's, or a redelivery's)."""
        return (self._outbox(key) or {}).get("outbox") or []

    def flush(self, key: str, entries: list[dict], dispatch: Dispatch) -> None:
        """Publish these entries of one aggregate, then take them out of its outbox (kit.outbox.flush)."""
        if entries:
            flush(self.collection, key, entries, dispatch)

    def publish(self, key: str, dispatch: Dispatch) -> None:
        """What the aggregate still has to send, sent: one read, and one write only when there is any."""
        self.flush(key, self.pending(key), dispatch)

    def change(self, query: dict[str, Any], decide: Callable[[A], tuple[A, list[Event]]],
               missing: Callable[[], Exception]) -> tuple[A, list[dict]]:
        """Read, decide, write only if nobody changed it since the read (version), with the events in
        the same update. A lost race reads again; `decide` must be a pure function of what it is given."""
        for _ in range(MAX_ATTEMPTS):
            doc = self._one(query)
            if doc is None:
                raise missing()
            changed, events = decide(self._aggregate(doc))
            entries = [outbox_entry(e) for e in events]
            if self._swap(doc["_id"], int(doc.get("version", 0)), self._dump(changed), entries):
                return changed, entries
        raise Conflict(self.busy)

    # ---- storage primitives (MongoDB)

    def _one(self, query: dict[str, Any]) -> dict | None:
        return self.collection.find_one(query)

    def _many(self, query: dict[str, Any], sort: Sort | None = None, limit: int = 0) -> Iterable[dict]:
        cursor = self.collection.find(query, {"outbox": 0})
        if sort:
            cursor = cursor.sort(sort)
        return cursor.limit(limit) if limit else cursor

    def _outbox(self, key: Any) -> dict | None:
        return self.collection.find_one({"_id": key}, {"outbox": 1})

    def _insert(self, doc: dict[str, Any]) -> None:
        self.collection.insert_one(doc)

    def _upsert(self, doc: dict[str, Any]) -> bool:
        result = self.collection.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        return result.upserted_id is not None

    def _insert_many(self, docs: list[dict[str, Any]], ordered: bool = False) -> set[int]:
        try:
            self.collection.insert_many(docs, ordered=ordered)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            if ordered:  # the server stopped at its first error
                return set(range(min(e["index"] for e in errors), len(docs)))
            return {e["index"] for e in errors}
        return set()

    def _swap(self, key: Any, version: int, fields: dict[str, Any], entries: list[dict]) -> bool:
        update: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
        if entries:
            update["$push"] = {"outbox": {"$each": entries}}
        # version 0 is also a document stored before versions were kept (no field at all)
        held = {"$in": [0, None]} if version == 0 else version
        return self._update({"_id": key, "version": held}, update)

    def _update(self, query: dict[str, Any], update: dict[str, Any]) -> bool:
        return bool(self.collection.update_one(query, update).modified_count)

    # ---- helpers

    def _new_doc(self, key: str, aggregate: A, entries: list[dict], owner: str | None) -> dict[str, Any]:
        return owners.stamped({"_id": key, "version": 0, "outbox": entries, **self._dump(aggregate)}, owner or key)

    def _dump(self, aggregate: A) -> dict[str, Any]:
        stored = aggregate.model_dump(mode="json", exclude={self.key_field} if self.key_field else None)
        return _datetimes_kept(stored, aggregate.model_dump()) if self.native_datetimes else stored

    def _aggregate(self, doc: dict) -> A:
        if self.upgrade is not None:
            doc = self.upgrade(doc)
        fields = {k: v for k, v in doc.items() if k not in BOOKKEEPING}
        if self.key_field:
            fields[self.key_field] = doc["_id"]
        return self.model.model_validate(fields)


def _datetimes_kept(stored: Any, python: Any) -> Any:
    """The JSON dump `stored` with every datetime put back from the python dump (same shape)."""
    if isinstance(python, datetime):
        return python
    if isinstance(stored, dict) and isinstance(python, dict):
        return {k: _datetimes_kept(v, python.get(k)) for k, v in stored.items()}
    if isinstance(stored, list) and isinstance(python, list | tuple) and len(stored) == len(python):
        return [_datetimes_kept(s, p) for s, p in zip(stored, python, strict=True)]
    return stored


class InMemoryRepository(Repository[A]):
    """The same repository over a dict (see the module docstring for what it does not do)."""

    def __init__(self, model: type[A], busy: str = "该记录正被同时修改，请刷新后重试",
                 native_datetimes: bool = False, upgrade: Callable[[dict], dict] | None = None,
                 key_field: str | None = None):
        super().__init__(None, model, busy, native_datetimes, upgrade, key_field)
        self.docs: dict[Any, dict[str, Any]] = {}
        self.sent: list[tuple[str, dict]] = []  # what flush published, in order

    def outbox(self, key: Any) -> list[dict]:
        return list(self.docs[key]["outbox"])

    def flush(self, key: str, entries: list[dict], dispatch: Dispatch) -> None:
        ids = set()
        for entry in entries:
            for routing_key, payload in copies(entry["type"], entry["payload"]):
                dispatch(routing_key, payload)
                self.sent.append((routing_key, payload))
            ids.add(entry["event_id"])
        if key in self.docs:
            self.docs[key]["outbox"] = [e for e in self.docs[key].get("outbox", []) if e["event_id"] not in ids]

    def _one(self, query: dict[str, Any]) -> dict | None:
        return next((copy.deepcopy(d) for d in self.docs.values() if matches(d, query)), None)

    def _many(self, query: dict[str, Any], sort: Sort | None = None, limit: int = 0) -> Iterable[dict]:
        found = [copy.deepcopy(d) for d in self.docs.values() if matches(d, query)]
        for path, direction in reversed(sort or []):  # stable sorts, last key first: Mongo's order
            found.sort(key=lambda d, p=path.split("."): _sort_key(d, p), reverse=direction < 0)
        return found[:limit] if limit else found

    def _outbox(self, key: Any) -> dict | None:
        return copy.deepcopy(self.docs.get(key))

    def _insert(self, doc: dict[str, Any]) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError(f"duplicate _id {doc['_id']!r}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    def _upsert(self, doc: dict[str, Any]) -> bool:
        if doc["_id"] in self.docs:
            return False
        self._insert(doc)
        return True

    def _insert_many(self, docs: list[dict[str, Any]], ordered: bool = False) -> set[int]:
        skipped = {i for i, d in enumerate(docs) if d["_id"] in self.docs}
        if ordered and skipped:
            skipped = set(range(min(skipped), len(docs)))
        for i, doc in enumerate(docs):
            if i not in skipped:
                self._insert(doc)
        return skipped

    def _update(self, query: dict[str, Any], update: dict[str, Any]) -> bool:
        """The three operators `_swap` and `set_where` write: $set, $inc version, $push outbox $each."""
        doc = self.docs.get(query["_id"])
        if doc is None or not matches(doc, query):
            return False
        doc.update(copy.deepcopy(update["$set"]), version=doc.get("version", 0) + update["$inc"]["version"])
        doc["outbox"] = [*doc.get("outbox", []), *copy.deepcopy(update.get("$push", {}).get("outbox", {}).get("$each", []))]
        return True


def _sort_key(doc: dict[str, Any], parts: list[str]) -> tuple[bool, Any]:
    value = next(path_values(doc, parts), None)
    return value is not None, value  # a missing or null value sorts first, as in Mongo


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    """MongoDB's filter on a dict, for the in-memory fakes (InMemoryRepository, services/tax/store.py):
    {path: value} (None also matches a missing field, a dict without operators a whole subdocument),
    $in, $ne, $lt, $lte, $gt, $gte, $exists, $type "string", $elemMatch, $or, $and. A dotted path goes
    through lists (`seals.code`) and a number picks a list item (`tasks.0`). Comparisons are between
    numbers, or values of one type (ISO dates compare as their strings, as in Mongo); a datetime is not
    compared with one of the other tz-awareness."""
    for path, wanted in query.items():
        if path == "$or":
            if not any(matches(doc, q) for q in wanted):
                return False
            continue
        if path == "$and":
            if not all(matches(doc, q) for q in wanted):
                return False
            continue
        if not _satisfies(list(path_values(doc, path.split("."))), wanted):
            return False
    return True


def _satisfies(values: list[Any], wanted: Any) -> bool:
    if not (isinstance(wanted, dict) and wanted and all(k.startswith("$") for k in wanted)):
        return wanted in values or (wanted is None and not values)
    for op, arg in wanted.items():
        if op == "$in":
            ok = any(v in arg for v in values) or (None in arg and not values)
        elif op == "$ne":
            ok = not _satisfies(values, arg)
        elif op == "$exists":
            ok = bool(values) == bool(arg)
        elif op == "$type":
            if arg != "string":
                raise NotImplementedError(f"$type {arg!r}")
            ok = any(isinstance(v, str) for v in values)
        elif op == "$elemMatch":
            ok = any(isinstance(v, dict) and matches(v, arg) for v in values)
        elif op in _COMPARE:
            ok = any(v is not None and _comparable(v, arg) and _COMPARE[op](v, arg) for v in values)
        else:  # an operator no finder uses yet: say so rather than match wrongly
            raise NotImplementedError(op)
        if not ok:
            return False
    return True


_COMPARE = {"$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
            "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b}


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    numbers = int | float | Decimal
    return isinstance(a, numbers) and isinstance(b, numbers) or type(a) is type(b)


def path_values(value: Any, parts: list[str]) -> Iterator[Any]:
    """Every value a dotted path (split into `parts`) reaches in a document, as Mongo's filters see them:
    through lists (`seals.code`), a number picking a list item (`tasks.0`), a list also yielding its items.
    Public for in-memory stores that sort or index on a path (services/tax/store.py)."""
    if not parts:
        if isinstance(value, list):
            yield from value
        yield value
        return
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict) and head in value:
        yield from path_values(value[head], rest)
    elif isinstance(value, list):
        if head.isdigit():
            if int(head) < len(value):
                yield from path_values(value[int(head)], rest)
        else:
            for item in value:
                yield from path_values(item, parts)
