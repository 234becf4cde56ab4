"""The housing-fund centre's own database: one document per unit (its registration, its staff's
accounts, its clerk task and its outbox together, so every change and the events it causes are ONE
single-document write, kit.repository).

Collections: `units` (_id = application_id), `counters` (unit-account sequence per district and year),
`revocations` (_id = USCC). Unique indexes: `uscc` (one unit per company) and `unit_account` among
registered units (a number is never given to two units); personal account numbers are the unit
account + the unit's own sequence, moved by the same compare-and-set write that opens the account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pymongo.database import Database

from contracts.events import Event
from contracts.rpc import NotFound
from kit.bank_accounts import BankAccounts, InMemoryBankAccounts
from kit.mongo import InMemorySequences, Sequences
from kit.repository import InMemoryRepository, Repository
from kit.revocations import InMemoryRevocations, Revocations
from services.housing_fund.domain import Unit, unit_account

BUSY = "该单位的住房公积金业务正被同时办理，请刷新后重试"


class HousingFundStore:
    def __init__(self, db: Database | None):
        self.db = db
        if db is None:  # in_memory() fills the parts in
            return
        self.units = db["units"]
        self.repo: Repository[Unit] = Repository(self.units, Unit, busy=BUSY)
        self.sequences = Sequences(db["counters"])
        self.revocations = Revocations(db["revocations"])
        self.bank_accounts = BankAccounts(db["bank_accounts"])  # the bank's account, for direct debit

    @classmethod
    def in_memory(cls) -> HousingFundStore:
        """The same store over dicts, for unit tests of the workflow (kit.repository.InMemoryRepository)."""
        store = cls(None)
        store.units = None
        store.repo = InMemoryRepository(Unit, busy=BUSY)
        store.sequences = InMemorySequences()
        store.revocations = InMemoryRevocations()
        store.bank_accounts = InMemoryBankAccounts()
        return store

    def ensure_indexes(self) -> None:
        self.units.create_index("uscc", unique=True)
        self.units.create_index("unit_account", unique=True, partialFilterExpression={"state": "registered"})
        self.units.create_index("task.id")
        self.units.create_index("task.state")
        self.units.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick

    def ping(self) -> None:
        if self.db is not None:
            self.db.command("ping")

    def allocate_unit_account(self, district_code: str, year: int) -> str:
        """One atomic $inc; a number whose unit is never stored is skipped for ever, never reused."""
        return unit_account(district_code, year, self.sequences.next(f"unit:{district_code}:{year}"))

    # ---- finders

    def insert(self, unit: Unit, events: list[Event]) -> list[dict] | None:
        return self.repo.insert(unit.application_id, unit, events)

    def exists(self, application_id: str) -> bool:
        return self.repo.exists({"_id": application_id})

    def get(self, application_id: str) -> Unit | None:
        return self.repo.get({"_id": application_id})

    def by_uscc(self, uscc: str) -> Unit | None:
        return self.repo.get({"uscc": uscc})

    def by_task(self, task_id: str) -> Unit:
        unit = self.repo.get({"task.id": task_id})
        if unit is None:
            raise _no_task(task_id)
        return unit

    def with_tasks(self, states: tuple[str, ...] | None) -> Iterator[Unit]:
        if states is None:
            return self.repo.find({"task.id": {"$exists": True}})
        stored = sorted({"open" if s == "claimed" else s for s in states} & {"open", "done", "rejected"})
        return self.repo.find({"task.state": {"$in": stored}})

    def change(self, query: dict, decide: Callable[[Unit], tuple[Unit, list[Event]]],
               missing: Callable[[], Exception]) -> tuple[Unit, list[dict]]:
        return self.repo.change(query, decide, missing)


def _no_task(task_id: str) -> NotFound:
    return NotFound(f"没有这项住房公积金任务：{task_id}")
