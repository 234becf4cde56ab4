"""The social_security database: employers, enrolments, clerk tasks, number counters and the
licence revocations registration announced.

Every write that moves state carries its event in the same document's `outbox` (one atomic
single-document write), and every number comes from an atomic counter with a unique index on it (an
employer registered with its staff keeps its record counter in its own document, `record_seq`; the
staff enrolled with it take their places on the form, under its unique number).
Employers, enrolments and tasks are kit.repository aggregates (domain/records.py, domain/tasks.py):
each move a compare-and-set on the version the worker holds, in the documents' shape from before the
repository (no migration; a document without a version is version 0, an old task is upgraded on read).
`revocations` is keyed by USCC, not hung on the employer: a revocation may arrive before the
company's `licence_issued` (redelivery reorders events), and it must hold from the moment it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.events import Event
from contracts.rpc import NotFound
from kit.bank_accounts import BankAccounts, InMemoryBankAccounts
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive, InMemoryDocumentArchive
from kit.mongo import InMemorySequences, give_back, next_sequence, reserved
from kit.repository import InMemoryRepository, Repository
from kit.revocations import InMemoryRevocations, Revocations
from services.social_security.domain.records import Employer, Enrolment
from services.social_security.domain.tasks import ClerkTask, upgrade_task

BUSY = "该社保事项正被同时办理，请刷新后重试"
Held = tuple[Employer, int]  # an employer as read (or just stored) and its version
Moved = tuple[Employer, int, list[dict]]  # an employer after a move, its version and the entries queued
STAFF_ORDER = [("start_date", ASCENDING), ("record_number", ASCENDING)]


class SocialSecurityStore:
    def __init__(self, db: Database | None):
        self.db = db
        if db is None:  # InMemorySocialSecurityStore fills the parts in
            return
        self.employers = db["employers"]
        self.enrolments = db["enrolments"]
        self.tasks = db["tasks"]
        # moments stay datetimes: `updated_at` is indexed and range-queried (stalled_employers)
        self.employer_repo: Repository[Employer] = Repository(self.employers, Employer, busy=BUSY,
                                                              native_datetimes=True)
        self.enrolment_repo: Repository[Enrolment] = Repository(self.enrolments, Enrolment, busy=BUSY,
                                                                native_datetimes=True, key_field="employee_id")
        self.task_repo: Repository[ClerkTask] = Repository(self.tasks, ClerkTask, busy=BUSY, upgrade=upgrade_task)
        self.counters = db["counters"]
        self.revocations = Revocations(db["revocations"])
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.bank_accounts = BankAccounts(db["bank_accounts"])  # the bank's account, for direct debit
        self.documents = DocumentArchive(db["documents"])  # every document as issued (kit.documents)

    @property
    def outbox_collections(self):
        return (self.employers, self.enrolments, self.tasks, self.change_answers.collection)

    def ensure_indexes(self) -> None:
        exists = {"$exists": True}
        self.employers.create_index("application_id", unique=True)
        self.employers.create_index("employer_number", unique=True,
                                    partialFilterExpression={"employer_number": exists})
        self.employers.create_index([("state", ASCENDING), ("updated_at", ASCENDING)])
        # One active enrolment per person per employer; ending employment sets active=False, which
        # drops the row from this partial index, so the person may be enrolled again later.
        self.enrolments.create_index([("uscc", ASCENDING), ("resident_id", ASCENDING)], unique=True,
                                     name="one_active_enrolment", partialFilterExpression={"active": True})
        self.enrolments.create_index("record_number", unique=True)
        self.enrolments.create_index([("uscc", ASCENDING), ("start_date", ASCENDING)])
        self.enrolments.create_index("application_id")
        self.enrolments.create_index("contribution_provisional", sparse=True)
        self.tasks.create_index([("state", ASCENDING), ("deadline", ASCENDING), ("created_at", ASCENDING)])
        self.change_answers.collection.create_index("uscc")
        for collection in self.outbox_collections:  # the relay timer looks for stale entries every 2 s
            collection.create_index("outbox.created_at")
        self.documents.ensure_indexes()

    def ping(self) -> None:
        self.db.command("ping")

    # ---- counters ----------------------------------------------------------------------------

    def allocate(self, key: str, count: int = 1, fresh: bool = False, block: int = 1) -> range:
        """Reserve `count` consecutive sequence numbers (atomic; a crash may skip, never reuse).

        `fresh`: the series most likely starts now; `block`: reserve that many at once (kit.mongo.next_sequence)."""
        last = next_sequence(self.counters, key, count, fresh=fresh, block=block)
        return range(last - count + 1, last + 1)

    def allocate_records(self, employer: Employer, count: int = 1, fresh: bool = False) -> range:
        """Record numbers under `employer` (as loaded): from its own counter when it has one, one
        findAndModify that also bumps its version, so a compare-and-set save held from before cannot
        write the old count back; else from its document in `counters` (`fresh`: see `allocate`)."""
        if employer.record_seq is None:  # never gains one later: what was loaded says where it lives
            return self.allocate(f"record:{employer.uscc}", count, fresh=fresh)
        row = self.employers.find_one_and_update(
            {"_id": employer.uscc}, {"$inc": {"record_seq": count, "version": 1}},
            projection={"record_seq": 1}, return_document=ReturnDocument.AFTER)
        return range(row["record_seq"] - count + 1, row["record_seq"] + 1)

    def reserved_number(self, key: str) -> int | None:
        """The next number of a block series from this process's block, None when it takes a round trip."""
        return reserved(self.counters, key)

    def give_back_number(self, key: str, last: int) -> bool:
        """A number just drawn whose employer was never stored (kit.mongo.give_back)."""
        return give_back(self.counters, key, last)

    # ---- employers (kit.repository: each move a compare-and-set with its events) ----------------

    def receive_intake(self, employer: Employer, events: list[Event]) -> list[dict] | None:
        """Store a new employer once, with the founder's owner (kit/owners.py) and its events: their
        outbox entries, None when this USCC (or this application under another USCC) was received."""
        try:
            return self.employer_repo.insert(employer.uscc, employer, events, owner=employer.application_id,
                                              upsert=True)
        except DuplicateKeyError:  # same application under another key: already received
            return None

    def employer(self, uscc: str) -> Employer | None:
        return self.employer_repo.get({"_id": uscc})

    def load_employer(self, uscc: str) -> tuple[Employer, int] | None:
        return self.employer_repo.load({"_id": uscc})

    def employer_by_application(self, application_id: str) -> dict[str, Any] | None:
        """The stored document, as the certificate is rendered and archived from (kit.documents)."""
        return self.employers.find_one({"application_id": application_id}, {"outbox": 0})

    def move_employer(self, held: Held, ready: Callable[[Employer], bool], changes: dict[str, Any],
                      events: list[Event] = ()) -> Moved | None:
        """Apply `changes` (and queue events) while the employer is `ready`: one compare-and-set with the
        version held, read again only after a lost race (kit.repository.Repository.move)."""
        return self.employer_repo.move(held[0].uscc, held, ready, lambda e: e.model_copy(update=changes),
                                       list(events))

    def reject_employer(self, uscc: str, now: datetime) -> bool:
        """pending_review -> rejected in one write, without reading the employer."""
        return self.employer_repo.set_where(uscc, {"state": "pending_review"},
                                            {"state": "rejected", "updated_at": now}, []) is not None

    def apply_change(self, uscc: str, version: int, fields: dict[str, Any]) -> None:
        """A change of details (kit.changes), bumping the version so a compare-and-set read before it
        cannot write the old values back."""
        self.employers.update_one({"_id": uscc, **newer_version(version)}, {"$set": fields, "$inc": {"version": 1}})

    def stalled_employers(self, before: datetime, limit: int = 50) -> list[str]:
        query = {"$or": [{"state": "received"}, {"state": "registered", "employees_processed": False}],
                 "updated_at": {"$lt": before}}
        return [e.uscc for e in self.employer_repo.find(query, limit=limit)]

    # ---- enrolments (_id = employee_id) -----------------------------------------------------------

    def insert_enrolments(self, enrolments: list[tuple[Enrolment, list[Event]]], ordered: bool = False) -> bool:
        """Insert many in one command; rows already there (same id, or person already active) are
        skipped (`ordered`: and every row after the first of them). True when every row was inserted now."""
        stored = self.enrolment_repo.insert_many([(e.employee_id, e, events) for e, events in enrolments], ordered)
        return len(stored) == len(enrolments)

    def insert_enrolment(self, enrolment: Enrolment, events: list[Event]) -> list[dict]:
        """Its outbox entries. Raises DuplicateKeyError if the id exists or the person is already active here."""
        entries = self.enrolment_repo.insert(enrolment.employee_id, enrolment, events)
        if entries is None:
            raise DuplicateKeyError(f"enrolment {enrolment.employee_id} exists")
        return entries

    def enrolment(self, employee_id: str, uscc: str | None = None) -> tuple[Enrolment, int] | None:
        query = {"_id": employee_id} if uscc is None else {"_id": employee_id, "uscc": uscc}
        return self.enrolment_repo.load(query)

    def move_enrolment(self, held: tuple[Enrolment, int], ready: Callable[[Enrolment], bool],
                       changes: dict[str, Any]) -> tuple[Enrolment, int, list[dict]] | None:
        return self.enrolment_repo.move(held[0].employee_id, held, ready, lambda e: e.model_copy(update=changes), [])

    def enrolments_of(self, employee_ids: list[str]) -> list[Enrolment]:
        return list(self.enrolment_repo.find({"_id": {"$in": employee_ids}}))

    def staff(self, uscc: str, active_only: bool = False) -> list[dict[str, Any]]:
        """The stored documents, as the certificate is rendered and archived from and a closing reads them."""
        return list(self.enrolments.find(_staff_query(uscc, active_only), {"outbox": 0}).sort(STAFF_ORDER))

    def staff_of(self, uscc: str, active_only: bool = False) -> list[Enrolment]:
        return list(self.enrolment_repo.find(_staff_query(uscc, active_only), sort=STAFF_ORDER))

    def staff_in_period(self, uscc: str, first: date, last: date) -> list[Enrolment]:
        query = {"uscc": uscc, "start_date": {"$lte": last.isoformat()},
                 "$or": [{"end_date": None}, {"end_date": {"$gte": first.isoformat()}}]}
        return list(self.enrolment_repo.find(query, sort=[("record_number", ASCENDING)]))

    def provisional_enrolments(self, limit: int = 500) -> list[tuple[Enrolment, int]]:
        return list(self.enrolment_repo.find_loaded({"contribution_provisional": True}, limit=limit))

    # ---- tasks (kit.repository: a task's moves are compare-and-set writes with their events) ----

    def insert_task(self, task: ClerkTask, events: list[Event]) -> list[dict] | None:
        """Store a new task with its outbox; None when it is there already (a repeat)."""
        return self.task_repo.insert(task.id, task, events)

    def task(self, task_id: str) -> ClerkTask | None:
        return self.task_repo.get({"_id": task_id})

    def list_tasks(self, states: list[str] | None) -> list[ClerkTask]:
        return list(self.task_repo.find({} if states is None else {"state": {"$in": states}}))

    def change_task(self, task_id: str, decide: Callable[[ClerkTask], tuple[ClerkTask, list[Event]]]
                    ) -> tuple[ClerkTask, list[dict]]:
        """Read, decide, write only if nobody changed the task since (kit.repository.Repository.change)."""
        return self.task_repo.change({"_id": task_id}, decide, lambda: no_task(task_id))


def no_task(task_id: str) -> NotFound:
    return NotFound(f"没有编号为{task_id}的社保事项")


def _staff_query(uscc: str, active_only: bool) -> dict[str, Any]:
    return {"uscc": uscc, **({"active": True} if active_only else {})}


class InMemorySocialSecurityStore(SocialSecurityStore):
    """The same store over dicts, for unit tests of the workflow (kit.repository.InMemoryRepository: no
    secondary unique indexes, so a person already active elsewhere is not refused here)."""

    def __init__(self):
        super().__init__(None)
        self.employers = self.enrolments = self.tasks = None
        self.employer_repo = InMemoryRepository(Employer, busy=BUSY, native_datetimes=True)
        self.enrolment_repo = InMemoryRepository(Enrolment, busy=BUSY, native_datetimes=True, key_field="employee_id")
        self.task_repo = InMemoryRepository(ClerkTask, busy=BUSY, upgrade=upgrade_task)
        self.sequences = InMemorySequences()
        self.revocations = InMemoryRevocations()
        self.bank_accounts = InMemoryBankAccounts()
        self.documents = InMemoryDocumentArchive()

    def allocate(self, key: str, count: int = 1, fresh: bool = False, block: int = 1) -> range:
        last = self.sequences.next(key, count)
        return range(last - count + 1, last + 1)

    def reserved_number(self, key: str) -> int | None:
        return self.sequences.reserved(key)

    def allocate_records(self, employer: Employer, count: int = 1, fresh: bool = False) -> range:
        if employer.record_seq is None:
            return self.allocate(f"record:{employer.uscc}", count, fresh=fresh)
        doc = self.employer_repo.docs[employer.uscc]
        doc["record_seq"] += count
        doc["version"] = doc.get("version", 0) + 1
        return range(doc["record_seq"] - count + 1, doc["record_seq"] + 1)

    def give_back_number(self, key: str, last: int) -> bool:
        return self.sequences.give_back(key, last)
