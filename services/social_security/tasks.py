"""The clerk queue's rules (docs/interfaces.md "Clerk tasks"), pure: the store applies them with
conditional updates so two clerks racing for one task cannot both win."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from contracts.calendar import Deadline, recomputed
from contracts.rpc import CLAIM_MINUTES, Conflict, FieldError, Invalid, Task

OPEN_STATES = ("open", "claimed")
ACTIONS = ("approve", "reject")
LIST_STATES = {"open": list(OPEN_STATES), "done": ["done", "rejected"], "all": None}


def new_task(*, task_id: str, kind: str, application_id: str, uscc: str, title: str, reason: str,
             created_at: datetime, timing: Deadline, details: dict[str, Any]) -> dict[str, Any]:
    """The stored document of a new task (the outbox is added by the caller)."""
    return {
        "_id": task_id,
        "bureau": "social_security",
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


def claim_is_free_for(doc: dict[str, Any], clerk: str, now: datetime) -> bool:
    holder, expires = doc.get("claimed_by"), doc.get("claim_expires_at")
    return holder in (None, clerk) or expires is None or _aware(expires, now) <= now


def claim_filter(task_id: str, clerk: str, now: datetime) -> dict[str, Any]:
    """Mongo filter matching the task only while this clerk may take (or keep) it."""
    return {
        "_id": task_id,
        "state": {"$in": list(OPEN_STATES)},
        "$or": [{"claimed_by": None}, {"claimed_by": clerk}, {"claim_expires_at": {"$lte": now}}],
    }


def claim_update(clerk: str, now: datetime) -> dict[str, Any]:
    return {"state": "claimed", "claimed_by": clerk, "claim_expires_at": now + timedelta(minutes=CLAIM_MINUTES)}


def why_not_claimable(doc: dict[str, Any], clerk: str, now: datetime) -> Exception:
    """The typed error for a task this clerk could not take."""
    if doc["state"] not in OPEN_STATES:
        return Conflict(f"该事项已办结（{doc['state']}），不能再处理")
    if not claim_is_free_for(doc, clerk, now):
        return Conflict(f"该事项正由{doc['claimed_by']}办理")
    return Conflict("该事项状态已变化，请刷新后重试")


def check_action(action: str, payload: Any) -> list[str]:
    """Validate an action; returns the rejection reasons for `reject` ([] otherwise)."""
    if action not in ACTIONS:
        raise Invalid.with_fields(f"不能执行“{action}”，可选：{'、'.join(ACTIONS)}",
                                  [FieldError(field="action", message="不是可选的操作")])
    if payload is not None and not isinstance(payload, dict):
        raise Invalid.with_fields("payload 应为对象", [FieldError(field="payload", message="格式不正确")])
    if action != "reject":
        return []
    reasons = (payload or {}).get("reasons")
    if not isinstance(reasons, list) or not reasons or not all(isinstance(r, str) and r.strip() for r in reasons):
        raise Invalid.with_fields("退回须写明理由", [FieldError(field="reasons", message="请至少填写一条退回理由")])
    return [r.strip() for r in reasons]


def history_entry(now: datetime, clerk: str, action: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    return {"at": now, "clerk": clerk, "action": action, "payload": payload or {}}


def to_task(doc: dict[str, Any], now: datetime, today: date) -> Task:
    """The wire view: lapsed claims show as open again; `overdue` = today after the deadline."""
    state, holder, expires = doc["state"], doc.get("claimed_by"), doc.get("claim_expires_at")
    if state == "claimed" and (expires is None or _aware(expires, now) <= now):
        state, holder, expires = "open", None, None
    deadline, provisional = recomputed(doc)
    return Task(
        id=doc["_id"],
        bureau="social_security",
        kind=doc["kind"],
        application_id=doc["application_id"],
        title=doc["title"],
        reason=doc["reason"],
        state=state,
        created_at=doc["created_at"],
        deadline=deadline,
        deadline_provisional=provisional,
        overdue=state in OPEN_STATES and today > deadline,
        claimed_by=holder,
        claim_expires_at=expires,
        actions=list(ACTIONS) if state in OPEN_STATES else [],
        details=doc.get("details", {}),
        history=doc.get("history", []),
    )


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)
