"""The events a seal set's changes cause, and the clerk step each queued task is."""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, uuid5

from contracts import clock
from contracts.calendar import Deadline, deadline
from contracts.events import SealInfo, SealsFiled, StepProgressed, TaskQueued
from services.seal.domain.model import BUREAU, STEP_DEADLINE_DAYS, SealSet, StepTask
from services.seal.domain.refs import document_refs


def working_day_of(moment: datetime) -> date:
    return clock.china_date(moment)


def step_deadline(licence_issued_at: datetime, step: str) -> Deadline:
    """Every step is measured from the licence, so a slow step cannot push the next one's target."""
    return deadline(working_day_of(licence_issued_at), STEP_DEADLINE_DAYS[step])



def task_id(seal_set: SealSet) -> str:
    """The id of the set's next task, derived from the set (pure, and unique: one per position in the
    set's task list, whose writes are compare-and-set on the set's version)."""
    return f"seal-{uuid5(NAMESPACE_URL, f'onestop:seal:{seal_set.application_id}:task:{len(seal_set.tasks)}').hex[:16]}"


def queue_step(seal_set: SealSet, kind: str, now: datetime) -> TaskQueued:
    task = StepTask(
        id=task_id(seal_set), kind=kind, reason=step_reason(seal_set, kind), created_at=now,
        **step_deadline(seal_set.licence_issued_at, kind).fields(),
    )
    seal_set.tasks.append(task)
    return TaskQueued(
        application_id=seal_set.application_id, bureau=BUREAU, task_id=task.id, kind=kind,
        reason=task.reason, deadline=task.deadline, deadline_from=task.deadline_from,
        deadline_days=task.deadline_days, deadline_provisional=task.deadline_provisional,
    )


def progress(seal_set: SealSet, step: str, detail: dict) -> StepProgressed:
    return StepProgressed(application_id=seal_set.application_id, bureau=BUREAU, step=step, detail=detail)


def seals_filed(seal_set: SealSet) -> SealsFiled:
    return SealsFiled(
        application_id=seal_set.application_id,
        uscc=seal_set.uscc,
        seals=[SealInfo(code=s.code, kind=s.kind.value, medium=s.medium, filed_at=s.filed_at) for s in seal_set.live()],
        documents=document_refs(seal_set),
    )


def step_reason(seal_set: SealSet, kind: str) -> str:
    count = len(seal_set.physical())
    if kind == "engraving":
        return f"刻制实物印章{count}枚"
    if kind == "police_filing":
        return f"实物印章{count}枚报公安机关备案"
    if kind == "dispatch":
        return "免费寄递实物印章" if seal_set.delivery == "post" else "通知申请人到窗口领取实物印章"
    return "确认印章已送达申请人" if seal_set.delivery == "post" else "确认申请人已领取印章"
