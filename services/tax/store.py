"""The tax bureau's database: every pymongo call of the service lives here.

Collections
- `registrations`: one per company (`_id` = USCC, unique `application_id`); the clerk task for invoice
  approval rides inside it, so a decision and the event announcing it are one atomic write (outbox).
- `months`: the quota ledger, one document per company and calendar month (`<uscc>:<YYYY-MM>`):
  `limit_fen`, `used_fen`, `issued`, `reversed` (originals already reversed) and `allocations`
  (invoices whose quota and number are reserved but which are not yet in `invoices`).
- `invoices`: issued invoices; unique `number`, unique (`uscc`, `request_id`), at most one red-letter
  invoice per original (unique partial index on `reverses`).
- `counters`: the invoice number sequences; `skipped_numbers`: numbers drawn but never used, and why.
- `revocations`: licences revoked by registration, one per company (`_id` = USCC): `application_id`,
  `reason`, `revoked_at`, `event_id`, `received_at`. Kept apart from `registrations` because a
  revocation may arrive before the company's licence_issued; the refusals read it by `_id`.
- `documents`: the notice and invoice PDFs as issued, each rendered and signed once (kit.documents).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.rpc import NotFound
from kit import clerk as clerk_queue
from kit.bank_accounts import BankAccounts
from kit.changes import ChangeAnswers, newer_version
from kit.documents import DocumentArchive
from kit.mongo import next_sequence
from kit.outbox import outbox_entry
from kit.revocations import Revocations


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
        self.revocations = Revocations(db["revocations"])
        self.change_answers = ChangeAnswers(db["change_answers"])
        self.bank_accounts = BankAccounts(db["bank_accounts"])  # the bank's account, for the 三方协议
        self.documents = DocumentArchive(db["documents"])  # every document as issued (kit.documents)

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
        self.invoices.create_index(
            "reverses", unique=True, partialFilterExpression={"reverses": {"$type": "string"}})
        self.invoices.create_index([("uscc", ASCENDING), ("number", ASCENDING)])
        self.invoices.create_index("application_id")
        self.change_answers.ensure_indexes()
        self.documents.ensure_indexes()

    def ping(self) -> None:
        self.db.command("ping")

    # ---- registrations ---------------------------------------------------------------------------

    def insert_registration(self, doc: dict[str, Any], events: list) -> tuple[dict[str, Any], bool]:
        """Store a new registration with its events; (existing, False) if this company is already in."""
        doc = {**doc, "outbox": [outbox_entry(e) for e in events]}
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
        query = {"task.state": {"$in": list(states)}} if states is not None else {"task.id": {"$type": "string"}}
        cursor = self.registrations.find(query, {"outbox": 0}).sort(
            [("task.deadline", ASCENDING), ("task.created_at", ASCENDING)])
        return list(cursor)

    def registration_by_task(self, task_id: str) -> dict[str, Any]:
        doc = self.registrations.find_one({"task.id": task_id}, {"outbox": 0})
        if doc is None:
            raise NotFound(f"任务 {task_id} 不存在")
        return doc

    def claim_task(self, task_id: str, clerk: str, now: datetime) -> dict[str, Any] | None:
        return self._update_task(task_id, clerk, now, {
            "$set": {"task.state": "claimed", "task.claimed_by": clerk,
                     "task.claim_expires_at": clerk_queue.claim_until(now)},
            "$push": {"task.history": clerk_queue.history_entry(clerk, "claim", {}, now)}})

    def decide_task(self, task_id: str, clerk: str, now: datetime, fields: dict[str, Any],
                    history: dict[str, Any], entries: list[dict]) -> dict[str, Any] | None:
        """The decision, the registration's new state and its event in ONE conditional write."""
        return self._update_task(task_id, clerk, now, {
            "$set": {**fields, "task.claimed_by": clerk, "task.claim_expires_at": None},
            "$push": {"task.history": history, "outbox": {"$each": entries}}})

    def _update_task(self, task_id: str, clerk: str, now: datetime, update: dict[str, Any]) -> dict[str, Any] | None:
        """Apply `update` to an open task this clerk may act on (unclaimed, lapsed or theirs).

        None when it is done or held by another clerk; the caller tells which by reading it again.
        """
        query = {"task.id": task_id, "task.state": {"$in": list(clerk_queue.OPEN_STATES)},
                 **clerk_queue.free_for(clerk, now, "task.")}
        return self.registrations.find_one_and_update(
            query, update, projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

    def release_task(self, task_id: str, clerk: str, history: dict[str, Any]) -> dict[str, Any] | None:
        """Give a task this clerk claimed back to the queue; None when it is not theirs to give."""
        return self.registrations.find_one_and_update(
            {"task.id": task_id, "task.state": "claimed", "task.claimed_by": clerk},
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
                              "issued": 0, "reversed": [], "allocations": []}},
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

    def reserve_reversal(self, red: dict[str, Any], now: datetime) -> bool:
        """Give the original's month its quota back and record the red-letter invoice, once per original."""
        result = self.months.update_one(
            {"_id": month_id(red["uscc"], red["quota_month"]), "reversed": {"$ne": red["reverses"]},
             "allocations.request_id": {"$ne": red["request_id"]}},
            {"$inc": {"used_fen": red["quota_fen"]}, "$push": {
                "reversed": red["reverses"], "allocations": {**red, "allocated_at": now}}})
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
            self.invoices.update_one({"number": invoice["reverses"]}, {"$set": {"reversed_by": invoice["number"]}})
        return invoice

    def release(self, allocation: dict[str, Any], reason: str, now: datetime) -> None:
        update: dict[str, Any] = {"$pull": {"allocations": {"number": allocation["number"]}},
                                  "$inc": {"used_fen": -allocation["quota_fen"]}}
        if allocation.get("reverses"):
            update["$pull"]["reversed"] = allocation["reverses"]
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

    def invoices_of(self, uscc: str | None = None, application_id: str | None = None) -> list[dict[str, Any]]:
        query = {"uscc": uscc} if uscc else {"application_id": application_id}
        return list(self.invoices.find(query, {"_id": 0}).sort("number", ASCENDING))


def _before(moment: datetime, cutoff: datetime) -> bool:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=cutoff.tzinfo)
    return moment < cutoff
