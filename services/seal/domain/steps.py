"""The physical order's clerk steps (engrave, file with the police, send, confirm delivery, or
reject), and what a revoked licence refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import Event, SealsDelivered, StepRejected
from contracts.revocation import Revocation
from contracts.rpc import FieldError, Invalid
from kit import clerk as queue
from services.seal.domain.events import progress, queue_step, seals_filed
from services.seal.domain.model import (
    BUREAU,
    ENGRAVER_LENGTH,
    STEP_ACTIONS,
    TRACKING_NUMBER_RE,
    SealSet,
    StepTask,
)


def claim(
    seal_set: SealSet, task_id: str, clerk: str, now: datetime, revocation: Revocation | None = None
) -> SealSet:
    clerk = queue.check_clerk(clerk)
    task = queue.actionable(seal_set.task(task_id), clerk, now)
    check_licence_live(revocation, task.kind, "claim")
    queue.claim_stored(task, clerk, now)
    return seal_set


def release(seal_set: SealSet, task_id: str, clerk: str, now: datetime) -> SealSet:
    """Give a claimed step back to the queue: only its holder may (kit.clerk.release_stored)."""
    queue.release_stored(seal_set.task(task_id), queue.check_clerk(clerk), now)
    return seal_set


def act(
    seal_set: SealSet, task_id: str, clerk: str, action: str, payload: dict | None, now: datetime,
    revocation: Revocation | None = None,
) -> tuple[SealSet, list[Event]]:
    """Apply a clerk's action to a task; acting on an unclaimed task claims it for this clerk.
    `revocation` is the company's licence revocation, if any: it refuses the steps that make or send
    a physical seal."""
    clerk = queue.check_clerk(clerk)
    payload = dict(queue.check_payload(payload))
    task = seal_set.task(task_id)
    queue.actionable(task, clerk, now)
    queue.check_action(action, STEP_ACTIONS[task.kind])
    check_licence_live(revocation, task.kind, action)
    handler = _ACTIONS[action]
    recorded, events = handler(seal_set, task, payload, now)
    task.state = "rejected" if action == "reject" else "done"
    task.finished_at = now
    task.claimed_by, task.claim_expires_at = clerk, None
    task.history.append(queue.history_entry(clerk, action, recorded, now))
    return seal_set, events


def check_engraver(value: Any) -> str:
    low, high = ENGRAVER_LENGTH
    if not isinstance(value, str) or not low <= len(value.strip()) <= high:
        raise Invalid.with_fields("请填写印章制作单位", [FieldError(
            field="payload.engraver", message=f"刻制印章的备案制作单位名称，{low}至{high}个字")])
    return value.strip()


def _mark_engraved(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    engraver = check_engraver(payload.get("engraver"))
    for seal in seal_set.physical():
        seal.status, seal.engraved_at, seal.engraver = "engraved", now, engraver
    return {"engraver": engraver}, [
        progress(seal_set, "engraved", {"codes": [s.code for s in seal_set.physical()], "engraver": engraver}),
        queue_step(seal_set, "police_filing", now),
    ]


def _file_with_police(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    for seal in seal_set.physical():
        seal.status, seal.filed_at = "filed", now
    return {}, [
        progress(seal_set, "filed_with_police", {"codes": [s.code for s in seal_set.physical()]}),
        seals_filed(seal_set),
        queue_step(seal_set, "dispatch", now),
    ]


def _dispatch(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    if seal_set.delivery == "post":
        tracking = payload.get("tracking_number")
        if not isinstance(tracking, str) or not TRACKING_NUMBER_RE.match(tracking.strip()):
            raise Invalid.with_fields(
                "免费寄递须填写快递单号",
                [FieldError(field="payload.tracking_number", message="请填写8至32位快递单号（字母、数字）")],
            )
        seal_set.tracking_number = tracking.strip()
        status, step = "dispatched", "dispatched"
        detail = {"delivery": "post", "tracking_number": seal_set.tracking_number}
    else:
        status, step, detail = "ready_for_pickup", "ready_for_pickup", {"delivery": "pickup"}
    for seal in seal_set.physical():
        seal.status, seal.dispatched_at = status, now
    return detail, [progress(seal_set, step, detail), queue_step(seal_set, "delivery", now)]


def _mark_delivered(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    for seal in seal_set.physical():
        seal.status, seal.delivered_at = "delivered", now
    event = SealsDelivered(
        application_id=seal_set.application_id, uscc=seal_set.uscc, delivery=seal_set.delivery,
        tracking_number=seal_set.tracking_number, delivered_at=now,
    )
    return {}, [event]


def _reject(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    reasons = queue.check_reasons(payload)
    for seal in seal_set.physical():
        seal.status = "rejected"
    event = StepRejected(application_id=seal_set.application_id, bureau=BUREAU, step=task.kind, reasons=reasons)
    return {"reasons": reasons}, [event]


_ACTIONS = {
    "mark_engraved": _mark_engraved,
    "file_with_police": _file_with_police,
    "dispatch": _dispatch,
    "mark_delivered": _mark_delivered,
    "reject": _reject,
}


# ---- licence revocation --------------------------------------------------------------------------

# The steps that would make or send a physical seal, and what a revoked licence means for each.
# Delivery is absent on purpose: the seal has already left, and confirming receipt only records that.
REVOKED_REFUSALS = {
    "engraving": "不能再刻制实物印章",
    "police_filing": "不能再办理印章公安备案",
    "dispatch": "不能再寄递或交付实物印章",
}
WIND_DOWN_ACTIONS = frozenset({"reject"})


def needs_live_licence(step: str, action: str) -> bool:
    """Does this action (or a claim, action="claim") move a physical seal towards being made or sent?"""
    return step in REVOKED_REFUSALS and action not in WIND_DOWN_ACTIONS


def check_licence_live(revocation: Revocation | None, step: str, action: str) -> None:
    if revocation is not None and needs_live_licence(step, action):
        raise revocation.refusal(REVOKED_REFUSALS[step])


def offered_actions(step: str, revocation: Revocation | None) -> list[str]:
    """The actions a clerk's screen offers: only the wind-down ones once the licence is revoked."""
    return [a for a in STEP_ACTIONS[step] if revocation is None or not needs_live_licence(step, a)]
