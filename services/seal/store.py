"""The seal bureau's own database: one document per seal set (seals, queue steps and outbox together,
so every state change and the events it causes land in ONE atomic single-document write).

Collections: `seal_sets` (_id = application_id: one set per application), `counters` (seal-code
sequence per district), `revocations` (_id = USCC: the licence revocations registration announced,
kept apart from the sets because one may arrive before the set exists; the _id makes a redelivery a
DuplicateKeyError, i.e. "already recorded"), `documents` (the certificate and seal images as issued,
kit.documents); `electronic_seals` (_id = seal code: each electronic seal's certificate and encrypted
key, made on the seal's first use) and `seal_uses` (each signing), both through ElectronicSealStore for
esign.py. Unique indexes on `_id`, `uscc` and `seals.code` are the
last line of defence: whatever goes wrong upstream, no code is stored twice and no company gets two
sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bson import Binary
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.events import Event
from contracts.rpc import NotFound
from kit.changes import ChangeAnswers
from kit.documents import DocumentArchive, InMemoryDocumentArchive
from kit.mongo import NUMBER_BLOCK, InMemorySequences, Sequences
from kit.repository import InMemoryRepository, Repository
from kit.revocations import InMemoryRevocations, Revocations
from services.seal.domain import SealSet, seal_code


class SealStore:
    def __init__(self, db: Database | None):
        self.db = db
        if db is None:  # in_memory() fills the parts in
            return
        self.sets = db["seal_sets"]
        self.repo: Repository[SealSet] = Repository(self.sets, SealSet, busy=BUSY)
        self.sequences = Sequences(db["counters"], block=NUMBER_BLOCK)  # codes need only be unique
        self.revocations = Revocations(db["revocations"])
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.documents = DocumentArchive(db["documents"])  # every document as issued (kit.documents)

    @classmethod
    def in_memory(cls) -> SealStore:
        """The same store over dicts, for unit tests of the workflow (kit.repository.InMemoryRepository)."""
        store = cls(None)
        store.sets = None
        store.repo = InMemoryRepository(SealSet, busy=BUSY)
        store.sequences = InMemorySequences()
        store.revocations = InMemoryRevocations()
        store.documents = InMemoryDocumentArchive()
        return store

    def ensure_indexes(self) -> None:
        self.sets.create_index("uscc", unique=True)
        self.sets.create_index("seals.code", unique=True)
        self.sets.create_index("tasks.id")
        self.sets.create_index("tasks.state")
        self.sets.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick
        self.change_answers.ensure_indexes()
        self.documents.ensure_indexes()

    def ping(self) -> None:
        if self.db is not None:
            self.db.command("ping")

    # -- codes

    def allocate_codes(self, district_code: str, count: int) -> list[str]:
        """`count` fresh codes in one atomic $inc. If the caller dies before storing them they are
        skipped for ever (a gap in the sequence), never handed out again."""
        if count <= 0:
            return []
        last = self.sequences.next(f"seal_code:{district_code}", count)
        return [seal_code(district_code, seq) for seq in range(last - count + 1, last + 1)]

    def reserved_codes(self, district_code: str, count: int) -> list[str] | None:
        """`count` codes from the block this process holds, or None when drawing needs a round trip."""
        last = self.sequences.reserved(f"seal_code:{district_code}", count) if count > 0 else None
        return None if last is None else [seal_code(district_code, seq) for seq in range(last - count + 1, last + 1)]

    def give_back_codes(self, district_code: str, codes: list[str]) -> bool:
        """Codes just allocated and never stored (a late duplicate): handed out again next, when they are
        still the last ones drawn (kit.mongo.give_back); otherwise a gap."""
        return bool(codes) and self.sequences.give_back(f"seal_code:{district_code}",
                                                       int(codes[-1][len(district_code):]), len(codes))

    # -- seal sets: the finders

    def insert_set(self, seal_set: SealSet, events: list[Event]) -> list[dict] | None:
        """Store a new set with its outbox; None when this application already has one."""
        return self.repo.insert(seal_set.application_id, seal_set, events)

    def exists(self, application_id: str) -> bool:
        return self.repo.exists({"_id": application_id})

    def get(self, application_id: str) -> SealSet | None:
        return self.repo.get({"_id": application_id})

    def by_uscc(self, uscc: str) -> SealSet | None:
        return self.repo.get({"uscc": uscc})

    def by_code(self, code: str) -> SealSet | None:
        return self.repo.get({"seals.code": code})

    def by_task(self, task_id: str) -> tuple[SealSet, int]:
        loaded = self.repo.load({"tasks.id": task_id})
        if loaded is None:
            raise _no_task(task_id)
        return loaded

    def with_tasks(self, states: set[str] | None) -> Iterator[SealSet]:
        """Sets that have tasks in one of these stored states (None: any task at all)."""
        query: dict[str, Any] = {"tasks.0": {"$exists": True}}
        if states is not None:
            stored = {"open"} if "open" in states or "claimed" in states else set()
            stored |= states & {"done", "rejected"}
            query = {"tasks.state": {"$in": sorted(stored)}}
        return self.repo.find(query)

    def change_by_task(
        self, task_id: str, change: Callable[[SealSet], tuple[SealSet, list[Event]]]
    ) -> tuple[SealSet, list[dict]]:
        """Read-decide-write with optimistic concurrency (kit.repository): the write lands only if
        nobody changed the set since we read it, with the events in the same update."""
        return self.repo.change({"tasks.id": task_id}, change, lambda: _no_task(task_id))


class ElectronicSealStore:
    """The electronic seals' credentials (`electronic_seals`, _id = seal code) and uses (`seal_uses`):
    every filter esign.py needs, so that the CA and signing code hold no query of their own."""

    def __init__(self, db: Database):
        self.credentials = db["electronic_seals"]
        self.uses = db["seal_uses"]

    def ensure_indexes(self) -> None:
        self.credentials.create_index("uscc")
        self.credentials.create_index("serial", unique=True)
        self.credentials.create_index(UNSETTLED)  # the CRL settles the few a dead maker left
        self.uses.create_index([("uscc", ASCENDING), ("signed_at", ASCENDING)])
        self.uses.create_index("signed_sha256")

    # ---- credentials

    def credential(self, code: str) -> dict[str, Any] | None:
        return self.credentials.find_one({"_id": code})

    def insert_credential(self, doc: dict[str, Any]) -> dict[str, Any]:
        """doc, or the credential another worker stored first under its code."""
        try:
            self.credentials.insert_one(doc)
        except DuplicateKeyError:
            return self.credentials.find_one({"_id": doc["_id"]})
        return doc

    def unsettled(self) -> list[dict[str, Any]]:
        return list(self.credentials.find({UNSETTLED: True}))

    def settle(self, code: str, revoked: tuple[Any, str] | None) -> dict[str, Any]:
        """The credential checked against its seal's fate: revoked (at, reason) unless it already was,
        then marked settled; the credential as it now stands."""
        if revoked is not None:  # first: a crash between the two leaves it unsettled, to be done again
            self._revoke({"_id": code}, *revoked)
        return self.credentials.find_one_and_update({"_id": code}, {"$unset": {UNSETTLED: ""}},
                                                    return_document=ReturnDocument.AFTER)

    def credential_by_serial(self, serial: str) -> dict[str, Any] | None:
        return self.credentials.find_one({"serial": serial})

    def keep_eseal(self, code: str, der: bytes) -> bytes:
        """The seal data (GB/T 38540) kept with the credential, once: the first stored is the one returned."""
        self.credentials.update_one({"_id": code, "eseal": {"$exists": False}}, {"$set": {"eseal": Binary(der)}})
        return bytes(self.credentials.find_one({"_id": code}, {"eseal": 1})["eseal"])

    def revoke_codes(self, codes: list[str], at, reason: str) -> int:
        """The not yet revoked credentials of these seal codes, revoked at `at`; how many."""
        return self._revoke({"_id": {"$in": codes}}, at, reason)

    def revoke_company(self, uscc: str, at, reason: str) -> int:
        """Every not yet revoked credential of the company, revoked at `at`; how many."""
        return self._revoke({"uscc": uscc}, at, reason)

    def _revoke(self, query: dict[str, Any], at, reason: str) -> int:
        result = self.credentials.update_many({**query, "revoked_at": None},
                                              {"$set": {"revoked_at": at, "revocation_reason": reason}})
        return result.modified_count

    def revoked(self) -> list[tuple[str, Any]]:
        """(serial, revoked_at) of every revoked credential: the CRL's entries."""
        return [(c["serial"], c["revoked_at"]) for c in
                self.credentials.find({"revoked_at": {"$ne": None}}, {"serial": 1, "revoked_at": 1})]

    # ---- uses

    def use(self, use_id: str) -> dict[str, Any] | None:
        return self.uses.find_one({"_id": use_id})

    def insert_use(self, use: dict[str, Any]) -> dict[str, Any] | None:
        """None once stored; the use already stored under its _id if a twin request landed first."""
        try:
            self.uses.insert_one(use)
        except DuplicateKeyError:
            return self.uses.find_one({"_id": use["_id"]})
        return None

    def uses_of(self, uscc: str) -> list[dict[str, Any]]:
        """The company's signings, oldest first, without the signed files."""
        return list(self.uses.find({"uscc": uscc}, {"pdf": 0}).sort("signed_at", ASCENDING))

    def use_of_file(self, serial: str, signed_sha256: str) -> dict[str, Any] | None:
        return self.uses.find_one({"signed_sha256": signed_sha256, "serial": serial}, {"pdf": 0})


BUSY = "该任务正被同时办理，请刷新后重试"
# on a credential just made, until it is checked against the seal's fate (esign.ElectronicSeals.credential)
UNSETTLED = "unsettled"


def _no_task(task_id: str) -> NotFound:
    return NotFound(f"没有这项印章任务：{task_id}")
