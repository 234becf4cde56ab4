"""The clerk's decision on the deposit registration (approve with the figures, or reject)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import (
    Event,
    StepRejected,
)
from contracts.revocation import Revocation
from contracts.rpc import Conflict, NotFound
from kit import clerk as queue
from services.housing_fund.domain.model import ClerkTask, Unit
from services.housing_fund.domain.numbers import ACTIONS, BUREAU, REVOKED, TASK_KIND
from services.housing_fund.domain.registration import register

# ---- the clerk's decision ----------------------------------------------------------------------------


def claim(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.claim_stored(task_of(unit), clerk, now)
    return unit


def release(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.release_stored(task_of(unit), clerk, now)
    return unit


def act(unit: Unit, clerk: str, action: str, payload: dict[str, Any], figures_for: Any, account: str | None,
        revocation: Revocation | None, now: datetime) -> tuple[Unit, list[Event]]:
    """approve: register with the figures now known (`account` allocated by the caller); reject: reasons."""
    task = actionable_task(unit, clerk, now)
    queue.check_action(action, ACTIONS)
    if action == "reject":
        reasons = queue.check_reasons(payload)
        unit.state, task.state = "rejected", "rejected"
        events: list[Event] = [StepRejected(application_id=unit.application_id, bureau=BUREAU, step=TASK_KIND,
                                            reasons=reasons)]
        recorded: dict[str, Any] = {"reasons": reasons}
    else:
        if revocation is not None:
            raise revocation.refusal(REVOKED)
        if figures_for is None or account is None:
            raise Conflict("该地区住房公积金缴存基数仍未配置，请先载入缴存基数再核准")
        unit, events = register(unit, figures_for, account, now)
        task, recorded = task_of(unit), {"unit_account": account}
        task.state = "done"
    task.finished_at, task.claimed_by = now, clerk
    task.history.append(queue.history_entry(clerk, action, recorded, now))
    return unit, events


def task_of(unit: Unit) -> ClerkTask:
    if unit.task is None:
        raise NotFound("该单位没有待办的住房公积金任务")
    return unit.task


def actionable_task(unit: Unit, clerk: str, now: datetime) -> ClerkTask:
    return queue.actionable(task_of(unit), clerk, now)  # type: ignore[return-value]
