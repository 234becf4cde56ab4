"""The clerk's decision on the deposit registration (approve with the figures, or reject)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import Event
from contracts.revocation import Revocation
from contracts.rpc import NotFound
from kit import clerk as queue
from kit import unit_rules
from services.housing_fund.domain.model import ClerkTask, Unit
from services.housing_fund.domain.numbers import TERMS
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
    ready = figures_for is not None and account is not None
    return unit_rules.act(TERMS, unit, task_of(unit), clerk, action, payload,
                          (lambda: register(unit, figures_for, account, now)) if ready else None,  # type: ignore[arg-type]
                          {"unit_account": account}, revocation, now)


def task_of(unit: Unit) -> ClerkTask:
    if unit.task is None:
        raise NotFound("该单位没有待办的住房公积金任务")
    return unit.task


def actionable_task(unit: Unit, clerk: str, now: datetime) -> ClerkTask:
    return queue.actionable(task_of(unit), clerk, now)  # type: ignore[return-value]
