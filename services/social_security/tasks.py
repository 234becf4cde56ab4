"""Social security's task documents and their view; the queue's rules are kit.clerk's, applied by
the store with conditional updates so two clerks racing for one task cannot both win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.calendar import Deadline
from contracts.rpc import Task
from kit import clerk as queue

BUREAU = "social_security"
ACTIONS = ("approve", "reject")


def new_task(*, task_id: str, kind: str, application_id: str, uscc: str, title: str, reason: str,
             created_at: datetime, timing: Deadline, details: dict[str, Any]) -> dict[str, Any]:
    """The stored document of a new task (the outbox is added by the caller)."""
    return {
        "_id": task_id,
        "bureau": BUREAU,
        "kind": kind,
        "application_id": application_id,
        "uscc": uscc,
        "title": title,
        "reason": reason,
        "state": "open",
        "created_at": created_at,
        **timing.fields(),
        "claimed_by": None,
        "claim_expires_at": None,
        "details": details,
        "history": [],
    }


def claim_filter(task_id: str, clerk: str, now: datetime) -> dict[str, Any]:
    """Mongo filter matching the task only while this clerk may take (or keep) it."""
    return {"_id": task_id, "state": {"$in": list(queue.OPEN_STATES)}, **queue.free_for(clerk, now)}


def claim_update(clerk: str, now: datetime) -> dict[str, Any]:
    return {"state": "claimed", "claimed_by": clerk, "claim_expires_at": queue.claim_until(now)}


def why_not_claimable(doc: dict[str, Any], clerk: str, now: datetime) -> Exception:
    """The typed error for a task this clerk could not take."""
    return queue.refusal(doc["state"], queue.holder(doc.get("claimed_by"), doc.get("claim_expires_at"), now), clerk)


def check_action(action: str, payload: dict[str, Any]) -> list[str]:
    """Validate an action; returns the rejection reasons for `reject` ([] otherwise)."""
    queue.check_action(action, ACTIONS)
    return queue.check_reasons(payload) if action == "reject" else []


def to_task(doc: dict[str, Any], now: datetime) -> Task:
    return queue.task_view(
        bureau=BUREAU, id=doc["_id"], kind=doc["kind"], application_id=doc["application_id"], title=doc["title"],
        reason=doc["reason"], state=doc["state"], created_at=doc["created_at"], deadline=doc,
        claimed_by=doc.get("claimed_by"), claim_expires_at=doc.get("claim_expires_at"), actions=list(ACTIONS),
        details=doc.get("details", {}), history=doc.get("history", []), now=now)

