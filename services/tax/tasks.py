"""The tax clerk's queue (invoice approval): claim, approve with an adjusted quota, or reject.

The task lives inside the registration document, so a decision, the registration's new state and the
event announcing it are written by ONE conditional update (the outbox rule), and two clerks acting at
once cannot both win: the filter only matches a task that is open and not held by someone else.
Approving is refused once the company's licence is revoked (it would let a revoked company invoice);
claiming and rejecting stay allowed, so the clerk can close the task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import StepRejected
from contracts.rpc import Conflict, Invalid, Task
from kit.outbox import outbox_entry
from services.tax import domain
from services.tax.store import TASK_STATES, TaxStore


def list_tasks(store: TaxStore, state: str, now: datetime) -> list[Task]:
    if state not in TASK_STATES:
        raise Invalid(f"state 应为 {'、'.join(TASK_STATES)} 之一")
    return [domain.task_view(reg, now) for reg in store.tasks(state)]


def get_task(store: TaxStore, task_id: str, now: datetime) -> Task:
    return domain.task_view(store.registration_by_task(task_id), now)


def claim(store: TaxStore, task_id: str, clerk: str, now: datetime) -> Task:
    clerk = _clerk(clerk)
    update = {"$set": _claimed(clerk, now),
              "$push": {"task.history": {"at": now, "clerk": clerk, "action": "claim", "payload": {}}}}
    return domain.task_view(_apply(store, task_id, clerk, now, update, []), now)


def act(store: TaxStore, task_id: str, clerk: str, action: str, payload: Any,
        now: datetime) -> tuple[Task, list[dict[str, Any]]]:
    """Apply a clerk's decision; returns the task and the outbox entries the caller must flush."""
    clerk = _clerk(clerk)
    payload = payload or {}
    if not isinstance(payload, dict):
        raise Invalid("payload 应为对象")
    reg = store.registration_by_task(task_id)
    if reg["task"]["state"] not in ("open", "claimed"):
        raise Conflict("该任务已办结")
    if action not in domain.TASK_ACTIONS:
        raise Invalid(f"不能对发票核定任务执行 {action}：可选 {'、'.join(domain.TASK_ACTIONS)}")
    history = {"at": now, "clerk": clerk, "action": action, "payload": payload}
    if action == "approve":
        _refuse_if_revoked(store, reg["uscc"])
        quota_fen = domain.approval_quota(payload, reg["monthly_quota_fen"])
        event = domain.approved_event(reg, quota_fen)
        fields = {"approval": "approved", "approved_at": now, "approved_by": clerk,
                  "monthly_quota_fen": quota_fen, "task.state": "done"}
    else:
        reasons = domain.rejection_reasons(payload)
        event = StepRejected(application_id=reg["application_id"], bureau=domain.BUREAU,
                             step=domain.TASK_KIND, reasons=reasons)
        fields = {"approval": "rejected", "rejection_reasons": reasons, "task.state": "rejected"}
    entries = [outbox_entry(event)]
    update = {"$set": {**fields, "task.claimed_by": clerk, "task.claim_expires_at": None},
              "$push": {"task.history": history, "outbox": {"$each": entries}}}
    return domain.task_view(_apply(store, task_id, clerk, now, update, entries), now), entries


def _refuse_if_revoked(store: TaxStore, uscc: str) -> None:
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        raise revocation.refusal("不能再核准发票申领，请驳回该任务")


def _apply(store: TaxStore, task_id: str, clerk: str, now: datetime, update: dict, entries: list) -> dict:
    updated = store.update_task(task_id, clerk, now, update)
    if updated is not None:
        return updated
    task = domain.task_view(store.registration_by_task(task_id), now)
    if task.state not in ("open", "claimed"):
        raise Conflict("该任务已办结")
    raise Conflict(f"该任务已由 {task.claimed_by} 认领")


def _claimed(clerk: str, now: datetime) -> dict[str, Any]:
    return {"task.state": "claimed", "task.claimed_by": clerk, "task.claim_expires_at": domain.claim_until(now)}


def _clerk(clerk: Any) -> str:
    if not isinstance(clerk, str) or not clerk.strip() or len(clerk) > 64:
        raise Invalid("clerk 应为办理人员的账号")
    return clerk.strip()
