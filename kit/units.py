"""The store of a bureau that keeps one aggregate per application (a "unit": its registration, its
staff's records, its clerk task and its outbox in ONE document, kit.repository), as the housing-fund
centre and the medical insurance bureau do.

Collections: `units` (_id = application_id), `counters` (the bureau's number sequences), `revocations`
(_id = USCC), `documents` (every certificate as issued, kit.documents). Unique indexes: `uscc` (one unit per company) and the bureau's unit number among
registered units (`number_field`: a number is never given to two units). A subclass names its model,
its wording and its number field; `in_memory()` is the same store over dicts for unit tests.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Generic, TypeVar
from uuid import uuid4

from pydantic import BaseModel
from pymongo.database import Database

from contracts.events import Event
from contracts.rpc import Document, DocumentRef, FieldError, Invalid, NotFound
from contracts.rpc.hires import check_request_id
from kit import unit_rules
from kit.bank_accounts import DIRECT_DEBIT, BankAccounts, InMemoryBankAccounts, bank_account_view
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive, InMemoryDocumentArchive
from kit.mongo import NUMBER_BLOCK, InMemorySequences, Sequences
from kit.repository import InMemoryRepository, Repository
from kit.revocations import InMemoryRevocations, Revocations

U = TypeVar("U", bound=BaseModel)


def unit_key(district_code: str, year: int) -> str:
    """The counter of a district's unit numbers for a year (both bureaus number units this way)."""
    return f"unit:{district_code}:{year}"


class UnitStore(Generic[U]):
    model: ClassVar[type[BaseModel]]
    number_field: ClassVar[str]  # the unit number's field, unique among registered units
    busy: ClassVar[str] = "该单位的业务正被同时办理，请刷新后重试"
    no_task: ClassVar[str] = "没有这项任务：{}"

    def __init__(self, db: Database | None):
        self.db = db
        if db is None:  # in_memory() fills the parts in
            return
        self.units = db["units"]
        self.repo: Repository[U] = Repository(self.units, self.model, busy=self.busy)  # type: ignore[arg-type]
        self.sequences = Sequences(db["counters"], block=NUMBER_BLOCK)  # unit numbers need only be unique
        self.revocations = Revocations(db["revocations"])
        # a change of details and a closing check are answered once each (kit.changes, kit.closing)
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.bank_accounts = BankAccounts(db["bank_accounts"])  # the bank's basic account, for direct debit
        self.documents = DocumentArchive(db["documents"])  # every document as issued (kit.documents)

    @classmethod
    def in_memory(cls) -> Any:
        """The same store over dicts, for unit tests of the workflow (kit.repository.InMemoryRepository)."""
        store = cls(None)
        store.units = None
        store.repo = InMemoryRepository(cls.model, busy=cls.busy)  # type: ignore[arg-type]
        store.sequences = InMemorySequences()
        store.revocations = InMemoryRevocations()
        store.bank_accounts = InMemoryBankAccounts()
        store.documents = InMemoryDocumentArchive()
        return store

    def ensure_indexes(self) -> None:
        self.units.create_index("uscc", unique=True)
        self.units.create_index(self.number_field, unique=True, partialFilterExpression={"state": "registered"})
        self.units.create_index("task.id")
        self.units.create_index("task.state")
        self.units.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick
        self.change_answers.ensure_indexes()
        self.documents.ensure_indexes()

    def ping(self) -> None:
        if self.db is not None:
            self.db.command("ping")

    def next_number(self, key: str) -> int:
        """One atomic $inc; a number whose unit is never stored is skipped for ever, never reused."""
        return self.sequences.next(key)

    # ---- finders

    def insert(self, unit: U, events: list[Event]) -> list[dict] | None:
        return self.repo.insert(unit.application_id, unit, events)  # type: ignore[attr-defined]

    def insert_numbered(self, application_id: str, key: str | None,
                        build: Callable[[int | None], tuple[U, list[Event]]]) -> list[dict] | None:
        """Draw the next number of series `key` (None: the unit gets none yet), build the unit with it
        and insert it; None when the unit is stored already (a redelivery, or a racing worker won).
        With the number in this process's block, no read first: a number drawn for a unit that was not
        stored is handed back (kit.mongo.give_back), so a late duplicate spends none. When drawing
        needs a round trip (a new block), the duplicate is looked for first, so a replayed event never
        moves the stored counter. A lost race at worst leaves a gap."""
        sequence = self.sequences.reserved(key) if key else None
        if key and sequence is None:
            if self.exists(application_id):
                return None
            sequence = self.sequences.next(key)
        unit, events = build(sequence)
        entries = self.insert(unit, events)
        if entries is None and key and sequence is not None:
            self.sequences.give_back(key, sequence)
        return entries

    def exists(self, application_id: str) -> bool:
        return self.repo.exists({"_id": application_id})

    def get(self, application_id: str) -> U | None:
        return self.repo.get({"_id": application_id})

    def by_uscc(self, uscc: str) -> U | None:
        return self.repo.get({"uscc": uscc})

    def apply_change(self, uscc: str, version: int, fields: dict) -> None:
        """The unit's registered items after a change of details, once and never backwards (a late,
        older change does not undo a newer one); the version bump makes a racing compare-and-set retry."""
        self.units.update_one({"uscc": uscc, **newer_version(version)}, {"$set": fields, "$inc": {"version": 1}})

    def by_task(self, task_id: str) -> U:
        unit = self.repo.get({"task.id": task_id})
        if unit is None:
            raise NotFound(self.no_task.format(task_id))
        return unit

    def with_tasks(self, states: tuple[str, ...] | None) -> Iterator[U]:
        if states is None:
            return self.repo.find({"task.id": {"$exists": True}})
        stored = sorted({"open" if s == "claimed" else s for s in states} & {"open", "done", "rejected"})
        return self.repo.find({"task.state": {"$in": stored}})

    def change(self, query: dict, decide: Callable[[U], tuple[U, list[Event]]],
               missing: Callable[[], Exception]) -> tuple[U, list[dict]]:
        return self.repo.change(query, decide, missing)


def unit_answer(store: UnitStore, uscc: Any, not_found: str, view: Callable[[Any, Any], dict]) -> dict[str, Any]:
    """What `get_unit` answers: the bureau's view of the company's unit and its revocation, with the bank's
    basic account for direct debit; `not_found` ({uscc}) when the company has no unit here."""
    unit = store.by_uscc(uscc) if isinstance(uscc, str) else None
    if unit is None:
        raise NotFound(not_found.format(uscc=uscc))
    account = bank_account_view(store.bank_accounts.get(unit.uscc), DIRECT_DEBIT)
    return view(unit, store.revocations.get(unit.uscc)) | {"bank_account": account}


def hire(store: UnitStore, unit: Any, request_id: Any, at: Any, *, records: Callable[[Any], list],
         parse: Callable[[], Any], figures_on: Callable[[Any], Any], rule: Callable[..., Any],
         not_configured: type[Exception], missing: Callable[[], Exception]) -> tuple[Any, str, Any]:
    """A later hire on a registered unit, made once per `request_id`: (the unit as stored after it, the
    record's employee id, the figures of its start day; None when the request was a retry and nothing
    was read). `records(unit)`: the unit's staff records; `parse()`: the bureau's hire request;
    `figures_on(day)` raises `not_configured` for a day without figures (a field error on start_date);
    `rule(unit, employee_id, request, figures, revocation, at)`: the bureau's rule that adds the record.
    The revocation is read before the compare-and-set, which decides again on a retried write."""
    check_request_id(request_id)
    employee_id = unit_rules.request_employee_id(unit.uscc, request_id or uuid4().hex)
    if request_id and any(r.employee_id == employee_id for r in records(unit)):
        return unit, employee_id, None  # a retry: the same answer
    request = parse()
    try:
        figures = figures_on(request.start_date)
    except not_configured as exc:
        raise Invalid.with_fields(str(exc), [FieldError(field="start_date", message=str(exc))]) from None
    revocation = store.revocations.get(unit.uscc)

    def decide(current: Any) -> tuple[Any, list]:
        if any(r.employee_id == employee_id for r in records(current)):  # the same request raced itself
            return current, []
        return rule(current, employee_id, request, figures, revocation, at), []

    changed, _ = store.change({"_id": unit.application_id}, decide, missing)
    return changed, employee_id, figures


class CertificateDesk:
    """Such a bureau's documents (kit.entrypoints.DocumentRpc): its one certificate, once the unit is
    registered, rendered and signed once per state of the unit (a clerk task's moves change no
    certificate), then served as issued (kit.documents). `missing` and `filename` are the bureau's
    wording, formatted with the application id and name, and with the unit's USCC."""

    def __init__(self, store: UnitStore, ref: DocumentRef, missing: str, filename: str,
                 render_pdf: Callable[[Any], bytes]):
        self.store, self.ref, self.missing, self.filename, self.render_pdf = store, ref, missing, filename, render_pdf

    def list(self, application_id: str) -> list[dict]:
        return [self.ref.model_dump(mode="json")] if self._registered(application_id) else []

    def get(self, application_id: str, name: str) -> dict:
        unit = self._registered(application_id)
        if unit is None or name != self.ref.name:
            raise NotFound(self.missing.format(application_id=application_id, name=name))

        def render() -> Document:
            return Document(name=name, filename=self.filename.format(uscc=unit.uscc), content_type="application/pdf",
                            data_base64=base64.b64encode(self.render_pdf(unit)).decode("ascii"))

        source = unit.model_dump(mode="json", exclude={"task"})
        return self.store.documents.issue(unit.application_id, name, source, render).model_dump(mode="json")

    def _registered(self, application_id: Any) -> Any:
        unit = self.store.get(str(application_id))
        return unit if unit is not None and unit.state == "registered" else None


class UnitClerkQueue:
    """kit.clerk's queue for such a bureau: the one task lives inside its unit, and every decision is a
    compare-and-set of the unit with its events (`publish` sends them at once). A bureau supplies its
    `domain` (claim, release), its `views` (task_view; a bureau without views.py yet: None, and its
    domain's task_view is used) and `decision(unit, clerk, action, payload, at)`, the function that
    decides on the unit as stored (the numbers and figures it needs taken beforehand)."""

    domain: Any
    views: Any = None

    def __init__(self, store: UnitStore, publish: Callable[[str, list[dict]], None]):
        self.store, self.publish = store, publish

    def decision(self, unit: Any, clerk: str, action: str, payload: dict[str, Any], at: Any) -> Callable:
        raise NotImplementedError  # pragma: no cover - each bureau defines it

    def list(self, states: tuple[str, ...] | None, at: Any) -> list:
        views = [self._view(u, at) for u in self.store.with_tasks(states)]
        return [v for v in views if states is None or v.state in states]

    def get(self, task_id: str, at: Any):
        return self._view(self.store.by_task(task_id), at)

    def claim(self, task_id: str, clerk: str, at: Any):
        return self._change(task_id, at, lambda u: (self.domain.claim(u, clerk, at), []))

    def release(self, task_id: str, clerk: str, at: Any):
        return self._change(task_id, at, lambda u: (self.domain.release(u, clerk, at), []))

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], at: Any):
        return self._change(task_id, at, self.decision(self.store.by_task(task_id), clerk, action, payload, at))

    def _view(self, unit: Any, at: Any):
        return (self.views or self.domain).task_view(unit, at)

    def _change(self, task_id: str, at: Any, decide: Callable):
        unit, entries = self.store.change({"task.id": task_id}, decide,
                                          lambda: NotFound(self.store.no_task.format(task_id)))
        self.publish(unit.application_id, entries)
        return self._view(unit, at)
