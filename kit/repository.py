"""One repository for aggregates stored one per document: load with its version, then a compare-and-set
save that writes the new state and the events it causes (the outbox) in ONE single-document update, so
a state change and its events land together or not at all; kit.outbox relays what a dead worker left.

`Repository` works on a MongoDB collection. `InMemoryRepository` is the same logic over a dict, for
unit tests of the use cases: it evaluates the finders' filters with `matches` (the MongoDB operators our
stores use, on dotted paths through lists), and it does NOT enforce secondary unique indexes,
transactions or the relay: those are the integration tests' job, against the real database.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from contracts.events import Event
from contracts.rpc import Conflict
from kit import owners
from kit.outbox import outbox_entry

A = TypeVar("A", bound=BaseModel)
BOOKKEEPING = ("_id", "version", "outbox", "owner")  # owner: kit.owners folds it into the first write
MAX_ATTEMPTS = 5


class Repository(Generic[A]):
    def __init__(self, collection: Any, model: type[A], busy: str = "该记录正被同时修改，请刷新后重试"):
        self.collection, self.model, self.busy = collection, model, busy

    # ---- the use cases' verbs

    def insert(self, key: str, aggregate: A, events: list[Event]) -> list[dict] | None:
        """Store a new aggregate with its outbox; None when one with this key exists already (a
        redelivery). Any other unique clash is a bug and is raised."""
        entries = [outbox_entry(e) for e in events]
        doc = owners.stamped({"_id": key, "version": 0, "outbox": entries, **aggregate.model_dump(mode="json")}, key)
        try:
            self._insert(doc)
        except DuplicateKeyError:
            if self._one({"_id": key}) is not None:
                return None
            raise
        return entries

    def load(self, query: dict[str, Any]) -> tuple[A, int] | None:
        doc = self._one(query)
        return (self._aggregate(doc), int(doc.get("version", 0))) if doc else None

    def get(self, query: dict[str, Any]) -> A | None:
        loaded = self.load(query)
        return loaded[0] if loaded else None

    def exists(self, query: dict[str, Any]) -> bool:
        return self._one(query) is not None

    def find(self, query: dict[str, Any]) -> Iterator[A]:
        for doc in self._many(query):
            yield self._aggregate(doc)

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
            if self._swap(doc["_id"], int(doc.get("version", 0)), changed.model_dump(mode="json"), entries):
                return changed, entries
        raise Conflict(self.busy)

    # ---- storage primitives (MongoDB)

    def _one(self, query: dict[str, Any]) -> dict | None:
        return self.collection.find_one(query)

    def _many(self, query: dict[str, Any]) -> Iterable[dict]:
        return self.collection.find(query, {"outbox": 0})

    def _insert(self, doc: dict[str, Any]) -> None:
        self.collection.insert_one(doc)

    def _swap(self, key: Any, version: int, fields: dict[str, Any], entries: list[dict]) -> bool:
        update: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
        if entries:
            update["$push"] = {"outbox": {"$each": entries}}
        return bool(self.collection.update_one({"_id": key, "version": version}, update).modified_count)

    # ---- helpers

    def _aggregate(self, doc: dict) -> A:
        return self.model.model_validate({k: v for k, v in doc.items() if k not in BOOKKEEPING})


class InMemoryRepository(Repository[A]):
    """The same repository over a dict (see the module docstring for what it does not do)."""

    def __init__(self, model: type[A], busy: str = "该记录正被同时修改，请刷新后重试"):
        super().__init__(None, model, busy)
        self.docs: dict[Any, dict[str, Any]] = {}

    def outbox(self, key: Any) -> list[dict]:
        return list(self.docs[key]["outbox"])

    def _one(self, query: dict[str, Any]) -> dict | None:
        return next((copy.deepcopy(d) for d in self.docs.values() if matches(d, query)), None)

    def _many(self, query: dict[str, Any]) -> Iterable[dict]:
        return [copy.deepcopy(d) for d in self.docs.values() if matches(d, query)]

    def _insert(self, doc: dict[str, Any]) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError(f"duplicate _id {doc['_id']!r}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    def _swap(self, key: Any, version: int, fields: dict[str, Any], entries: list[dict]) -> bool:
        doc = self.docs.get(key)
        if doc is None or doc.get("version", 0) != version:
            return False
        doc.update(copy.deepcopy(fields), version=version + 1)
        doc["outbox"] = [*doc.get("outbox", []), *entries]
        return True


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
