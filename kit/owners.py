"""A bureau checks, itself, that the person the gateway vouched for owns what a founder-facing RPC reads
or acts on: a bug in the gateway (a wrong id passed on, a missing check) cannot hand one founder another
company's documents, staff, invoices or seals.

The gateway stamps every call it makes for a logged-in person with the principal (`founder:<account id>`,
kit/callers.py); a bureau keeps that header only when the broker-validated caller is the gateway. Each
bureau keeps its own small register of who founded which application and company (`owners`: application
id -> founder's account id and USCC), written from the events that carry `founder_id`
(`application_submitted` at registration, `licence_issued` everywhere else), before the bureau's own
handling of the event, so no record of the bureau exists before its owner is known.

    class TaxService(clerk.ClerkRpc):
        owners = Owners()                        # the register and the principal of the call

        @durable_handler("registration", "licence_issued")
        def on_licence_issued(self, payload):
            self.owners.record(payload)           # first: the owner of what follows
            ...

        @rpc(expected_exceptions=OneStopError)
        @owned("uscc")                            # under @rpc: the argument naming the company
        def list_invoices(self, uscc): ...

The argument names what is checked: `application_id` (the application's founder, or an operator: the
gateway lets operators read every application's documents), a name ending in `uscc` (the company's
founder only: acting for a company is the founder's), `founder_id` (the id the gateway passed must be
the principal's own: registration compares it with its case). Anything else (a clerk, a call without a
principal, an unknown company) is Forbidden. `RPC_CALLER_CHECK: false` (nameko's in-process test
containers, kit/callers.py) turns the check off with the caller check.

Folded owners (issue 23: the register's upsert was one round trip per application in each of seven
bureaus). A bureau names the document of its first write of an application, `Owners(source=Source(...))`,
and handles the event inside a block:

        with self.owners.recorded(payload):   # the owner rides on the bureau's first write
            ...the handling...

Inside the block the owner is pending for this worker (a green-thread local); `kit.repository`'s
`insert` (and a store's own insert, through `stamped(doc)`) writes it into the new document as
`owner: {founder_id}` for that application only, in the same single-document write: no record of the
bureau exists without its owner, and no extra round trip. Nothing else is written: a redelivery finds
the document stored (with its owner, or from before folding with its `owners` record), a lost insert
race means the winner stamped it, and an event that stores nothing (the bank without a chosen branch)
leaves nothing of that company to show. Replaying every event therefore changes nothing. A check
reads the source's document first (indexed: the application key and the USCC), then `owners` (the
records from before folding).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eventlet import corolocal
from nameko.exceptions import IncorrectSignature
from nameko.extensions import DependencyProvider

from contracts.rpc import Forbidden
from kit import callers
from kit.mongo import DEFAULT_MONGO_URI, MONGO_DATABASE_KEY, MONGO_URI_KEY, connect

COLLECTION = "owners"
REFUSAL = "无权查看或办理其他企业的事项"
CACHE_SIZE = 20_000  # an owner never changes once recorded: remembered answers save a round trip each

APPLICATION, COMPANY, FOUNDER = "application", "company", "founder"


@dataclass(frozen=True)
class Source:
    """The bureau's document that carries the owner: its collection, the field holding the application id,
    the one holding the USCC and the path of the founder's account id in it."""

    collection: str
    application: str = "_id"
    uscc: str = "uscc"
    founder: str = "owner.founder_id"


_pending = corolocal.local()  # per green thread: the owner waiting for this worker's first write


def stamped(doc: dict[str, Any], application_id: str | None = None) -> dict[str, Any]:
    """`doc` with the pending owner of `application_id` (default: `doc["application_id"]`, then `_id`) in
    it; `doc` itself when no owner of that application is pending."""
    owner = getattr(_pending, "owner", None)
    wanted = application_id or doc.get("application_id") or doc.get("_id")
    if owner is None or owner["application_id"] != wanted:
        return doc
    return {**doc, "owner": {"founder_id": owner["founder_id"]}}


def _fields(payload: dict) -> dict | None:
    founder, application = payload.get("founder_id"), payload.get("application_id")
    if not founder or not application:
        return None  # an event from before owners were recorded: its RPCs stay refused, never open
    fields = {"founder_id": founder}
    uscc = (payload.get("licence") or {}).get("uscc")
    if uscc:
        fields["uscc"] = uscc
    return fields


def _dotted(doc: dict | None, path: str) -> Any:
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def kind_of(argument: str) -> str:
    if argument == "application_id":
        return APPLICATION
    if argument == "founder_id":
        return FOUNDER
    if argument.endswith("uscc"):
        return COMPANY
    raise ValueError(f"owned({argument!r}): name an application_id, a *uscc or a founder_id argument")


class OwnerBook:
    """The register of one bureau and the principal of one call."""

    def __init__(self, collection, principal: str | None, checking: bool, cache: _Cache,
                 source: tuple[Any, Source] | None = None):
        self.collection, self.principal, self.checking, self._cache = collection, principal, checking, cache
        self.source = source  # (the source's collection, its Source), or None: the register alone

    def record(self, payload: dict) -> None:
        """Who founded this application (and, once licensed, this company): from an event's payload."""
        fields = _fields(payload)
        if fields is not None:
            self.collection.update_one({"_id": payload["application_id"]}, {"$set": fields}, upsert=True)

    @contextlib.contextmanager
    def recorded(self, payload: dict) -> Iterator[None]:
        """The owner rides on the bureau's first write of the application inside the block (see the
        module); the register itself is not written. Without a source: the register's upsert, first."""
        fields = _fields(payload)
        if fields is None or self.source is None:
            self.record(payload)
            yield
            return
        _pending.owner = {"application_id": payload["application_id"], **fields}
        try:
            yield
        finally:
            _pending.owner = None

    def check(self, kind: str, value: Any) -> None:
        if not self.checking:
            return
        role, _, account = (self.principal or "").partition(":")
        if kind == APPLICATION and role == "operator":
            return
        if role != "founder" or not account or not isinstance(value, str):
            raise Forbidden(REFUSAL)
        if kind == FOUNDER:
            if value != account:
                raise Forbidden(REFUSAL)
            return
        if self._owner(kind, value) != account:
            raise Forbidden(REFUSAL)

    def _owner(self, kind: str, value: str) -> str | None:
        key = (kind, value)
        known = self._cache.get(key)
        if known is not None:
            return known
        owner = None
        if self.source is not None:
            collection, source = self.source
            field = source.application if kind == APPLICATION else source.uscc
            owner = _dotted(collection.find_one({field: value}, {source.founder: 1}), source.founder)
        if not owner:
            query = {"_id": value} if kind == APPLICATION else {"uscc": value}
            owner = (self.collection.find_one(query, {"founder_id": 1}) or {}).get("founder_id")
        if owner:
            self._cache.put(key, owner)
        return owner


class _Cache:
    def __init__(self, size: int = CACHE_SIZE):
        self.size, self._data, self._lock = size, {}, threading.Lock()

    def get(self, key):
        with self._lock:
            return self._data.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()  # forgetting is safe: the register answers again
            self._data[key] = value


class Owners(DependencyProvider):
    """`owners = Owners()`: the bureau's register in its own database, bound to each call's principal;
    `Owners(source=Source("units"))`: the owner is folded into that document (see the module)."""

    def __init__(self, source: Source | None = None, **kwargs):
        super().__init__(**kwargs)
        self.source = source

    def setup(self) -> None:
        config = self.container.config
        self.db = connect(config.get(MONGO_URI_KEY, DEFAULT_MONGO_URI), config[MONGO_DATABASE_KEY])
        self.collection = self.db[COLLECTION]
        self.collection.create_index("uscc", sparse=True)
        self.checking = callers.checking(config)
        self.cache = _Cache()
        self.folded = (self.db[self.source.collection], self.source) if self.source else None

    def stop(self) -> None:
        self.db.client.close()

    def get_dependency(self, worker_ctx) -> OwnerBook:
        return OwnerBook(self.collection, worker_ctx.data.get(callers.PRINCIPAL), self.checking, self.cache,
                         self.folded)


def owned(argument: str) -> Callable:
    """Refuse the RPC (Forbidden) unless the principal owns what `argument` names (see the module)."""
    kind = kind_of(argument)

    def decorate(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        if argument not in signature.parameters:
            raise ValueError(f"{fn.__name__} has no argument {argument!r}")

        @functools.wraps(fn)
        def checked(self, *args, **kwargs):
            try:
                value = signature.bind(self, *args, **kwargs).arguments[argument]
            except (TypeError, KeyError) as exc:  # what nameko says of a call that does not fit
                raise IncorrectSignature(str(exc)) from None
            self.owners.check(kind, value)
            return fn(self, *args, **kwargs)

        return checked

    return decorate
