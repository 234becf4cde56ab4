"""The review: automatic for the standard case, otherwise a clerk's, with every reason recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts import clock, scope
from contracts.bureaus import TARGET_DAYS
from contracts.calendar import Deadline, deadline
from contracts.form import ApplicationForm, form_errors
from services.registration.domain.names import NameCheck

AUTOMATIC, CLERK = "automatic", "clerk"
# Case states. A task's state lives in the task (contracts.rpc.TaskState).
QUEUED, CORRECTION_REQUESTED, APPROVED, REJECTED = "queued", "correction_requested", "approved", "rejected"


def working_day(moment: datetime) -> date:
    """The working day a moment belongs to: its date in Asia/Shanghai."""
    return clock.china_date(moment)


@dataclass(frozen=True)
class Decision:
    path: str  # automatic | clerk
    reasons: tuple[str, ...]
    timing: Deadline

    @property
    def deadline(self) -> date:
        return self.timing.due


def decide(
    form: ApplicationForm,
    check: NameCheck,
    name_reserved: bool,
    now: datetime,
    clerk_days: int = TARGET_DAYS["registration"],
    automatic_days: int = 0,
    correction: dict[str, Any] | None = None,
    revision: int = 0,
) -> Decision:
    """Automatic only for the standard case; every reason a person must look is recorded.

    A case corrected at a clerk's request is never approved automatically: removing the licensed item
    must not wave through the address the same clerk also asked about. Its first reason says so."""
    reasons: list[str] = []
    if correction:
        asked = "；".join(correction.get("reasons") or [])
        reasons.append(f"补正后 第{revision + 1}版：请核对是否已按要求补正（{asked}）")
    licensed = [scope.item(c) for c in form.business_scope if scope.item(c) and scope.item(c).licensed]
    for item in licensed:
        reasons.append(f"经营范围含许可项目“{item.name}”（需{item.approval_by}审批）")
    for problem in check.problems:
        conflicts = f"（{'、'.join(problem.conflicts)}）" if problem.conflicts else ""
        reasons.append(f"名称：{problem.message}{conflicts}")
    if check.ok and not name_reserved:
        reasons.append("名称：该名称刚被其他申请保留，需人工核对")
    today = working_day(now)
    for error in form_errors(form, today):
        reasons.append(f"申请表“{error.field}”：{error.message}")
    if reasons:
        return Decision(CLERK, tuple(reasons), deadline(today, clerk_days))
    return Decision(AUTOMATIC, (), deadline(today, automatic_days))
