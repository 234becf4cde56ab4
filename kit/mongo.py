"""MongoDB access for Nameko services: one MongoClient per container, one store object per service.

Stores keep wire shapes as JSON (`model_dump(mode="json")`: ISO dates sort as strings) and money
that must change atomically as integer fen (`$inc` on an int is exact on every MongoDB).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128
from nameko.extensions import DependencyProvider
from pymongo import MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.rpc import Health

MONGO_URI_KEY = "MONGO_URI"
MONGO_DATABASE_KEY = "MONGO_DATABASE"
DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"
# MongoDB's error code for a unique-index clash: what a bulk write's `writeErrors` carry, where no
# DuplicateKeyError is raised per document
DUPLICATE_KEY = 11000

log = logging.getLogger(__name__)


class _DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


CODEC_OPTIONS = CodecOptions(tz_aware=True, type_registry=TypeRegistry([_DecimalCodec()]))


def connect(uri: str, database: str, **kwargs: Any) -> Database:
    options = {"serverSelectionTimeoutMS": 10000, **kwargs}
    if "retrywrites" not in uri.lower():
        # Retryable writes are off unless the URI asks for them: every consumer is idempotent and
        # redelivered, so a driver-level retry adds nothing, while the embedded database pays for each
        # retryable write with a scan of its recent retry records (measured: ~10x database CPU per
        # application, docs/benchmarks.md). On a real replica set add `retryWrites=true` to the URI.
        options["retryWrites"] = False
    client: MongoClient = MongoClient(uri, **options)
    return client.get_database(database, codec_options=CODEC_OPTIONS)


def redact_uri(uri: str) -> str:
    """mongodb://user:secret@host -> mongodb://user:***@host, for logs (each of `;`-separated AMQP
    failover addresses too)."""
    if ";" in uri:
        return ";".join(redact_uri(part) for part in uri.split(";"))
    if "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


# numbers reserved at once for series that only have to be unique (kit.mongo.next_sequence `block`):
# one counter round trip per this many applications instead of one each
NUMBER_BLOCK = 20


def next_sequence(counters: Collection, key: str, count: int = 1, fresh: bool = False, block: int = 1) -> int:
    """Advance the counter `key` by `count` atomically and return its new value (the last of the block).

    A process remembers the value it last saw of each shared counter and advances it with a
    compare-and-set update (`seq` still equal to that value): one plain update, where a findAndModify
    costs about four on the embedded database (bench/probe_ops.py). When another instance moved the
    counter meanwhile, the update matches nothing and an atomic increment takes over. Either way a
    number is given once.

    Never an upsert: racing `find_one_and_update(upsert=True)` calls on the embedded database were
    seen to apply the $inc yet answer None, which would skip numbers silently. The counter document is
    created once (a lost creation race is harmless) and then only incremented.

    `fresh=True` says the counter most likely does not exist yet (a series per new company): the block
    is taken by creating the counter with it, one insert, and an existing counter falls back to the
    increment. Such series are not remembered, so memory does not grow with the number of companies.

    `block` > 1 reserves that many numbers at once and hands them out from memory (no round trip until
    the block is used up), for series whose rules ask only that a number is never given twice: the
    stored counter is always at or past every number handed out, so a crash or a restart skips the
    rest of the block (a gap) and never reuses one. Two instances then interleave their blocks, so
    numbers are unique but not in the order they were given. Not for gapless series (invoices).
    """
    if fresh:
        try:
            counters.insert_one({"_id": key, "seq": count})
            return count
        except DuplicateKeyError:
            return _increment(counters, key, count)
    slot = (counters.database.name, counters.name, key)
    with _slot_lock(slot):
        reserved = _blocks.get(slot)
        if reserved is not None and reserved[1] - reserved[0] + 1 >= count:
            reserved[0] += count  # [next to give, last reserved]
            return reserved[0] - 1
        take = max(count, block)
        known = _last_seen.get(slot)
        if known is not None and counters.update_one(
                {"_id": key, "seq": known}, {"$set": {"seq": known + take}}).modified_count == 1:
            value = known + take
        else:
            value = _increment(counters, key, take)
        _last_seen[slot] = value
        if take > count:
            _blocks[slot] = [value - take + count + 1, value]
        else:
            _blocks.pop(slot, None)  # what was left of an older block is skipped
        return value - take + count


def reserved(counters: Collection, key: str, count: int = 1) -> int | None:
    """Like `next_sequence(..., block>1)` but only from the block this process holds: the last of
    `count` numbers, or None when taking them would need a round trip (no block, or too few left).
    A caller that may be handling a duplicate draws this way, and checks for the duplicate before it
    draws with a round trip: a replayed event then never moves the stored counter."""
    slot = (counters.database.name, counters.name, key)
    with _slot_lock(slot):
        block = _blocks.get(slot)
        if block is None or block[1] - block[0] + 1 < count:
            return None
        block[0] += count
        return block[0] - 1


def give_back(counters: Collection, key: str, last: int, count: int = 1) -> bool:
    """Numbers `next_sequence(..., block>1)` just handed out (`last` and the `count - 1` before it)
    whose record was never stored, e.g. an insert that found its document already there (a late
    duplicate): handed out again next, when they are still the last ones this process's block gave.
    Otherwise (another worker drew after them, or they came from no block) they stay a gap; never
    reused either way. True if given back."""
    slot = (counters.database.name, counters.name, key)
    with _slot_lock(slot):
        reserved = _blocks.get(slot)
        if reserved is None or reserved[0] - 1 != last:
            return False
        reserved[0] -= count
        return True


_last_seen: dict[tuple[str, str, str], int] = {}
_blocks: dict[tuple[str, str, str], list[int]] = {}  # numbers reserved and not yet given, per counter
_slot_locks: dict[tuple[str, str, str], threading.Lock] = {}
_slot_locks_guard = threading.Lock()
MAX_REMEMBERED_COUNTERS = 1024


def _slot_lock(slot: tuple[str, str, str]) -> threading.Lock:
    # one allocation per counter at a time in this process, so its workers never race each other
    with _slot_locks_guard:
        if slot not in _slot_locks and len(_slot_locks) >= MAX_REMEMBERED_COUNTERS:
            # Per-company series (a record number per later enrolment) would otherwise grow these
            # without bound. Forgetting is safe: the compare-and-set checks the stored value anyway, and
            # a worker still holding an old lock at worst loses one race and falls back to the $inc.
            _slot_locks.clear()
            _last_seen.clear()
            _blocks.clear()  # a forgotten block is a gap, never a reuse
        return _slot_locks.setdefault(slot, threading.Lock())


def _increment(counters: Collection, key: str, count: int) -> int:
    while True:
        row = counters.find_one_and_update({"_id": key}, {"$inc": {"seq": count}},
                                           return_document=ReturnDocument.AFTER)
        if row is not None:
            return int(row["seq"])
        try:
            counters.insert_one({"_id": key, "seq": 0})
        except DuplicateKeyError:
            pass  # another worker created it first


class Store(Protocol):
    def __init__(self, db: Database) -> None: ...

    def ensure_indexes(self) -> None: ...


class MongoStore(DependencyProvider):
    """`store = MongoStore(MyStore)`: workers get one shared `MyStore(db)`, indexes made at start."""

    def __init__(self, store_class: type[Store]):
        self.store_class = store_class

    def setup(self) -> None:
        config = self.container.config
        uri = config.get(MONGO_URI_KEY, DEFAULT_MONGO_URI)
        name = config[MONGO_DATABASE_KEY]
        self.db = connect(uri, name)
        self.store = self.store_class(self.db)
        self.store.ensure_indexes()
        log.info(
            "service %s uses database %s at %s and broker %s",
            self.container.service_name,
            name,
            redact_uri(uri),
            redact_uri(config.get("AMQP_URI", "")),
        )

    def stop(self) -> None:
        self.db.client.close()

    def get_dependency(self, worker_ctx: Any) -> Store:
        return self.store


class Sequences:
    """Named number series (next_sequence) over a counters collection: what a store allocates from."""

    def __init__(self, counters: Collection, block: int = 1):
        self.counters, self.block = counters, block

    def next(self, key: str, count: int = 1) -> int:
        return next_sequence(self.counters, key, count, block=self.block)

    def reserved(self, key: str, count: int = 1) -> int | None:
        """The next numbers if this process's block holds them, else None (kit.mongo.reserved)."""
        return reserved(self.counters, key, count)

    def give_back(self, key: str, last: int, count: int = 1) -> bool:
        """Numbers just drawn and never stored (kit.mongo.give_back)."""
        return give_back(self.counters, key, last, count)


class InMemorySequences(Sequences):
    """The same series in a dict, for unit tests (no concurrency, no persistence)."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def next(self, key: str, count: int = 1) -> int:
        self.values[key] = self.values.get(key, 0) + count
        return self.values[key]

    def reserved(self, key: str, count: int = 1) -> int | None:
        return None  # no blocks: the caller looks for a duplicate first, then draws

    def give_back(self, key: str, last: int, count: int = 1) -> bool:
        if self.values.get(key) != last:
            return False
        self.values[key] -= count
        return True


def database_health(ping: Any) -> str:
    """"ok" or "unavailable": health() answers while the database is down instead of raising. A ping
    that answers False (a store whose ping reports the server's "ok") counts as down too."""
    try:
        answered = ping()
    except Exception as exc:  # noqa: BLE001 - health reports any failure instead of raising
        log.error("database ping failed: %s", exc)
        return "unavailable"
    return "unavailable" if answered is False else "ok"


def health_view(service: str, ping: Any, checks: Mapping[str, Callable[[], str]] | None = None) -> dict:
    """Every service's `health()` answer (contracts.rpc.Health): the database pinged, and each of the
    bureau's own named `checks` (e.g. seal's font), each answering "ok" or what is wrong with it; "ok"
    only when all are. A check that raises is reported "unavailable", like the database, never raised."""
    database = database_health(ping)
    results = {name: _checked(name, check) for name, check in (checks or {}).items()}
    ok = database == "ok" and all(result == "ok" for result in results.values())
    return Health(service=service, status="ok" if ok else "degraded", database=database,
                  checks=results).model_dump(mode="json")


def _checked(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - as the ping: reported, never raised
        log.error("health check %s failed: %s", name, exc)
        return "unavailable"
