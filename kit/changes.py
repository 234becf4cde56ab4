"""A bureau's answer to a change of details (`company_changed`), recorded once per change.

Each answering bureau keeps one document per change in its own `change_answers` collection (`_id` =
the change id): what it recorded and its `change_recorded` event in the same insert (the outbox), so a
redelivered or replayed `company_changed` answers exactly once and a worker killed before publishing
leaves the event to the relay (`relay(answers.collection, dispatch)` on the bureau's timer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.events import ChangeRecorded, CompanyChanged, Event
from kit.outbox import Dispatch, flush, outbox_entry


class NotYetKnown(RuntimeError):
    """The change arrived before this bureau's record of the company (its licence_issued is still on
    the way): a passing failure, so the event is redelivered (kit.events), never answered from nothing."""


def newer_version(version: int) -> dict[str, Any]:
    """A filter that matches a record not yet updated to this licence version (an older change
    redelivered late must not undo a newer one)."""
    return {"$or": [{"licence_version": {"$exists": False}}, {"licence_version": {"$lt": version}}]}


class ChangeAnswers:
    def __init__(self, collection: Collection):
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index("uscc")
        self.collection.create_index("outbox.created_at")  # the relay's sweep

    def answered(self, change_id: str) -> bool:
        return self.collection.find_one({"_id": change_id}, {"_id": 1}) is not None

    def answer(self, dispatch: Dispatch, event: CompanyChanged, bureau: str, summary: str,
               detail: dict[str, Any]) -> bool:
        """Record and announce this bureau's answer; False when it had already answered this change."""
        answer = ChangeRecorded(application_id=event.application_id, bureau=bureau, uscc=event.uscc,
                                change_id=event.change_id, version=event.version, summary=summary, detail=detail)
        return record_once(self.collection, dispatch, answer, {
            "_id": event.change_id, "uscc": event.uscc, "bureau": bureau, "version": event.version,
            "changed": event.changed, "summary": summary, "detail": detail})

    def of(self, uscc: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"uscc": uscc, "closure_id": {"$exists": False}}, {"outbox": 0}).sort("recorded_at", 1))


def record_once(collection: Collection, dispatch: Dispatch, event: Event, doc: dict[str, Any]) -> bool:
    """Insert an answer with its event as the outbox (one write) and publish it; False when an answer
    under this `_id` exists already (a redelivery: nothing new is said)."""
    entry = outbox_entry(event)
    try:
        collection.insert_one({**doc, "recorded_at": clock.now(), "outbox": [entry]})
    except DuplicateKeyError:
        return False
    flush(collection, doc["_id"], [entry], dispatch)
    return True


Answer = Callable[[Any, CompanyChanged], tuple[str, dict[str, Any], dict[str, Any]]]


def answer_change(bureau: str, answers: ChangeAnswers, dispatch: Dispatch, event: CompanyChanged,
                  record: Callable[[str], Any], answer: Answer,
                  apply: Callable[[str, int, dict[str, Any]], None] | None = None) -> bool:
    """A bureau's `company_changed` handler: find its record of the company (`record(uscc)`), work out
    the answer (`answer(record, event)` -> line, detail, fields), update the record (`apply`, an
    idempotent $set guarded by `newer_version`) and announce the answer once."""
    if bureau not in event.answerers or answers.answered(event.change_id):
        return False  # nothing here to update, or a redelivery answered once already
    current = record(event.uscc)
    if current is None:
        raise NotYetKnown(f"{bureau} has no record of {event.uscc} yet")
    summary, detail, fields = answer(current, event)
    if "name" in event.changed:  # every bureau's record carries the company's name: say it follows
        summary = f"单位名称已变更为{event.licence.company_name}；{summary}"
        detail = {"company_name": event.licence.company_name, **detail}
    if apply is not None:
        apply(event.uscc, event.version, fields)
    return answers.answer(dispatch, event, bureau, summary, detail)
