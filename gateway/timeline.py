"""Timeline and completion rules: pure functions from (form, timeline) to what the founder sees.

Every derived field is recomputed from the whole timeline, sorted by when each event happened, so the
result does not depend on the order the tracker received events in, and replaying one is harmless.

An application is `completed` when every output the founder asked for is in hand (each bureau's
`completes_on` in contracts.bureaus): licence_issued; seals_filed if any seal kinds were chosen (and seals_delivered for physical seals);
tax_registered, plus invoices_approved if invoice kinds were chosen; employer_registered, plus
employees_enrolled if employees were listed. A revoked licence makes the status `revoked` for good.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts import bureaus, clock, timelimits
from contracts.calendar import (
    CalendarNotCovered,
    add_working_days,
    aware,
    recomputed,
    working_days_between,
    working_time_between,
)
from contracts.clock import CHINA, china_date

TARGET_WORKING_DAYS = bureaus.TARGET_WORKING_DAYS
# the posts a person named on the form holds (gateway/confirmations.py), as the timeline says them
ROLE_LABELS = {"legal_representative": "法定代表人", "shareholder": "股东", "director": "董事", "supervisor": "监事",
               "manager": "经理", "corporate_representative": "企业股东的法定代表人"}
STEPS = bureaus.NAMES
# A refusal that concerns one item of a step (one employee), not the bureau's whole part.
PARTIAL_REJECTIONS = {"employee_enrolment"}
# An intermediate step that ENDS a bureau's part without its output, as the state the step ends in: the
# bank's reservation lapses when the company is deregistered before the account was opened (a
# deregistered depositor has no account to open, 《人民币银行结算账户管理办法》 art. 49;
# services/bank/domain/after_start.py); the event's detail.reason is kept as the step's reason.
ENDING_STEPS = {"reservation_lapsed": "lapsed"}
FINAL_STATES = {"completed", "rejected", "revoked", "withdrawn"}
# keys of an event payload NOT copied into the timeline (data minimisation: no resident IDs, no form;
# the application document keeps the form once)
_DROP = {
    "application_submitted": {"form"},
    "application_corrected": {"form"},
    "licence_issued": {"legal_representative", "employees", "contact_phone", "seals", "tax", "housing_fund", "bank"},
}

# the gateway's own entries while the people named on a form confirm it (gateway/confirmations.py)
CONFIRMATION_EVENTS = {"confirmation_requested", "party_confirmed", "party_declined", "confirmation_expired"}
SUMMARIES = {
    "confirmation_requested": "已提交，等待申请表所列人员本人确认",
    "party_confirmed": "一名被列明的人员已本人确认",
    "party_declined": "一名被列明的人员拒绝确认，申请已撤回",
    "confirmation_expired": "确认期限已过，仍有人员未确认，申请已撤回",
    "application_submitted": "已提交开办申请",
    "application_corrected": "已按要求补正申请材料",
    "review_started": "登记机关开始审核",
    "task_queued": "已转人工办理",
    "correction_requested": "登记机关要求补正材料",
    "application_rejected": "登记申请未通过",
    "licence_revoked": "营业执照已被吊销",
    "step_progressed": "办理进度更新",
    "step_rejected": "该事项未获办理",
    "company_changed": "变更登记已核准，已换发新版营业执照",
    "change_recorded": "已据变更登记更新本部门登记信息",
    "clearance_requested": "简易注销公告已公示（20日），各部门开始清结核查",
    "clearance_answered": "本部门已完成注销核查",
    "company_deregistered": "已准予简易注销登记，营业执照已注销",
    "deadlines_recomputed": "已按新公布的节假日安排重新计算办理时限",
    **{o.event: o.summary for o in bureaus.OUTPUTS},  # each bureau's completing events (the manifest)
}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

def timeline_entry(source: str, payload: dict[str, Any], received_at: datetime | None = None) -> dict[str, Any]:
    """What the timeline keeps of one event."""
    kind = payload["type"]
    drop = _DROP.get(kind, set())
    at = _parse_time(payload["occurred_at"])
    return {
        "event_id": payload["event_id"],
        "source": source,
        "type": kind,
        "at": at,
        "at_us": micros(at),
        "received_at": received_at or clock.now(),
        "summary": SUMMARIES.get(kind, kind),
        "data": {k: v for k, v in payload.items() if k not in drop and k not in ("event_id", "type")},
    }


def required_events(form: dict[str, Any]) -> set[str]:
    return bureaus.required_events(form)


class _Derivation:
    """What the events so far add up to; each handler below updates it for one event."""

    def __init__(self, form: dict[str, Any]):
        self.form = form
        self.status = "submitted"
        self.accepted_at: datetime | None = None  # application_submitted: every person named has confirmed
        self.withdrawal: dict[str, Any] | None = None
        self.steps = {name: _new_step(name, form) for name in STEPS}
        self.outputs: dict[str, Any] = {}
        self.seen: dict[str, datetime] = {}  # event type -> when it first happened (since the last correction)


Handler = Callable[[_Derivation, dict[str, Any], datetime, str], None]


def _on_confirmation_requested(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.status = "awaiting_confirmation"


def _on_submitted(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    if d.status == "awaiting_confirmation":
        d.status = "submitted"
    d.accepted_at = d.accepted_at or at


def _on_withdrawn(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    """A named person declined, or the confirmation deadline passed: the application stops here."""
    d.status = "withdrawn"
    roles = "、".join(ROLE_LABELS.get(r, r) for r in data.get("roles", []))
    if data["type"] == "party_declined":
        reason = f"{roles}{data.get('name', '')}拒绝确认本申请" + (f"：{data['reason']}" if data.get("reason") else "")
    else:
        late = "；".join(f"{'、'.join(ROLE_LABELS.get(r, r) for r in p['roles'])}{p['name']}"
                        for p in data.get("waiting_for", []))
        reason = f"确认期限（{data.get('deadline')}）已过，以下人员未确认：{late}"
    d.withdrawal = {"at": at, "reason": reason}


def _on_corrected(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.seen.clear()
    d.status = "submitted"
    d.steps["registration"] = _new_step("registration", d.form)


def _on_review_started(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.status = "in_review"
    _start(d.steps["registration"], at, "in_progress", timing=data)


def _on_task_queued(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    if bureau not in d.steps:
        return
    if bureau == "registration" and d.status == "submitted":
        d.status = "in_review"
    step = d.steps[bureau]
    _start(step, at, "waiting_for_clerk", timing=data)
    step["task_id"] = data.get("task_id")
    step["reason"] = data.get("reason")


def _on_correction_requested(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.status = "correction_requested"
    d.steps["registration"].update(state="correction_requested", reasons=data.get("reasons", []),
                                   fields=data.get("fields", []))


def _on_rejected(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.status = "rejected"
    _finish(d.steps["registration"], at, "rejected")
    d.steps["registration"]["reasons"] = data.get("reasons", [])


def _on_licence_issued(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    if d.status != "rejected":
        d.status = "licensed"
    _finish(d.steps["registration"], at, "done")
    licence = data.get("licence", {})
    d.outputs["uscc"] = licence.get("uscc")
    d.outputs["licence"] = licence
    for name in STARTED_BY_LICENCE:  # every bureau that acts on the licence starts now
        if d.steps[name]["state"] == "pending":
            _start(d.steps[name], at, "in_progress", target_from=at)


def _on_company_changed(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    # a change of details: the newest licence version is the company's (its name, domicile, ...)
    if data.get("licence"):
        d.outputs["licence"] = data["licence"]


def _on_licence_revoked(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.steps["registration"]["state"] = "revoked"
    d.steps["registration"]["reasons"] = [data.get("reason", "")]


def _on_step_progressed(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    if bureau in d.steps:
        _start(d.steps[bureau], at, "in_progress")
        d.steps[bureau]["progress"] = {"step": data.get("step"), "at": at, **(data.get("detail") or {})}
        if data.get("step") in ENDING_STEPS:
            _finish(d.steps[bureau], at, ENDING_STEPS[data["step"]])
            d.steps[bureau]["reasons"] = [(data.get("detail") or {}).get("reason") or data["step"]]


def _on_step_rejected(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    if bureau in d.steps:
        d.steps[bureau]["reasons"] = [*d.steps[bureau]["reasons"], *data.get("reasons", [])]
        if data.get("step") not in PARTIAL_REJECTIONS:
            _finish(d.steps[bureau], at, "rejected")


def _output(key: str, *fields: str) -> Handler:
    """A handler that keeps these fields of the event as one output."""
    def handler(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
        d.outputs[key] = {k: data.get(k) for k in fields}
    return handler


def _on_seals_filed(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    d.outputs["seals"] = data.get("seals", [])


def _on_employees_enrolled(d: _Derivation, data: dict, at: datetime, bureau: str) -> None:
    # Later enrolments and clerk approvals arrive as further batches: keep them all, once each.
    known = {e.get("employee_id") for e in d.outputs.get("employees", [])}
    d.outputs["employees"] = [*d.outputs.get("employees", []),
                              *(e for e in data.get("employees", []) if e.get("employee_id") not in known)]


# The ONE map of what each event does to the application (events not listed only mark `seen`): a
# completing event that only keeps some of its fields is declared in the manifest (Output.keep).
HANDLERS: dict[str, Handler] = {
    **{o.event: _output(o.key, *o.keep) for o in bureaus.OUTPUTS if o.keep},
    "confirmation_requested": _on_confirmation_requested,
    "application_submitted": _on_submitted,
    "party_declined": _on_withdrawn,
    "confirmation_expired": _on_withdrawn,
    "application_corrected": _on_corrected,
    "review_started": _on_review_started,
    "task_queued": _on_task_queued,
    "correction_requested": _on_correction_requested,
    "application_rejected": _on_rejected,
    "licence_issued": _on_licence_issued,
    "licence_revoked": _on_licence_revoked,
    "company_changed": _on_company_changed,
    "step_progressed": _on_step_progressed,
    "step_rejected": _on_step_rejected,
    "seals_filed": _on_seals_filed,
    "employees_enrolled": _on_employees_enrolled,
}
STARTED_BY_LICENCE = tuple(b.name for b in bureaus.BUREAUS if ("registration", "licence_issued") in b.consumes)


def derive(form: dict[str, Any], timeline: list[dict[str, Any]], submitted_at: datetime) -> dict[str, Any]:
    """status, steps, outputs, documents, completed_at and time taken, from the events so far."""
    d = _Derivation(form)
    documents: dict[str, dict] = {}
    for entry in sorted(timeline, key=order):
        kind, data, at = entry["type"], entry["data"], aware(entry["at"])
        handler = HANDLERS.get(kind)
        if handler is not None:
            handler(d, {**data, "type": kind}, at, data.get("bureau") or entry["source"])
        for doc in data.get("documents") or []:
            documents[doc["name"]] = doc
        d.seen.setdefault(kind, at)
    _finish_bureau_steps(d.steps, form, d.seen)
    required = required_events(form)
    status, completed_at = d.status, None
    if status == "licensed" and required <= d.seen.keys():
        status = "completed"
        completed_at = max(d.seen[k] for k in required)
    if "licence_revoked" in d.seen and "licence_issued" in d.seen:
        status = "revoked"  # final; when the start-up had completed, completed_at and the time taken stay
    return {
        "status": status,
        "steps": d.steps,
        "outputs": d.outputs,
        "documents": list(documents.values()),
        "required": sorted(required),
        "completed_at": completed_at,
        # counted from when the bureaus got it (the last confirmation), not from the founder's first click
        "taken": time_taken(d.accepted_at or submitted_at, completed_at) if completed_at else None,
        "accepted_at": d.accepted_at,
        "withdrawal": d.withdrawal,
        # an open step's deadline crosses a year without a holiday notice: recomputed once it is loaded
        "provisional_deadlines": status not in FINAL_STATES and any(
            s.get("deadline_provisional") for s in d.steps.values() if s["state"] not in ("done", "rejected")),
    }


def _new_step(name: str, form: dict[str, Any]) -> dict[str, Any]:
    wanted = bureaus.bureau(name).requested(form)
    return {"bureau": name, "state": "pending" if wanted else "not_requested", "deadline": None,
            "deadline_provisional": False, "started_at": None, "finished_at": None, "reasons": []}


def _start(step: dict, at: datetime, state: str, timing: dict | None = None,
           target_from: datetime | None = None) -> None:
    """`timing`: an event carrying a bureau's deadline (recomputed on today's calendar)."""
    if step["state"] in ("done", "rejected", "not_requested"):
        return
    step["state"] = state
    step["started_at"] = step["started_at"] or at
    if timing and timing.get("deadline"):
        due, provisional = recomputed(timing)
        step["deadline"], step["deadline_provisional"] = due.isoformat(), provisional
    elif target_from is not None and not step["deadline"]:
        target = timelimits.step_deadline(step["bureau"], china_date(target_from))
        step["deadline"], step["deadline_provisional"] = target.due.isoformat(), target.provisional


def _finish(step: dict, at: datetime, state: str) -> None:
    step["state"] = state
    step["started_at"] = step["started_at"] or at
    step["finished_at"] = at


def _finish_bureau_steps(steps: dict, form: dict, seen: dict[str, datetime]) -> None:
    """A bureau step is done when all of that bureau's required events are in (registration's is
    finished by licence_issued itself, and may be revoked afterwards)."""
    for b in bureaus.BUREAUS:
        needed = b.required_events(form)
        step = steps[b.name]
        offered = {o.event for o in b.completes_on}
        if step["state"] == "not_requested" and offered and offered <= seen.keys():
            # done although the form did not ask (the medical insurance bureau registers every unit): the
            # card says so instead of "未申请" beside the output it shows
            _finish(step, max(seen[k] for k in offered), "done")
            continue
        if step["state"] in ("done", "revoked", "rejected", "not_requested") or not needed:
            continue
        if needed <= seen.keys():
            _finish(step, max(seen[k] for k in needed), "done")


def time_taken(start: datetime, end: datetime) -> dict[str, Any]:
    """Working days (as deadlines count them) and clock hours on working days, Beijing time."""
    start, end = aware(start).astimezone(CHINA), aware(end).astimezone(CHINA)
    try:
        day = timedelta(days=1)
        days = working_days_between(start.date() + day, end.date() + day)
        hours = working_time_between(start, end).total_seconds() / 3600
        target = add_working_days(start.date(), TARGET_WORKING_DAYS)
    except CalendarNotCovered:
        return {"working_days": None, "working_hours": None, "within_target": None,
                "elapsed_seconds": (end - start).total_seconds()}
    return {
        "working_days": days,
        "working_hours": round(hours, 2),
        "within_target": end.date() <= target,
        "elapsed_seconds": round((end - start).total_seconds(), 3),
    }


def deadline_after(start: datetime, days: int) -> str:
    return add_working_days(china_date(start), days).isoformat()


def overdue(deadline: str | None, today: date | None = None) -> bool:
    if not deadline:
        return False
    today = today or clock.china_today()
    return today > date.fromisoformat(deadline)


def micros(at: datetime) -> int:
    """Microseconds since 1970: the database keeps `at` to the millisecond only, and one worker's
    events (review_started, then licence_issued) often share a millisecond."""
    return (aware(at) - EPOCH) // timedelta(microseconds=1)


def order(entry: dict[str, Any]) -> int:
    """When an event happened, to the microsecond (entries stored before `at_us`: to the millisecond),
    the same whether the timeline was just built in memory or read back from the database, so the
    state derived from it does not depend on which (a tie kept the arrival order: an application whose
    licence_issued was stored before its review_started derived as in_review for good)."""
    return entry.get("at_us") or micros(entry["at"])


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return aware(value)
    return aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
