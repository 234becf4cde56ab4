"""What the registration service's RPCs return: a clerk's task, a founder's case, its documents, the
legal representative of a registered company. (A change's and a closing's views stay with their desks,
changes.py and closing.py.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.rpc import Task
from contracts.rpc.registration import NotRegistered, RegisteredRepresentative
from services.registration.domain import LICENCE_DOC, ReviewTask

# what a founder sees of the case (never the stored form's personal IDs beyond what they sent)
_CASE_KEYS = ("application_id", "revision", "state", "path", "reasons", "deadline", "name", "name_check",
              "licence", "rejection_reasons", "correction")


def task_view(task: dict[str, Any], now: datetime) -> Task:
    """A stored task as clerks see it (kit.clerk: a lapsed claim is open again, overdue computed now);
    a corrected case's task names the clerk it went back to until that lapses."""
    return ReviewTask.model_validate(task).view(now)


def case_view(case: dict[str, Any], now: datetime) -> dict[str, Any]:
    task = task_view(case["task"], now).model_dump(mode="json") if case.get("task") else None
    return {**{k: case.get(k) for k in _CASE_KEYS}, "task": task}


def documents_view(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [LICENCE_DOC.model_dump(mode="json")] if case.get("licence") else []


def legal_representative_view(case: dict[str, Any] | None) -> dict[str, Any]:
    """A registered company's current legal representative (the form with its changes applied)."""
    if case is None or not case.get("form"):
        return NotRegistered(registered=False).model_dump(mode="json")
    rep = case["form"].get("legal_representative") or {}
    return RegisteredRepresentative(registered=True, name=rep.get("name", ""),
                                    resident_id=rep.get("resident_id", "")).model_dump(mode="json")
