"""The social_security database: employers, enrolments, clerk tasks, number counters and the
licence revocations registration announced.

Every write that moves state carries its event in the same document's `outbox` (one atomic
single-document write), and every number comes from an atomic counter with a unique index on it.
`revocations` is keyed by USCC, not hung on the employer: a revocation may arrive before the
company's `licence_issued` (redelivery reorders events), and it must hold from the moment it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts.events import Event
from contracts.rpc import NotFound
from kit import owners
from kit.bank_accounts import BankAccounts
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive
from kit.mongo import DUPLICATE_KEY, give_back, next_sequence, reserved
from kit.repository import Repository
from kit.revocations import Revocations
from services.social_security.domain.tasks import ClerkTask

BUSY = "该社保事项正被同时办理，请刷新后重试"


class SocialSecurityStore:
    def __init__(self, db: Database):
        self.db = db
        self.employers = db["employers"]
        self.enrolments = db["enrolments"]
        self.tasks = db["tasks"]
        self.task_repo: Repository[ClerkTask] = Repository(self.tasks, ClerkTask, busy=BUSY)
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

    def reserved_number(self, key: str) -> int | None:
        """The next number of a block series from this process's block, None when it takes a round trip."""
        return reserved(self.counters, key)

    def give_back_number(self, key: str, last: int) -> bool:
        """A number just drawn whose employer was never stored (kit.mongo.give_back)."""
        return give_back(self.counters, key, last)

    # ---- employers ---------------------------------------------------------------------------

    def receive_intake(self, doc: dict[str, Any]) -> bool:
        """Store a new employer intake once; False when this USCC was already received."""
        doc = owners.stamped(doc)  # the owner rides on this first write (kit/owners.py)
        try:
            result = self.employers.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        except DuplicateKeyError:  # same application under another key: already received
            return False
        return result.upserted_id is not None

    def employer(self, uscc: str) -> dict[str, Any] | None:
        return self.employers.find_one({"_id": uscc}, {"outbox": 0})

    def employer_by_application(self, application_id: str) -> dict[str, Any] | None:
        return self.employers.find_one({"application_id": application_id}, {"outbox": 0})

    def apply_change(self, uscc: str, version: int, fields: dict[str, Any]) -> None:
        self.employers.update_one({"_id": uscc, **newer_version(version)}, {"$set": fields})

    def move_employer(self, uscc: str, expect: dict[str, Any], changes: dict[str, Any],
                      outbox: list[dict[str, Any]] = (), unnumbered: bool = False) -> bool:
        """Apply `changes` (and queue events) only if the employer still has the field values of `expect`
        (and, `unnumbered`, no employer_number yet: a number is given once)."""
        update: dict[str, Any] = {"$set": changes}
        if outbox:
            update["$push"] = {"outbox": {"$each": list(outbox)}}
        query = {"_id": uscc, **expect, **({"employer_number": {"$exists": False}} if unnumbered else {})}
        return self.employers.update_one(query, update).modified_count == 1

    def stalled_employers(self, before: datetime, limit: int = 50) -> list[str]:
        query = {"$or": [{"state": "received"}, {"state": "registered", "employees_processed": False}],
                 "updated_at": {"$lt": before}}
        return [d["_id"] for d in self.employers.find(query, {"_id": 1}).limit(limit)]

    # ---- enrolments --------------------------------------------------------------------------

    def insert_enrolments(self, docs: list[dict[str, Any]]) -> bool:
        """Insert many; rows already there (same id, or person already active) are skipped.

        True when every row was inserted now."""
        if not docs:
            return True
        try:
            self.enrolments.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise
            return False
        return True

    def insert_enrolment(self, doc: dict[str, Any]) -> None:
        """Raises DuplicateKeyError if the id exists or the person is already active here."""
        self.enrolments.insert_one(doc)

    def enrolment(self, employee_id: str, uscc: str | None = None) -> dict[str, Any] | None:
        query = {"_id": employee_id} if uscc is None else {"_id": employee_id, "uscc": uscc}
        return self.enrolments.find_one(query, {"outbox": 0})

    def enrolments_of(self, employee_ids: list[str]) -> list[dict[str, Any]]:
        return list(self.enrolments.find({"_id": {"$in": employee_ids}}, {"outbox": 0}))

    def staff(self, uscc: str, active_only: bool = False) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"uscc": uscc, **({"active": True} if active_only else {})}
        return list(self.enrolments.find(query, {"outbox": 0}).sort([("start_date", 1), ("record_number", 1)]))

    def staff_in_period(self, uscc: str, first: str, last: str) -> list[dict[str, Any]]:
        query = {"uscc": uscc, "start_date": {"$lte": last},
                 "$or": [{"end_date": None}, {"end_date": {"$gte": first}}]}
        return list(self.enrolments.find(query, {"outbox": 0}).sort("record_number", 1))

    def provisional_enrolments(self, limit: int = 500) -> list[dict[str, Any]]:
        return list(self.enrolments.find({"contribution_provisional": True}, {"outbox": 0}).limit(limit))

    def settle_contribution_base(self, employee_id: str, base: str, period: str) -> bool:
        """Replace a provisional base with the one from the published figures (once)."""
        result = self.enrolments.update_one(
            {"_id": employee_id, "contribution_provisional": True},
            {"$set": {"contribution_base": base, "contribution_provisional": False, "policy_period": period}})
        return result.modified_count == 1

    def end_enrolment(self, uscc: str, employee_id: str, end_date: str, at: datetime) -> dict[str, Any] | None:
        """Active -> ended in one write; None if it was not active."""
        return self.enrolments.find_one_and_update(
            {"_id": employee_id, "uscc": uscc, "active": True},
            {"$set": {"active": False, "state": "ended", "end_date": end_date, "ended_at": at}},
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

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


def pending_outbox(collection, doc_id: str) -> list[dict[str, Any]]:
    """The events one document (an employer, enrolment or task) still has to send."""
    doc = collection.find_one({"_id": doc_id}, {"outbox": 1})
    return (doc or {}).get("outbox") or []
