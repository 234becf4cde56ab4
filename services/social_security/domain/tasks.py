"""The stored clerk task and its moves, on kit.clerk's rules (a claim's expiry, who may act or release):
each move is a pure function of the task as stored, saved by the store's compare-and-set
(kit.repository), so two clerks racing for one task cannot both win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from contracts.calendar import Deadline
from contracts.events import Event, StepRejected
from kit import clerk as queue

BUREAU = "social_security"
ACTIONS = ("approve", "reject")


class ClerkTask(queue.StoredTask):
    """A social-security task is its own document (_id = id): an employer registration or a form
    employee's enrolment waiting for a clerk."""

    bureau: str = BUREAU
    application_id: str
    uscc: str
    title: str
    details: dict[str, Any] = Field(default_factory=dict)


def upgrade_task(doc: dict[str, Any]) -> dict[str, Any]:
    """A task as stored before it was a ClerkTask (ed388b0, 2026-12-03), read as one: it had no `id`
    (only `_id`), no `version` (kit.repository reads that as 0), state `claimed` while a clerk held it
    (the claim itself is in claimed_by/claim_expires_at, as now) and `decided_at` where `finished_at` is
    now. The first save writes the new fields; `decided_at` stays stored, so it is dropped on every read."""
    upgraded = {**doc, "id": doc.get("id") or doc["_id"]}
    if upgraded.get("state") == "claimed":
        upgraded["state"] = "open"
    decided = upgraded.pop("decided_at", None)
    if upgraded.get("finished_at") is None and decided is not None:
        upgraded["finished_at"] = decided
    return upgraded


def new_task(*, task_id: str, kind: str, application_id: str, uscc: str, title: str, reason: str,
             created_at: datetime, timing: Deadline, details: dict[str, Any]) -> ClerkTask:
    return ClerkTask(id=task_id, kind=kind, application_id=application_id, uscc=uscc, title=title, reason=reason,
                     created_at=created_at, details=details, **timing.fields())


def claim(task: ClerkTask, clerk: str, now: datetime) -> ClerkTask:
    return queue.claim_stored(task, clerk, now)  # type: ignore[return-value]


def release(task: ClerkTask, clerk: str, now: datetime) -> ClerkTask:
    """Only the holder of a claim that has not lapsed may put the task back (kit.clerk.holder)."""
    return queue.release_stored(task, clerk, now)  # type: ignore[return-value]


def take(task: ClerkTask, clerk: str, now: datetime) -> ClerkTask:
    """An action's first write: the task held by the acting clerk before the action's effect, so a
    crash between the effect and the close leaves it with that clerk, whose retry finds the effect done.
    Not a history entry of its own: the action's entry records it."""
    queue.actionable(task, clerk, now)
    task.claimed_by, task.claim_expires_at = clerk, queue.claim_until(now)
    return task


def close(task: ClerkTask, clerk: str, action: str, payload: dict[str, Any], reasons: list[str],
          now: datetime) -> tuple[ClerkTask, list[Event]]:
    """The decision recorded: done (approve) or rejected with the founder's step_rejected."""
    queue.actionable(task, clerk, now)
    if action == "approve":
        return queue.finish_stored(task, clerk, action, "done", payload, now), []  # type: ignore[return-value]
    queue.finish_stored(task, clerk, action, "rejected", payload, now)
    return task, [StepRejected(application_id=task.application_id, bureau=BUREAU, step=task.kind, reasons=reasons)]


def check_action(action: str, payload: dict[str, Any]) -> list[str]:
    """Validate an action; returns the rejection reasons for `reject` ([] otherwise)."""
    queue.check_action(action, ACTIONS)
    return queue.check_reasons(payload) if action == "reject" else []
