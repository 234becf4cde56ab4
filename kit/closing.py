"""A bureau's answer to a closing (`clearance_requested`): its blockers, recorded once per check.

Each answering bureau keeps its answers in its `change_answers` collection beside the change answers
(`_id` = "closure:<closure id>:<attempt>"), the `clearance_answered` event in the same insert: a
redelivered request answers once, a dead worker's event is relayed by the bureau's timer. The
bureau's rules say what blocks (`blockers(record)` -> list of Blocker); no record = nothing to clear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events import Blocker, ClearanceAnswered, ClearanceRequested
from kit.changes import ChangeAnswers, record_once
from kit.outbox import Dispatch


def answer_clearance(bureau: str, answers: ChangeAnswers, dispatch: Dispatch, event: ClearanceRequested,
                     blockers: Callable[[str], list[Blocker]]) -> bool:
    if bureau not in event.answerers:
        return False
    key = f"closure:{event.closure_id}:{event.attempt}"
    if answers.collection.find_one({"_id": key}, {"_id": 1}) is not None:
        return False  # answered this check already
    found = blockers(event.uscc)
    answer = ClearanceAnswered(application_id=event.application_id, bureau=bureau, uscc=event.uscc,
                               closure_id=event.closure_id, attempt=event.attempt, blockers=found)
    doc: dict[str, Any] = {"_id": key, "uscc": event.uscc, "bureau": bureau, "closure_id": event.closure_id,
                           "attempt": event.attempt, "blockers": [b.model_dump() for b in found]}
    return record_once(answers.collection, dispatch, answer, doc)
