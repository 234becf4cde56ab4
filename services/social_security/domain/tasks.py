"""The stored clerk task (the queue's rules are kit.clerk's; the store applies them with conditional
updates so two clerks racing for one task cannot both win)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.calendar import Deadline
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


def why_not_claimable(doc: dict[str, Any], clerk: str, now: datetime) -> Exception:
    """The typed error for a task this clerk could not take."""
    return queue.refusal(doc["state"], queue.holder(doc.get("claimed_by"), doc.get("claim_expires_at"), now), clerk)


def check_action(action: str, payload: dict[str, Any]) -> list[str]:
    """Validate an action; returns the rejection reasons for `reject` ([] otherwise)."""
    queue.check_action(action, ACTIONS)
    return queue.check_reasons(payload) if action == "reject" else []
