"""The tax bureau's database: every pymongo call of the service lives here.

Collections
- `registrations`: one per company (`_id` = USCC, unique `application_id`); the clerk task for invoice
  approval rides inside it, so a decision and the event announcing it are one atomic write (outbox).
  The task has seal's shape (kit.clerk.StoredTask, plus tax's `details`): `state` open / done / rejected,
  a claim is `claimed_by` + `claim_expires_at` on an open task (held while the expiry is after now), and
  a decision sets `finished_at`. Data note: tasks written before s7-tax2 may be stored with
  `state: "claimed"`; every filter here reads it as open (kit.clerk.OPEN_STATES) and the views show it by
  its expiry, so they answer as the new shape does; the next claim, release or decision rewrites them.
  No start-up migration: an instance of the old code still running during a rollout would write the old
  shape again, so both shapes are read until every instance runs this code.
- `months`: the quota ledger, one document per company and calendar month (`<uscc>:<YYYY-MM>`):
  `limit_fen`, `used_fen`, `issued` and `allocations`
  (invoices whose quota and number are reserved but which are not yet in `invoices`).
  `reds.n<number>`: per blue invoice, the amounts, taxes and quantities reversed so far per line, with a
  version `v` each red-letter invoice moves on (compare-and-set: partial reversals never exceed the blue).
- `invoices`: issued invoices; unique `number`, unique (`uscc`, `request_id`); a blue invoice lists its
  red-letter invoices in `red_letters` (several partial ones), `reversed_by` once it is fully reversed,
  and `buyer_use` once the buyer has confirmed its use.
- `red_forms`: 红字发票信息确认单 raised by a seller on an invoice the buyer has used, waiting for the
  buyer (unique (`seller_uscc`, `request_id`)).
- `counters`: the invoice number sequences; `skipped_numbers`: numbers drawn but never used, and why.
- `revocations`: licences revoked by registration, one per company (`_id` = USCC): `application_id`,
  `reason`, `revoked_at`, `event_id`, `received_at`. Kept apart from `registrations` because a
  revocation may arrive before the company's licence_issued; the refusals read it by `_id`.
- `documents`: the notice and invoice PDFs as issued, each rendered and signed once (kit.documents).

`TaxStore.in_memory()` is the same store over `InMemoryDatabase`, for the unit tests of the use cases
(services/tax/workflow.py): it evaluates on dicts, with InMemoryRepository's matcher (kit.repository.matches),
the filters and updates written in this file and in the kit modules the store hands collections to
(kit.outbox, kit.mongo's counters, kit.changes, kit.revocations, kit.bank_accounts, kit.documents), unique
indexes included; it does NOT model concurrency, sessions or the embedded database's quirks: the integration
tests (tests/integration/tax) run those against the real database.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.rpc import NotFound
from kit import clerk as clerk_queue
from kit import owners
from kit.bank_accounts import BankAccounts
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive
from kit.mongo import next_sequence
from kit.outbox import outbox_entry
from kit.repository import matches, path_values  # InMemoryRepository's filters and dotted paths, not a copy
from kit.revocations import Revocations
from services.tax.domain.redletter import QTY_SCALE, ledger_key


def month_id(uscc: str, month: str) -> str:
    return f"{uscc}:{month}"


class TaxStore:
    def __init__(self, db: Database):
        self.db = db
        self.registrations = db["registrations"]
        self.months = db["months"]
        self.invoices = db["invoices"]
        self.counters = db["counters"]
        self.skipped = db["skipped_numbers"]
        self.red_forms = db["red_forms"]
        self.declarations = db["declarations"]  # 纳税申报, `_id` "<uscc>:<period>" (domain.declarations)
        self.revocations = Revocations(db["revocations"])
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.bank_accounts = BankAccounts(db["bank_accounts"])  # the bank's account, for the 三方协议
        self.documents = DocumentArchive(db["documents"])  # every document as issued (kit.documents)

    @classmethod
    def in_memory(cls) -> TaxStore:
        """The store over dicts (see the module docstring), its indexes in place."""
        store = cls(InMemoryDatabase())  # type: ignore[arg-type]
        store.ensure_indexes()
        return store

    def ensure_indexes(self) -> None:
        self.registrations.create_index("application_id", unique=True)
        self.registrations.create_index(
            "task.id", unique=True, partialFilterExpression={"task.id": {"$type": "string"}})
        self.registrations.create_index([("task.state", ASCENDING), ("task.deadline", ASCENDING)])
        self.months.create_index("allocations.allocated_at")
        self.months.create_index("uscc")  # a closing looks for the company's unfinished invoices
        self.registrations.create_index("outbox.created_at")  # the relay's sweep: without it, a scan per tick
        self.invoices.create_index("number", unique=True)
        self.invoices.create_index([("uscc", ASCENDING), ("request_id", ASCENDING)], unique=True)
        # partial reversals: several red-letter invoices per blue one (the ledger's `reds` keeps them exact)
        if self.invoices.index_information().get("reverses_1", {}).get("unique"):
            self.invoices.drop_index("reverses_1")
        self.invoices.create_index("reverses")
        self.invoices.create_index("buyer.tax_id")  # the buyer's received invoices
        self.red_forms.create_index([("seller_uscc", ASCENDING), ("request_id", ASCENDING)], unique=True)
        self.red_forms.create_index("buyer_tax_id")
        self.red_forms.create_index([("invoice_number", ASCENDING), ("state", ASCENDING)])
        self.invoices.create_index([("uscc", ASCENDING), ("number", ASCENDING)])
        self.invoices.create_index("application_id")
        self.change_answers.ensure_indexes()
        self.documents.ensure_indexes()

    def ping(self) -> None:
        self.db.command("ping")

    # ---- registrations ---------------------------------------------------------------------------

    def insert_registration(self, doc: dict[str, Any], events: list) -> tuple[dict[str, Any], bool]:
        """Store a new registration with its events; (existing, False) if this company is already in."""
        doc = owners.stamped({**doc, "outbox": [outbox_entry(e) for e in events]})  # kit/owners.py
        try:
            self.registrations.insert_one(doc)
        except DuplicateKeyError:
            existing = self.registrations.find_one(
                {"$or": [{"_id": doc["_id"]}, {"application_id": doc["application_id"]}]})
            if existing is None:  # pragma: no cover - a duplicate that vanished: nothing is ever deleted
                raise
            return existing, False
        return doc, True

    def registration(self, uscc: str) -> dict[str, Any]:
        doc = self.registrations.find_one({"_id": uscc}, {"outbox": 0})
        if doc is None:
            raise NotFound(f"纳税人 {uscc} 未办理税务登记")
        return doc

    def registration_if_any(self, uscc: str) -> dict[str, Any] | None:
        return self.registrations.find_one({"_id": uscc}, {"outbox": 0})

    def apply_change(self, uscc: str, version: int, fields: dict[str, Any]) -> None:
        self.registrations.update_one({"_id": uscc, **newer_version(version)}, {"$set": fields})

    def registration_by_application(self, application_id: str) -> dict[str, Any]:
        doc = self.registrations.find_one({"application_id": application_id}, {"outbox": 0})
        if doc is None:
            raise NotFound(f"申请 {application_id} 没有税务登记")
        return doc

    # ---- clerk tasks -----------------------------------------------------------------------------

    def tasks(self, states: tuple[str, ...] | None) -> list[dict[str, Any]]:
        """Registrations whose task is stored in a state that can show as one of `states` (None: any
        task): an open task shows as claimed while its claim lasts, so both read the open ones."""
        query: dict[str, Any] = {"task.id": {"$type": "string"}}
        if states is not None:
            stored = set(clerk_queue.OPEN_STATES) if set(states) & set(clerk_queue.OPEN_STATES) else set()
            query = {"task.state": {"$in": sorted(stored | (set(states) - set(clerk_queue.OPEN_STATES)))}}
        cursor = self.registrations.find(query, {"outbox": 0}).sort(
            [("task.deadline", ASCENDING), ("task.created_at", ASCENDING)])
        return list(cursor)

    def registration_by_task(self, task_id: str) -> dict[str, Any]:
        doc = self.registrations.find_one({"task.id": task_id}, {"outbox": 0})
        if doc is None:
            raise NotFound(f"任务 {task_id} 不存在")
        return doc

    def claim_task(self, task_id: str, clerk: str, now: datetime) -> dict[str, Any] | None:
        """The claim is who and until when; the task stays `open` (kit.clerk.StoredTask, as seal's): a
        stored "claimed" would outlive the claim's expiry. Writing `open` turns an old-shape task into
        the new one (see the module docstring)."""
        return self._update_task(task_id, clerk, now, {
            "$set": {"task.state": "open", "task.claimed_by": clerk,
                     "task.claim_expires_at": clerk_queue.claim_until(now)},
            "$push": {"task.history": clerk_queue.history_entry(clerk, "claim", {}, now)}})

    def decide_task(self, task_id: str, clerk: str, now: datetime, fields: dict[str, Any],
                    history: dict[str, Any], entries: list[dict]) -> dict[str, Any] | None:
        """The decision, the registration's new state and its event in ONE conditional write."""
        return self._update_task(task_id, clerk, now, {
            "$set": {**fields, "task.claimed_by": clerk, "task.claim_expires_at": None, "task.finished_at": now},
            "$push": {"task.history": history, "outbox": {"$each": entries}}})

    def _update_task(self, task_id: str, clerk: str, now: datetime, update: dict[str, Any]) -> dict[str, Any] | None:
        """Apply `update` to an open task this clerk may act on (unclaimed, lapsed or theirs).

        None when it is done or held by another clerk; the caller tells which by reading it again.
        OPEN_STATES: "claimed" is matched too, for tasks stored in the old shape.
        """
        query = {"task.id": task_id, "task.state": {"$in": list(clerk_queue.OPEN_STATES)},
                 **clerk_queue.free_for(clerk, now, "task.")}
        return self.registrations.find_one_and_update(
            query, update, projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

    def release_task(self, task_id: str, clerk: str, now: datetime,
                     history: dict[str, Any]) -> dict[str, Any] | None:
        """Give a task this clerk holds back to the queue; None when it is not theirs to give. Held means
        what kit.clerk.holder says: claimed by them and expiring after now (free_for's lapse is `$lte`)."""
        return self.registrations.find_one_and_update(
            {"task.id": task_id, "task.state": {"$in": list(clerk_queue.OPEN_STATES)}, "task.claimed_by": clerk,
             "task.claim_expires_at": {"$gt": now}},
            {"$set": {"task.state": "open", "task.claimed_by": None, "task.claim_expires_at": None},
             "$push": {"task.history": history}},
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

    # ---- quota ledger and numbers ----------------------------------------------------------------

    def month(self, uscc: str, month: str, limit_fen: int) -> dict[str, Any]:
        """This company's ledger for a month, created with the company's quota on first use."""
        query = {"_id": month_id(uscc, month)}
        doc = self.months.find_one(query)  # a read is ~10x cheaper than a write on the embedded database
        if doc is not None:
            return doc
        doc = self.months.find_one_and_update(
            query,
            {"$setOnInsert": {"uscc": uscc, "month": month, "limit_fen": limit_fen, "used_fen": 0,
                              "issued": 0, "allocations": []}},
            upsert=True, return_document=ReturnDocument.AFTER)
        # Racing upserts may answer None on the embedded database although the document exists;
        # $setOnInsert changes nothing on a second try, so reading it back is safe.
        return doc if doc is not None else self.months.find_one(query)

    def month_if_any(self, uscc: str, month: str) -> dict[str, Any] | None:
        return self.months.find_one({"_id": month_id(uscc, month)}, {"allocations": 0})

    def next_sequence(self, key: str) -> int:
        """The next number of a sequence. Never an upsert: racing upserts on the embedded database can
        apply the $inc yet answer None, which would skip a number silently."""
        return next_sequence(self.counters, key)

    def reserve(self, ledger: dict[str, Any], invoice: dict[str, Any], now: datetime) -> bool:
        """Charge the invoice to the month's quota and record it, number included, in ONE atomic update.

        The filter is the guarantee: the update only applies while used + this invoice <= limit, and
        while this request has no allocation yet, however many instances race for the same month.
        """
        limit = ledger["limit_fen"]
        result = self.months.update_one(
            {"_id": ledger["_id"], "limit_fen": limit, "used_fen": {"$lte": limit - invoice["quota_fen"]},
             "allocations.request_id": {"$ne": invoice["request_id"]}},
            {"$inc": {"used_fen": invoice["quota_fen"], "issued": 1},
             "$push": {"allocations": {**invoice, "allocated_at": now}}})
        return result.modified_count == 1

    def reserve_reversal(self, red: dict[str, Any], before: dict[str, Any], after: dict[str, Any],
                         now: datetime) -> bool:
        """Give the original's month the red invoice's quota back, move the original's reversed amounts
        from `before` to `after` and record the red invoice, in ONE update that applies only while the
        amounts are still `before` (another red-letter invoice of the same original meanwhile: False)."""
        key = red_key(red["reverses"])
        version = {key: {"$exists": False}} if before["v"] == 0 else {f"{key}.v": before["v"]}
        result = self.months.update_one(
            {"_id": month_id(red["uscc"], red["quota_month"]), **version,
             "allocations.request_id": {"$ne": red["request_id"]}},
            {"$inc": {"used_fen": red["quota_fen"]}, "$set": {key: after},
             "$push": {"allocations": {**red, "allocated_at": now}}})
        return result.modified_count == 1

    def tidy_allocations(self, stale_before: datetime, limit: int = 200) -> int:
        """Drop allocations whose invoice is stored; materialise those a dead worker left older than
        `stale_before`. One read and one write per month ledger, so issuing never pays for the cleanup.
        Returns how many invoices were materialised here."""
        recovered = 0
        for ledger in self.months.find({"allocations.allocated_at": {"$exists": True}}, {"allocations": 1}).limit(limit):
            numbers = [a["number"] for a in ledger["allocations"]]
            stored = {d["number"] for d in self.invoices.find({"number": {"$in": numbers}}, {"number": 1})}
            for allocation in ledger["allocations"]:
                if allocation["number"] not in stored and _before(allocation["allocated_at"], stale_before):
                    self.materialise(allocation, stale_before)
                    stored.add(allocation["number"])
                    recovered += 1
            if stored:
                self.months.update_one({"_id": ledger["_id"]},
                                       {"$pull": {"allocations": {"number": {"$in": sorted(stored)}}}})
        return recovered

    def materialise(self, allocation: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Turn a reserved allocation into the stored invoice; safe to repeat after a crash.

        The allocation stays in the ledger until `tidy_allocations` drops it (a write saved per invoice);
        a retry looks for the stored invoice first, so it is never materialised twice.
        """
        invoice = {k: v for k, v in allocation.items() if k != "allocated_at"}
        try:
            self.invoices.insert_one(dict(invoice))
        except DuplicateKeyError:
            if self.invoices.find_one({"number": invoice["number"]}, {"_id": 1}) is None:
                # Another allocation won this request_id (a retry raced across a month boundary):
                # hand back this one's quota and account for its number.
                self.release(allocation, "同一开票请求已由另一张发票开具", now)
                return self.invoice_by_request(invoice["uscc"], invoice["request_id"])
        if invoice.get("reverses"):
            update: dict[str, Any] = {"$addToSet": {"red_letters": invoice["number"]}}
            if invoice.get("final_reversal"):
                update["$set"] = {"reversed_by": invoice["number"]}
            self.invoices.update_one({"number": invoice["reverses"]}, update)
        return invoice

    def release(self, allocation: dict[str, Any], reason: str, now: datetime) -> None:
        update: dict[str, Any] = {"$pull": {"allocations": {"number": allocation["number"]}},
                                  "$inc": {"used_fen": -allocation["quota_fen"]}}
        if allocation.get("reverses"):  # the original's reversed amounts go back down by this red's lines
            key = red_key(allocation["reverses"])
            update["$inc"][f"{key}.v"] = 1
            for line in allocation["items"]:
                update["$inc"][f"{key}.amount_fen.{line['line']}"] = -_fen(line["amount"])
                update["$inc"][f"{key}.tax_fen.{line['line']}"] = -_fen(line["tax"])
                update["$inc"][f"{key}.qty_e8.{line['line']}"] = -_qty(line["quantity"])
        else:
            update["$inc"]["issued"] = -1
        self.months.update_one({"_id": month_id(allocation["uscc"], allocation["quota_month"]),
                                "allocations.number": allocation["number"]}, update)
        self.record_skipped(allocation["number"], allocation["uscc"], reason, now)

    def record_skipped(self, number: str, uscc: str, reason: str, now: datetime) -> None:
        """A drawn number that will never be used is written down with its reason, never lost silently."""
        try:
            self.skipped.insert_one({"_id": number, "uscc": uscc, "reason": reason, "at": now})
        except DuplicateKeyError:
            pass

    # ---- invoices --------------------------------------------------------------------------------

    def open_ledgers(self, uscc: str) -> list[dict[str, Any]]:
        """The company's months with an invoice number allocated and not yet issued."""
        return [m for m in self.months.find({"uscc": uscc}, {"allocations": 1}) if m.get("allocations")]

    def invoice_by_request(self, uscc: str, request_id: str) -> dict[str, Any] | None:
        return self.invoices.find_one({"uscc": uscc, "request_id": request_id}, {"_id": 0})

    def invoice(self, uscc: str, number: str) -> dict[str, Any]:
        doc = self.invoices.find_one({"uscc": uscc, "number": number}, {"_id": 0})
        if doc is None:
            raise NotFound(f"发票 {number} 不存在")
        return doc

    def record_buyer_use(self, buyer_uscc: str, number: str, use: dict[str, Any]) -> dict[str, Any] | None:
        """The buyer's 用途确认 or 入账确认, once (None if this buyer has no such unused blue invoice)."""
        return self.invoices.find_one_and_update(
            {"number": number, "buyer.tax_id": buyer_uscc, "red": False, "buyer_use": {"$in": [None]}},
            {"$set": {"buyer_use": use}}, projection={"_id": 0}, return_document=ReturnDocument.AFTER)

    def received_invoice(self, buyer_uscc: str, number: str) -> dict[str, Any]:
        doc = self.invoices.find_one({"number": number, "buyer.tax_id": buyer_uscc}, {"_id": 0})
        if doc is None:
            raise NotFound(f"没有开具给您的发票 {number}")
        return doc

    def received_invoices(self, buyer_uscc: str) -> list[dict[str, Any]]:
        return list(self.invoices.find({"buyer.tax_id": buyer_uscc}, {"_id": 0}).sort("number", ASCENDING))

    # ---- 红字发票信息确认单 ----------------------------------------------------------------------------

    def insert_form(self, form: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        try:
            self.red_forms.insert_one(dict(form))
        except DuplicateKeyError:
            return self.red_forms.find_one({"seller_uscc": form["seller_uscc"], "request_id": form["request_id"]}), False
        return form, True

    def form_by_request(self, seller_uscc: str, request_id: str) -> dict[str, Any] | None:
        return self.red_forms.find_one({"seller_uscc": seller_uscc, "request_id": request_id})

    def pending_forms_on(self, number: str) -> list[dict[str, Any]]:
        return list(self.red_forms.find({"invoice_number": number, "state": "pending"}))

    def form(self, form_id: str) -> dict[str, Any]:
        doc = self.red_forms.find_one({"_id": form_id})
        if doc is None:
            raise NotFound(f"红字发票信息确认单 {form_id} 不存在")
        return doc

    def forms_of(self, uscc: str) -> list[dict[str, Any]]:
        query = {"$or": [{"seller_uscc": uscc}, {"buyer_tax_id": uscc}]}
        return list(self.red_forms.find(query).sort("created_at", ASCENDING))

    def close_form(self, form_id: str, state: str, now: datetime, red_number: str | None = None) -> dict[str, Any] | None:
        """Confirmed, refused or void: only from pending, once."""
        return self.red_forms.find_one_and_update(
            {"_id": form_id, "state": "pending"},
            {"$set": {"state": state, "answered_at": now, "red_number": red_number}},
            return_document=ReturnDocument.AFTER)

    # ---- 纳税申报 (domain.declarations) ---------------------------------------------------------------

    def declarations_of(self, uscc: str) -> dict[str, dict[str, Any]]:
        """The company's declarations on file, by period."""
        return {d["period"]: d for d in self.declarations.find({"uscc": uscc})}

    def file_declaration(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The declaration under doc's `_id`, written once: a repeat leaves the first as it was."""
        self.declarations.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        return self.declarations.find_one({"_id": doc["_id"]})

    def invoices_of(self, uscc: str | None = None, application_id: str | None = None) -> list[dict[str, Any]]:
        query = {"uscc": uscc} if uscc else {"application_id": application_id}
        return list(self.invoices.find(query, {"_id": 0}).sort("number", ASCENDING))


def red_key(number: str) -> str:
    """Where the ledger keeps a blue invoice's reversed amounts."""
    return f"reds.{ledger_key(number)}"


def _fen(signed: str) -> int:
    return int((abs(Decimal(signed)) * 100).to_integral_value())


def _qty(signed: str) -> int:
    return int((abs(Decimal(signed)) * QTY_SCALE).to_integral_value()) if signed else 0


def _before(moment: datetime, cutoff: datetime) -> bool:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=cutoff.tzinfo)
    return moment < cutoff


# ---- the in-memory database (unit tests of the workflow) ----------------------------------------------

_databases = itertools.count(1)
_MISSING = object()


class InMemoryDatabase:
    """Collections of dicts, created on first use, as `Database[...]` is."""

    def __init__(self):
        self.name = f"tax-in-memory-{next(_databases)}"  # kit.mongo remembers counters per database name
        self.collections: dict[str, InMemoryCollection] = {}

    def __getitem__(self, name: str) -> InMemoryCollection:
        return self.collections.setdefault(name, InMemoryCollection(self, name))

    def command(self, name: str) -> dict[str, Any]:
        return {"ok": 1.0}


class InMemoryCollection:
    def __init__(self, database: InMemoryDatabase, name: str):
        self.database, self.name = database, name
        self.docs: dict[Any, dict[str, Any]] = {}
        self.indexes: dict[str, dict[str, Any]] = {}

    # ---- indexes: the unique ones are enforced, on insert and on update

    def create_index(self, keys: Any, unique: bool = False, partialFilterExpression: dict | None = None) -> str:
        fields = [keys] if isinstance(keys, str) else [k for k, _ in keys]
        name = "_".join(f"{f}_1" for f in fields)
        self.indexes[name] = {"fields": fields, "unique": unique, "partial": partialFilterExpression or {}}
        return name

    def index_information(self) -> dict[str, dict[str, Any]]:
        return {name: {"unique": ix["unique"]} for name, ix in self.indexes.items()}

    def drop_index(self, name: str) -> None:
        del self.indexes[name]

    def _check_unique(self, doc: dict[str, Any], replacing: Any = _MISSING) -> None:
        for name, ix in self.indexes.items():
            if not ix["unique"] or not matches(doc, ix["partial"]):
                continue
            key = [_first(doc, f) for f in ix["fields"]]
            if any([_first(other, f) for f in ix["fields"]] == key
                    for other_id, other in self.docs.items()
                    if other_id != replacing and matches(other, ix["partial"])):
                raise DuplicateKeyError(f"E11000 duplicate key {self.name}.{name}: {key}")

    # ---- reads

    def find_one(self, query: dict[str, Any] | None = None, projection: dict[str, int] | None = None) -> dict | None:
        return next(iter(self.find(query, projection)), None)

    def find(self, query: dict[str, Any] | None = None, projection: dict[str, int] | None = None) -> InMemoryCursor:
        return InMemoryCursor([_project(d, projection) for d in self.docs.values() if matches(d, query or {})])

    # ---- writes

    def insert_one(self, doc: dict[str, Any]) -> SimpleNamespace:
        if "_id" not in doc:
            doc["_id"] = f"{self.name}-{len(self.docs) + 1}"
        if doc["_id"] in self.docs:
            raise DuplicateKeyError(f"E11000 duplicate key {self.name}._id: {doc['_id']!r}")
        self._check_unique(doc)
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        return SimpleNamespace(inserted_id=doc["_id"])

    def update_one(self, query: dict[str, Any], update: dict[str, Any], upsert: bool = False) -> SimpleNamespace:
        return self._update(query, update, upsert, many=False)[0]

    def update_many(self, query: dict[str, Any], update: dict[str, Any]) -> SimpleNamespace:
        return self._update(query, update, False, many=True)[0]

    def find_one_and_update(self, query: dict[str, Any], update: dict[str, Any], projection: dict | None = None,
                            return_document: Any = False, upsert: bool = False) -> dict | None:
        _, before, after = self._update(query, update, upsert, many=False)
        chosen = after if return_document else before
        return _project(chosen, projection) if chosen is not None else None

    def _update(self, query: dict[str, Any], update: dict[str, Any], upsert: bool,
                many: bool) -> tuple[SimpleNamespace, dict | None, dict | None]:
        keys = [k for k, d in self.docs.items() if matches(d, query)][:None if many else 1]
        if not keys and upsert:
            seed = {k: v for k, v in query.items() if not k.startswith("$") and not isinstance(v, dict)}
            doc = _apply(copy.deepcopy(seed), update, inserting=True)
            self.insert_one(doc)
            return SimpleNamespace(matched_count=0, modified_count=0, upserted_id=doc["_id"]), None, doc
        before = after = None
        for key in keys:
            before = copy.deepcopy(self.docs[key])
            after = _apply(copy.deepcopy(before), update, inserting=False)
            self._check_unique(after, replacing=key)
            self.docs[key] = after
        return SimpleNamespace(matched_count=len(keys), modified_count=len(keys), upserted_id=None), before, after


class InMemoryCursor:
    def __init__(self, docs: list[dict[str, Any]]):
        self.docs = docs

    def sort(self, key: Any, direction: int = ASCENDING) -> InMemoryCursor:
        for field, way in reversed([(key, direction)] if isinstance(key, str) else list(key)):
            self.docs.sort(key=lambda d, f=field: _sort_key(_first(d, f)), reverse=way < 0)
        return self

    def limit(self, count: int) -> InMemoryCursor:
        self.docs = self.docs[:count] if count else self.docs
        return self

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(copy.deepcopy(self.docs))


def _first(doc: dict[str, Any], path: str) -> Any:
    return next(iter(path_values(doc, path.split("."))), None)


def _sort_key(value: Any) -> tuple:
    return (value is not None, value if value is not None else 0)


def _project(doc: dict[str, Any], projection: dict[str, int] | None) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    if not projection:
        return doc
    if any(v for k, v in projection.items() if k != "_id"):
        kept = {k: doc[k] for k, v in projection.items() if v and k in doc}
        return kept if projection.get("_id", 1) == 0 else {"_id": doc.get("_id"), **kept}
    return {k: v for k, v in doc.items() if projection.get(k, 1)}


def _apply(doc: dict[str, Any], update: dict[str, Any], inserting: bool) -> dict[str, Any]:
    for op, fields in update.items():
        for path, arg in fields.items():
            parent, last = _parent(doc, path)
            if op == "$set" or (op == "$setOnInsert" and inserting):
                parent[last] = copy.deepcopy(arg)
            elif op == "$setOnInsert":
                continue
            elif op == "$unset":
                parent.pop(last, None)
            elif op == "$inc":
                parent[last] = parent.get(last, 0) + arg
            elif op == "$push":
                items = arg["$each"] if isinstance(arg, dict) and "$each" in arg else [arg]
                parent.setdefault(last, []).extend(copy.deepcopy(items))
            elif op == "$addToSet":
                present = parent.setdefault(last, [])
                if arg not in present:
                    present.append(copy.deepcopy(arg))
            elif op == "$pull":
                condition = arg if isinstance(arg, dict) else None
                parent[last] = [item for item in parent.get(last, []) if not (
                    matches(item, condition) if condition is not None and isinstance(item, dict) else item == arg)]
            else:  # pragma: no cover - an operator this file does not use
                raise NotImplementedError(op)
    return doc


def _parent(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *heads, last = path.split(".")
    for head in heads:
        doc = doc.setdefault(head, {})
    return doc, last
