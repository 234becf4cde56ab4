"""The bank's own database: one document per application's account (its reservation, its clerk task
and its outbox together: every change and the events it causes are ONE single-document write,
kit.repository), and the appointment slots.

Collections: `accounts` (_id = application_id), `slots` (_id = branch|day|slot: `booked` and the
`holders` who booked it), `counters` (account sequence per branch), `revocations` (_id = USCC).
Unique indexes: `uscc` (one basic account per company), `account_number` (never two companies).

A booking is ONE conditional write on its slot: `booked < capacity` and this application not among
the holders, then `$inc` + `$push`. Concurrent bookers of the last place: one write matches, the others
match nothing and try the next slot; the slot's first booking inserts it (a DuplicateKeyError there
means another booker created it first: try the conditional write again).

Each place also records when it was booked (`held_at.<application_id>`): a place is booked before the
account is written (at the reservation, and at a move, where the old place is given back after), so a
crash between the two leaves a place held that no account points at. `stray_places` finds those once
they are older than any booking still in flight, and the bank's sweep gives them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts import banks, clock
from contracts.calendar import aware
from contracts.events import Event
from contracts.rpc import NotFound
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive, InMemoryDocumentArchive
from kit.mongo import InMemorySequences, Sequences
from kit.repository import InMemoryRepository, Repository
from kit.revocations import InMemoryRevocations, Revocations
from services.bank.domain import Account, Appointment, account_number, slot_id

BUSY = "该开户预约正被同时办理，请刷新后重试"


class BankStore:
    def __init__(self, db: Database | None):
        self.db = db
        if db is None:  # in_memory() fills the parts in
            return
        self.accounts = db["accounts"]
        self.repo: Repository[Account] = Repository(self.accounts, Account, busy=BUSY)
        self.slots: SlotBook = SlotBook(db["slots"])
        self.sequences = Sequences(db["counters"])
        self.revocations = Revocations(db["revocations"])
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.documents = DocumentArchive(db["documents"])  # the confirmations as issued (kit.documents)

    @classmethod
    def in_memory(cls) -> BankStore:
        """The same store over dicts, for unit tests of the workflow (no unique secondary indexes)."""
        store = cls(None)
        store.accounts = None
        store.repo = InMemoryRepository(Account, busy=BUSY)
        store.slots = InMemorySlotBook()
        store.sequences = InMemorySequences()
        store.revocations = InMemoryRevocations()
        store.documents = InMemoryDocumentArchive()
        return store

    def ensure_indexes(self) -> None:
        self.accounts.create_index("uscc", unique=True)
        self.accounts.create_index("account_number", unique=True)
        self.accounts.create_index("task.id")
        self.accounts.create_index("task.state")
        self.accounts.create_index("outbox.created_at")  # the relay's sweep
        self.slots.collection.create_index([("branch_id", 1), ("day", 1)])
        self.slots.collection.create_index("holders")
        self.change_answers.ensure_indexes()
        self.documents.ensure_indexes()

    def ping(self) -> None:
        if self.db is not None:
            self.db.command("ping")

    def allocate_account_number(self, branch: banks.Branch) -> str:
        """One atomic $inc; a number whose account is never stored is skipped for ever, never reused."""
        return account_number(banks.bank().code, branch.number, self.sequences.next(f"account:{branch.id}"))

    # ---- the aggregate

    def insert(self, account: Account, events: list[Event]) -> list[dict] | None:
        return self.repo.insert(account.application_id, account, events)

    def apply_change(self, uscc: str, version: int, fields: dict[str, Any]) -> None:
        """A change of details: the fields the licence moved (kit.changes), bumping the version so a
        clerk's compare-and-set read before it cannot write the old values back."""
        self.accounts.update_one({"uscc": uscc, **newer_version(version)}, {"$set": fields, "$inc": {"version": 1}})

    def exists(self, application_id: str) -> bool:
        return self.repo.exists({"_id": application_id})

    def get(self, application_id: str) -> Account | None:
        return self.repo.get({"_id": application_id})

    def by_uscc(self, uscc: str) -> Account | None:
        return self.repo.get({"uscc": uscc})

    def by_task(self, task_id: str) -> Account:
        account = self.repo.get({"task.id": task_id})
        if account is None:
            raise NotFound(f"没有这项银行开户任务：{task_id}")
        return account

    def with_tasks(self, states: tuple[str, ...] | None) -> Iterator[Account]:
        if states is None:
            return self.repo.find({"task.id": {"$exists": True}})
        stored = sorted({"open" if s == "claimed" else s for s in states} & {"open", "done", "rejected"})
        return self.repo.find({"task.state": {"$in": stored}})

    def by_applications(self, application_ids: list[str]) -> dict[str, Account]:
        return {a.application_id: a for a in self.repo.find({"_id": {"$in": application_ids}})}

    def change_by_uscc(self, uscc: str, decide: Callable[[Account], tuple[Account, list[Event]]],
                       missing: Callable[[], Exception]) -> tuple[Account, list[dict]]:
        return self.repo.change({"uscc": uscc}, decide, missing)

    def change_by_task(self, task_id: str, decide: Callable[[Account], tuple[Account, list[Event]]]
                       ) -> tuple[Account, list[dict]]:
        return self.repo.change({"task.id": task_id}, decide, lambda: NotFound(f"没有这项银行开户任务：{task_id}"))


class SlotBook:
    """Appointment slots with a capacity each; see the module docstring for the one conditional write."""

    def __init__(self, collection):
        self.collection = collection

    def booked(self, branch_id: str, day: date) -> dict[str, int]:
        """slot -> how many are booked, for one branch and day (one read)."""
        rows = self.collection.find({"branch_id": branch_id, "day": day.isoformat()}, {"slot": 1, "booked": 1})
        return {r["slot"]: int(r.get("booked", 0)) for r in rows}

    def held_by(self, application_id: str) -> Appointment | None:
        """The slot this application booked already (a redelivery after a crash reuses it)."""
        doc = self.collection.find_one({"holders": application_id}, {"day": 1, "slot": 1})
        return Appointment(day=date.fromisoformat(doc["day"]), slot=doc["slot"]) if doc else None

    def holds(self, branch_id: str, appointment: Appointment, application_id: str) -> bool:
        """Whether this application has a place in that slot already (a retried move keeps it)."""
        return self.collection.find_one({"_id": appointment.slot_id(branch_id), "holders": application_id},
                                        {"_id": 1}) is not None

    def book(self, branch: banks.Branch, appointment: Appointment, application_id: str) -> bool:
        key = appointment.slot_id(branch.id)
        for _ in range(3):
            done = self.collection.update_one(
                {"_id": key, "booked": {"$lt": branch.capacity_per_slot}, "holders": {"$ne": application_id}},
                {"$inc": {"booked": 1}, "$push": {"holders": application_id},
                 "$set": {f"held_at.{application_id}": clock.now()}})
            if done.modified_count:
                return True
            if self.collection.find_one({"_id": key}, {"_id": 1}) is not None:
                return False  # full (or this application holds it: held_by is asked first)
            try:
                self.collection.insert_one({"_id": key, "branch_id": branch.id, "day": appointment.day.isoformat(),
                                            "slot": appointment.slot, "capacity": branch.capacity_per_slot,
                                            "booked": 1, "holders": [application_id],
                                            "held_at": {application_id: clock.now()}})
                return True
            except DuplicateKeyError:
                continue  # another booker created it first: the conditional write decides
        return False

    def release(self, branch_id: str, appointment: Appointment, application_id: str) -> None:
        """Give back a place this application booked but does not use (it lost a race for its account)."""
        self.collection.update_one({"_id": appointment.slot_id(branch_id), "holders": application_id},
                                   {"$inc": {"booked": -1}, "$pull": {"holders": application_id},
                                    "$unset": {f"held_at.{application_id}": ""}})

    def places(self, from_day: date, booked_before: datetime) -> Iterator[tuple[str, Appointment, str]]:
        """(branch, appointment, application) for every place in a slot on or after `from_day` booked
        before `booked_before` (a place from before booking times were kept counts as old)."""
        rows = self.collection.find({"day": {"$gte": from_day.isoformat()}, "booked": {"$gt": 0}},
                                    {"branch_id": 1, "day": 1, "slot": 1, "holders": 1, "held_at": 1})
        for row in rows:
            held_at = row.get("held_at") or {}
            for holder in row.get("holders", []):
                moment = held_at.get(holder)
                if moment is None or aware(moment) < booked_before:
                    yield row["branch_id"], Appointment(day=date.fromisoformat(row["day"]), slot=row["slot"]), holder


class InMemorySlotBook(SlotBook):
    """The same slots in a dict, for unit tests (no concurrency: the real database is the integration tests')."""

    def __init__(self):
        self.docs: dict[str, dict] = {}

    def booked(self, branch_id: str, day: date) -> dict[str, int]:
        return {d["slot"]: d["booked"] for d in self.docs.values()
                if d["branch_id"] == branch_id and d["day"] == day.isoformat()}

    def held_by(self, application_id: str) -> Appointment | None:
        doc = next((d for d in self.docs.values() if application_id in d["holders"]), None)
        return Appointment(day=date.fromisoformat(doc["day"]), slot=doc["slot"]) if doc else None

    def holds(self, branch_id: str, appointment: Appointment, application_id: str) -> bool:
        return application_id in self.docs.get(appointment.slot_id(branch_id), {}).get("holders", [])

    def book(self, branch: banks.Branch, appointment: Appointment, application_id: str) -> bool:
        doc = self.docs.setdefault(appointment.slot_id(branch.id), {
            "branch_id": branch.id, "day": appointment.day.isoformat(), "slot": appointment.slot, "booked": 0,
            "holders": [], "held_at": {}})
        if doc["booked"] >= branch.capacity_per_slot or application_id in doc["holders"]:
            return False
        doc["booked"] += 1
        doc["holders"].append(application_id)
        doc["held_at"][application_id] = clock.now()
        return True

    def release(self, branch_id: str, appointment: Appointment, application_id: str) -> None:
        doc = self.docs.get(appointment.slot_id(branch_id))
        if doc and application_id in doc["holders"]:
            doc["booked"] -= 1
            doc["holders"].remove(application_id)
            doc["held_at"].pop(application_id, None)

    def places(self, from_day: date, booked_before: datetime) -> Iterator[tuple[str, Appointment, str]]:
        for doc in list(self.docs.values()):
            if doc["day"] >= from_day.isoformat():
                for holder in list(doc["holders"]):
                    moment = doc["held_at"].get(holder)
                    if moment is None or moment < booked_before:
                        yield doc["branch_id"], Appointment(day=date.fromisoformat(doc["day"]), slot=doc["slot"]), holder


__all__ = ["BankStore", "SlotBook", "InMemorySlotBook", "slot_id"]
