"""The seal bureau's rules (public security, 印章): pure functions, no I/O.

One seal set per application: one seal per chosen kind and medium. Electronic seals are made and filed
at once. Physical seals go through the staff queue one step at a time:

    engraving --mark_engraved--> police_filing --file_with_police--> dispatch --dispatch--> delivery
                                                                              --mark_delivered--> done

Any open physical step may be rejected instead (reasons required), which stops the physical order.
Each transition returns the new set and the events it causes; the store writes both in one update.

A revoked business licence (registration's `licence_revoked`, kept as a `Revocation` per USCC) ends
the company's seals: lookups no longer call them genuine, and nobody may engrave, file or send a
physical seal for it (claiming or completing those steps is a `Conflict`). Rejecting such a step, and
confirming the delivery of a seal already sent, stay allowed so clerks can close their queue.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import clock
from contracts.bureaus import TARGET_DAYS
from contracts.calendar import DEADLINE_KEYS, Deadline, deadline
from contracts.codes import is_valid_uscc
from contracts.events import (
    Blocker,
    CompanyChanged,
    Event,
    LicenceIssued,
    SealInfo,
    SealsDelivered,
    SealsFiled,
    StepProgressed,
    StepRejected,
    TaskQueued,
)
from contracts.form import SEAL_KIND_LABELS, SealKind, SealRequest
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import DocumentRef, FieldError, Invalid, NotFound, Task
from kit import clerk as queue

BUREAU = "seal"

# The manifest's target (国办发〔2018〕32号: the seal step takes at most 1 working day); we allow one
# more for post or pickup.
MAKE_AND_FILE_WORKING_DAYS = TARGET_DAYS[BUREAU]
DELIVERY_WORKING_DAYS = MAKE_AND_FILE_WORKING_DAYS + 1

Medium = Literal["electronic", "physical"]
MEDIA: tuple[Medium, ...] = ("electronic", "physical")
MEDIUM_LABELS = {"electronic": "电子印章", "physical": "实物印章"}
STATUS_LABELS = {
    "ordered": "待刻制",
    "engraved": "已刻制，待备案",
    "filed": "已备案",
    "dispatched": "已备案，已寄出",
    "ready_for_pickup": "已备案，待领取",
    "delivered": "已备案，已交付",
    "rejected": "未通过",
    "void": "已作废",
}
# Why a seal stopped being valid (kept on the seal, shown by every lookup with the date).
VOID_NAME_CHANGED = "企业名称变更，原印章作废"
VOID_DEREGISTERED = "企业已注销，印章作废"
FILED_STATUSES = frozenset({"filed", "dispatched", "ready_for_pickup", "delivered"})

# Which step a physical order is in, what a clerk may do there, and what it is waiting for.
STEP_ACTIONS: dict[str, list[str]] = {
    "engraving": ["mark_engraved", "reject"],
    "police_filing": ["file_with_police", "reject"],
    "dispatch": ["dispatch", "reject"],
    "delivery": ["mark_delivered"],
}
STEP_DEADLINE_DAYS = {
    "engraving": MAKE_AND_FILE_WORKING_DAYS,
    "police_filing": MAKE_AND_FILE_WORKING_DAYS,
    "dispatch": DELIVERY_WORKING_DAYS,
    "delivery": DELIVERY_WORKING_DAYS,
}

# 印章制作单位: who made a seal, as every filing records. Physical seals: the PSB-filed engraver the clerk
# names when marking them engraved; electronic seals: the seal bureau's own maker (its issuing CA).
ELECTRONIC_MAKER = "武汉市公安局电子印章制作中心"
ENGRAVER_LENGTH = (2, 60)

SEAL_CODE_RE = re.compile(r"^\d{13}$")
SEQUENCE_DIGITS = 7
TRACKING_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{8,32}$")


# ---- seal codes (DOMAIN.md §13: our own convention, so it lives in this ONE function) ----------


def seal_code(district_code: str, sequence: int) -> str:
    """13 digits: the 6-digit district (GB/T 2260) + a 7-digit per-district sequence from a counter."""
    if not re.fullmatch(r"\d{6}", district_code or ""):
        raise ValueError(f"district code must be 6 digits: {district_code!r}")
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"seal sequence {sequence} is outside 1..{10**SEQUENCE_DIGITS - 1}: district exhausted")
    return f"{district_code}{sequence:0{SEQUENCE_DIGITS}d}"


def is_seal_code(code: Any) -> bool:
    return isinstance(code, str) and bool(SEAL_CODE_RE.match(code))


def check_seal_code(code: Any) -> str:
    if not is_seal_code(code):
        raise Invalid.with_fields("印章编码应为13位数字", [FieldError(field="code", message="印章编码应为13位数字")])
    return code


def check_uscc(uscc: Any) -> str:
    if not isinstance(uscc, str) or not is_valid_uscc(uscc):
        raise Invalid.with_fields(
            "统一社会信用代码无效", [FieldError(field="uscc", message="统一社会信用代码无效：请核对18位代码及校验码")]
        )
    return uscc


# ---- the stored shapes -----------------------------------------------------------------------


class SealRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    kind: SealKind
    medium: Medium
    status: str
    created_at: datetime
    engraved_at: datetime | None = None
    filed_at: datetime | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    engraver: str | None = None  # 印章制作单位
    # a void seal (名称变更 or 注销): since when, why, and the company name it bears (the set's may be newer)
    voided_at: datetime | None = None
    void_reason: str | None = None
    bears_name: str | None = None
    replaced_in: int | None = None  # the licence version whose new name replaced it

    @property
    def filed(self) -> bool:
        return self.status in FILED_STATUSES

    @property
    def void(self) -> bool:
        return self.status == "void"


class StepTask(BaseModel):
    """One physical-order step in the staff queue, stored inside its seal set."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str
    state: Literal["open", "done", "rejected"] = "open"
    reason: str
    created_at: datetime
    deadline: date
    deadline_from: date | None = None  # the licence day it is counted from (recomputed on a new notice)
    deadline_days: int | None = None
    deadline_provisional: bool = False
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    finished_at: datetime | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)


class SealSet(BaseModel):
    """Every seal of one application: the aggregate the store writes in one document."""

    model_config = ConfigDict(extra="forbid")
    application_id: str
    uscc: str
    company_name: str
    legal_representative: str  # the name engraved on the name seal; never the resident ID
    district_code: str
    licence_issued_at: datetime
    delivery: Literal["post", "pickup"]
    postal_address: str | None = None
    tracking_number: str | None = None
    created_at: datetime
    seals: list[SealRecord]
    tasks: list[StepTask] = Field(default_factory=list)
    licence_version: int | None = None  # the licence version the seals were last renewed for (名称变更)

    def live(self) -> list[SealRecord]:
        """The seals not voided: what the clerk steps and the filing act on."""
        return [s for s in self.seals if not s.void]

    def physical(self) -> list[SealRecord]:
        return [s for s in self.live() if s.medium == "physical"]

    def task(self, task_id: str) -> StepTask:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NotFound(f"没有这项印章任务：{task_id}")

    def all_filed(self) -> bool:
        return all(s.filed for s in self.live())


def change_answer(seal_set: SealSet, event: CompanyChanged) -> tuple[str, dict, dict]:
    """What a change of details means for the filed seals. A name change has renewed the set already
    (`renew_for_new_name`): the answer names the void seals and their successors. Otherwise the
    seals stay valid; a new legal representative makes the name seal, which bears the old
    representative's name, one to stop using and re-engrave."""
    if "name" in event.changed:
        voided = [s.code for s in seal_set.seals if s.replaced_in == event.version]
        made = [s.code for s in seal_set.live()]
        pending = [s.code for s in seal_set.live() if not s.filed]
        summary = (f"已按新名称刻制新印章（{'、'.join(made)}），原印章（{'、'.join(voided)}）已作废"
                   + (f"；实物印章（{'、'.join(pending)}）刻制中" if pending else ""))
        return summary, {"seals_valid": [s.code for s in seal_set.live() if s.filed], "new_seals": made,
                         "voided": voided, "remake": pending}, {}
    codes = [s.code for s in seal_set.live()]
    name_seals = [s.code for s in seal_set.live() if s.kind == SealKind.legal_representative]
    new_rep = event.legal_representative.name if event.legal_representative else None
    if new_rep and new_rep != seal_set.legal_representative and name_seals:
        summary = (f"印章备案信息已更新；法定代表人已变更为{new_rep}，原法定代表人名章"
                   f"（{'、'.join(name_seals)}）应停止使用并申请重新刻制，其余印章继续有效")
        return summary, {"seals_valid": [c for c in codes if c not in name_seals], "remake": name_seals}, {}
    return "印章备案信息已更新，现有印章继续有效", {"seals_valid": codes, "remake": []}, {}


def clearance_blockers(seal_set: SealSet | None) -> list[Blocker]:
    """A closing: a physical seal still being made is an open order; filed seals are voided with the
    deregistration itself (company_deregistered), so they block nothing."""
    if seal_set is None:
        return []
    return [Blocker(item=f"印章{s.code}（{s.kind.value}）尚在刻制中",
                    todo="待刻制单位完成并备案后随注销一并缴销，或联系刻制单位撤销该印章订单")
            for s in seal_set.live() if not s.filed and s.status not in ("rejected",)]


# ---- creating the set --------------------------------------------------------------------------


def requested_seals(request: SealRequest) -> list[tuple[SealKind, Medium]]:
    """(kind, medium) for every seal to make, in a stable order; repeated kinds count once."""
    kinds = list(dict.fromkeys(request.kinds))
    media = [m for m in MEDIA if getattr(request, m)]
    return [(kind, medium) for kind in kinds for medium in media]


def working_day_of(moment: datetime) -> date:
    return clock.china_date(moment)


def step_deadline(licence_issued_at: datetime, step: str) -> Deadline:
    """Every step is measured from the licence, so a slow step cannot push the next one's target."""
    return deadline(working_day_of(licence_issued_at), STEP_DEADLINE_DAYS[step])


def make_seals(wanted: list[tuple[SealKind, Medium]], codes: list[str], now: datetime) -> list[SealRecord]:
    """One record per (kind, medium) with its fresh code: electronic seals are generated and their data
    filed in the same step, physical ones are ordered from an engraver (the clerk steps)."""
    return [
        SealRecord(
            code=code, kind=kind, medium=medium, created_at=now,
            status="filed" if medium == "electronic" else "ordered",
            filed_at=now if medium == "electronic" else None,
            engraver=ELECTRONIC_MAKER if medium == "electronic" else None,
        )
        for (kind, medium), code in zip(wanted, codes, strict=True)
    ]


def void_seals(seal_set: SealSet, reason: str, now: datetime) -> list[str]:
    """Void every live seal (it bears the set's current name) and close the physical steps still
    open for them; the codes voided."""
    voided = []
    for seal in seal_set.live():
        seal.status, seal.voided_at, seal.void_reason, seal.bears_name = "void", now, reason, seal_set.company_name
        voided.append(seal.code)
    for task in seal_set.tasks:
        if task.state == "open":
            task.state, task.finished_at, task.claimed_by, task.claim_expires_at = "rejected", now, None, None
            task.history.append(queue.history_entry("system", "void", {"reason": reason}, now))
    return voided


def void_on_deregistration(seal_set: SealSet, at: datetime) -> tuple[SealSet, list[Event]]:
    """注销: the company's seals bind nobody from its deregistration on (no event: registration's
    company_deregistered is the one the founder sees)."""
    void_seals(seal_set, VOID_DEREGISTERED, at)
    return seal_set, []


def renewal_wanted(seal_set: SealSet) -> list[tuple[SealKind, Medium]]:
    """A name change remakes each seal the company holds or has on order (not a refused order)."""
    return [(s.kind, s.medium) for s in seal_set.live() if s.status != "rejected"]


def renew_for_new_name(seal_set: SealSet, event: CompanyChanged, codes: list[str],
                       now: datetime) -> tuple[SealSet, list[Event]]:
    """名称变更: every seal bears the old name, so each is voided and made again under the new one
    (electronic at once, physical through the engraving steps). Once per licence version."""
    if seal_set.licence_version is not None and seal_set.licence_version >= event.version:
        return seal_set, []
    wanted = renewal_wanted(seal_set)
    voided = set(void_seals(seal_set, VOID_NAME_CHANGED, now))
    for seal in seal_set.seals:
        if seal.code in voided:
            seal.replaced_in = event.version
    seal_set.seals.extend(make_seals(wanted, codes, now))
    seal_set.company_name = event.licence.company_name
    seal_set.legal_representative = event.licence.legal_representative
    seal_set.licence_issued_at, seal_set.licence_version = event.licence.issued_at, event.version
    seal_set.tracking_number = None
    return seal_set, ([_queue(seal_set, "engraving", now)] if seal_set.physical() else [])


def new_seal_set(event: LicenceIssued, codes: list[str], now: datetime) -> tuple[SealSet, list[Event]]:
    """The seal set for a licence, given one freshly allocated code per requested seal."""
    wanted = requested_seals(event.seals)
    if len(codes) != len(wanted):
        raise ValueError(f"{len(wanted)} seals need {len(wanted)} codes, got {len(codes)}")
    seals = make_seals(wanted, codes, now)
    seal_set = SealSet(
        application_id=event.application_id,
        uscc=event.licence.uscc,
        company_name=event.licence.company_name,
        legal_representative=event.legal_representative.name,
        district_code=event.licence.district_code,
        licence_issued_at=event.licence.issued_at,
        delivery=event.seals.delivery,
        postal_address=event.seals.postal_address,
        created_at=now,
        seals=seals,
    )
    events: list[Event] = []
    if seal_set.all_filed():
        events.append(seals_filed(seal_set))
    else:
        electronic = [s.code for s in seals if s.medium == "electronic"]
        if electronic:
            events.append(_progress(seal_set, "electronic_seals_filed", {"codes": electronic}))
        events.append(_queue(seal_set, "engraving", now))
    return seal_set, events


# ---- clerk actions -----------------------------------------------------------------------------


def claim(
    seal_set: SealSet, task_id: str, clerk: str, now: datetime, revocation: Revocation | None = None
) -> SealSet:
    clerk = queue.check_clerk(clerk)
    task = seal_set.task(task_id)
    _check_can_act(task, clerk, now)
    check_licence_live(revocation, task.kind, "claim")
    task.claimed_by = clerk
    task.claim_expires_at = queue.claim_until(now)
    task.history.append(queue.history_entry(clerk, "claim", {}, now))
    return seal_set


def release(seal_set: SealSet, task_id: str, clerk: str, now: datetime) -> SealSet:
    """Give a claimed step back to the queue: only its holder may."""
    clerk = queue.check_clerk(clerk)
    task = seal_set.task(task_id)
    if task.state != "open":
        raise queue.closed(task.state)
    if task.claimed_by != clerk:
        raise queue.not_yours()
    task.claimed_by, task.claim_expires_at = None, None
    task.history.append(queue.history_entry(clerk, "release", {}, now))
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
    _check_can_act(task, clerk, now)
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
        _progress(seal_set, "engraved", {"codes": [s.code for s in seal_set.physical()], "engraver": engraver}),
        _queue(seal_set, "police_filing", now),
    ]


def _file_with_police(seal_set: SealSet, task: StepTask, payload: dict, now: datetime):
    for seal in seal_set.physical():
        seal.status, seal.filed_at = "filed", now
    return {}, [
        _progress(seal_set, "filed_with_police", {"codes": [s.code for s in seal_set.physical()]}),
        seals_filed(seal_set),
        _queue(seal_set, "dispatch", now),
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
    return detail, [_progress(seal_set, step, detail), _queue(seal_set, "delivery", now)]


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


def _check_can_act(task: StepTask, clerk: str, now: datetime) -> None:
    if task.state != "open":
        raise queue.closed(task.state)
    holder = queue.holder(task.claimed_by, task.claim_expires_at, now)
    if holder and holder != clerk:
        raise queue.held_by(holder)


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


# ---- events ------------------------------------------------------------------------------------


def _queue(seal_set: SealSet, kind: str, now: datetime) -> TaskQueued:
    task = StepTask(
        id=f"seal-{uuid.uuid4().hex[:16]}", kind=kind, reason=step_reason(seal_set, kind), created_at=now,
        **step_deadline(seal_set.licence_issued_at, kind).fields(),
    )
    seal_set.tasks.append(task)
    return TaskQueued(
        application_id=seal_set.application_id, bureau=BUREAU, task_id=task.id, kind=kind,
        reason=task.reason, deadline=task.deadline, deadline_from=task.deadline_from,
        deadline_days=task.deadline_days, deadline_provisional=task.deadline_provisional,
    )


def _progress(seal_set: SealSet, step: str, detail: dict) -> StepProgressed:
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


# ---- views ------------------------------------------------------------------------------------


def task_view(seal_set: SealSet, task: StepTask, now: datetime, revocation: Revocation | None = None) -> Task:
    physical = seal_set.physical()
    details: dict[str, Any] = {
        "uscc": seal_set.uscc,
        "company_name": seal_set.company_name,
        "legal_representative": seal_set.legal_representative,
        "seals": [{"code": s.code, "kind": s.kind.value, "label": SEAL_KIND_LABELS[s.kind],
                   "status": s.status} for s in physical],
        "delivery": seal_set.delivery,
        "licence_revoked": revocation_view(revocation),
    }
    if task.kind in ("dispatch", "delivery"):
        details["postal_address"] = seal_set.postal_address
        details["tracking_number"] = seal_set.tracking_number
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=seal_set.application_id,
        title=seal_set.company_name, reason=task.reason, state=task.state, created_at=task.created_at,
        deadline=task.model_dump(include=set(DEADLINE_KEYS)), claimed_by=task.claimed_by,
        claim_expires_at=task.claim_expires_at,
        actions=offered_actions(task.kind, revocation), details=details, history=task.history, now=now,
    )


def seal_view(seal_set: SealSet, seal: SealRecord, revocation: Revocation | None = None) -> dict[str, Any]:
    """What anyone may see of a seal: company, kind, medium, status, and the licence revocation that
    voids it (date and reason only). Never a personal ID."""
    return {
        "code": seal.code,
        "kind": seal.kind.value,
        "kind_label": SEAL_KIND_LABELS[seal.kind],
        "medium": seal.medium,
        "medium_label": MEDIUM_LABELS[seal.medium],
        "status": seal.status,
        "status_label": STATUS_LABELS[seal.status],
        "filed": seal.filed,
        "filed_at": seal.filed_at.isoformat() if seal.filed_at else None,
        "engraver": seal.engraver,
        "company_name": seal.bears_name or seal_set.company_name,
        "voided_on": clock.china_date(seal.voided_at).isoformat() if seal.voided_at else None,
        "void_reason": seal.void_reason,
        "uscc": seal_set.uscc,
        "licence_revoked": revocation_view(revocation),
    }


def lookup_result(seal_set: SealSet | None, code: str, revocation: Revocation | None = None) -> dict[str, Any]:
    """A seal is genuine when we made it, it is filed with the public security bureau, and its
    company's licence has not been revoked (a dead company's seal binds nobody)."""
    if seal_set is None:
        return {"genuine": False, "seal": None}
    seal = next(s for s in seal_set.seals if s.code == code)
    return {"genuine": seal.filed and revocation is None, "seal": seal_view(seal_set, seal, revocation)}


# ---- documents -------------------------------------------------------------------------------

CERTIFICATE = "seal.certificate"
IMAGE_PREFIX = "seal.image."


def image_seal(seal_set: SealSet, kind: str) -> SealRecord | None:
    """The filed seal whose impression is document seal.image.<kind>: the electronic one if chosen."""
    filed = [s for s in seal_set.seals if s.kind.value == kind and s.filed]
    filed.sort(key=lambda s: MEDIA.index(s.medium))
    return filed[0] if filed else None


def document_refs(seal_set: SealSet) -> list[DocumentRef]:
    """Documents exist once their seals are filed: the filing certificate and one image per kind."""
    if not any(s.filed for s in seal_set.seals):
        return []
    refs = [DocumentRef(name=CERTIFICATE, title="印章备案证明")]
    for kind in dict.fromkeys(s.kind for s in seal_set.seals):
        if image_seal(seal_set, kind.value):
            refs.append(DocumentRef(name=f"{IMAGE_PREFIX}{kind.value}", title=f"{SEAL_KIND_LABELS[kind]}印模",
                                    content_type="image/png"))
    return refs


def check_document(seal_set: SealSet, name: str) -> DocumentRef:
    for ref in document_refs(seal_set):
        if ref.name == name:
            return ref
    raise NotFound(f"没有这份印章文件：{name}")
