"""The seal bureau's own database: one document per seal set (seals, queue steps and outbox together,
so every state change and the events it causes land in ONE atomic single-document write).

Collections: `seal_sets` (_id = application_id: one set per application), `counters` (seal-code
sequence per district), `revocations` (_id = USCC: the licence revocations registration announced,
kept apart from the sets because one may arrive before the set exists; the _id makes a redelivery a
DuplicateKeyError, i.e. "already recorded"). Unique indexes on `_id`, `uscc` and `seals.code` are the
last line of defence: whatever goes wrong upstream, no code is stored twice and no company gets two
sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.events import Event
from contracts.rpc import Conflict, NotFound
from kit.mongo import next_sequence
from kit.outbox import outbox_entry
from kit.revocations import Revocations
from services.seal.domain import SealSet, seal_code

MAX_CAS_ATTEMPTS = 5
_BOOKKEEPING = ("_id", "version", "outbox")


class SealStore:
    def __init__(self, db: Database):
        self.db = db
        self.sets = db["seal_sets"]
        self.counters = db["counters"]
        self.revocations = Revocations(db["revocations"])

    def ensure_indexes(self) -> None:
        self.sets.create_index("uscc", unique=True)
        self.sets.create_index("seals.code", unique=True)
        self.sets.create_index("tasks.id")
        self.sets.create_index("tasks.state")
        self.sets.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick

    def ping(self) -> None:
        self.db.command("ping")

    # -- codes

    def allocate_codes(self, district_code: str, count: int) -> list[str]:
        """`count` fresh codes in one atomic $inc. If the caller dies before storing them they are
        skipped for ever (a gap in the sequence), never handed out again."""
        if count <= 0:
            return []
        last = next_sequence(self.counters, f"seal_code:{district_code}", count)
        return [seal_code(district_code, seq) for seq in range(last - count + 1, last + 1)]

    # -- seal sets

    def insert_set(self, seal_set: SealSet, events: list[Event]) -> list[dict] | None:
        """Store a new set with its outbox; None when this application already has one."""
        entries = [outbox_entry(e) for e in events]
        doc = {"_id": seal_set.application_id, "version": 0, "outbox": entries,
               **seal_set.model_dump(mode="json")}
        try:
            self.sets.insert_one(doc)
        except DuplicateKeyError:
            if self.sets.count_documents({"_id": seal_set.application_id}, limit=1):
                return None
            raise  # a code or USCC clash with another application is a bug: never hide it
        return entries

    def exists(self, application_id: str) -> bool:
        return bool(self.sets.count_documents({"_id": application_id}, limit=1))

    def get(self, application_id: str) -> SealSet | None:
        doc = self.sets.find_one({"_id": application_id})
        return _load(doc)[0] if doc else None

    def by_uscc(self, uscc: str) -> SealSet | None:
        doc = self.sets.find_one({"uscc": uscc})
        return _load(doc)[0] if doc else None

    def by_code(self, code: str) -> SealSet | None:
        doc = self.sets.find_one({"seals.code": code})
        return _load(doc)[0] if doc else None

    def by_task(self, task_id: str) -> tuple[SealSet, int]:
        doc = self.sets.find_one({"tasks.id": task_id})
        if doc is None:
            raise NotFound(f"没有这项印章任务：{task_id}")
        return _load(doc)

    def with_tasks(self, states: set[str] | None) -> Iterator[SealSet]:
        """Sets that have tasks in one of these stored states (None: any task at all)."""
        query: dict[str, Any] = {"tasks.0": {"$exists": True}}
        if states is not None:
            stored = {"open"} if "open" in states or "claimed" in states else set()
            stored |= states & {"done", "rejected"}
            query = {"tasks.state": {"$in": sorted(stored)}}
        for doc in self.sets.find(query, {"outbox": 0}):
            yield _load(doc)[0]

    def change_by_task(
        self, task_id: str, change: Callable[[SealSet], tuple[SealSet, list[Event]]]
    ) -> tuple[SealSet, list[dict]]:
        """Read-decide-write with optimistic concurrency: the write lands only if nobody changed the
        set since we read it (version), with the events in the same update. A lost race re-reads."""
        for _ in range(MAX_CAS_ATTEMPTS):
            seal_set, version = self.by_task(task_id)
            changed, events = change(seal_set)
            entries = [outbox_entry(e) for e in events]
            fields = changed.model_dump(mode="json")
            update: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
            if entries:
                update["$push"] = {"outbox": {"$each": entries}}
            if self.sets.update_one({"_id": changed.application_id, "version": version}, update).modified_count:
                return changed, entries
        raise Conflict("该任务正被同时办理，请刷新后重试")



def _load(doc: dict) -> tuple[SealSet, int]:
    version = int(doc.get("version", 0))
    return SealSet.model_validate({k: v for k, v in doc.items() if k not in _BOOKKEEPING}), version
