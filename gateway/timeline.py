"""Timeline and completion rules: pure functions from (form, timeline) to what the founder sees.

Every derived field is recomputed from the whole timeline, sorted by when each event happened, so the
result does not depend on the order the tracker received events in, and replaying one is harmless.

An application is `completed` when every output the founder asked for is in hand:
licence_issued; seals_filed if any seal kinds were chosen (and seals_delivered for physical seals);
tax_registered, plus invoices_approved if invoice kinds were chosen; employer_registered, plus
employees_enrolled if employees were listed. A revoked licence makes the status `revoked` for good.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from contracts import clock
from contracts.calendar import (
    CalendarNotCovered,
    add_working_days,
    aware,
    deadline,
    recomputed,
    working_days_between,
    working_time_between,
)
from contracts.clock import CHINA, china_date

TARGET_WORKING_DAYS = 2  # Wuhan's promise: a company started within 2 working days (DOMAIN.md §12)
# per-step targets where a bureau gave no deadline of its own (国办发〔2018〕32号: seal <= 1, invoice <= 2
# working days; registration and social security: assumed 1, see docs/api.md)
STEP_TARGET_DAYS = {"registration": 1, "seal": 1, "tax": 2, "social_security": 1}
STEPS = ("registration", "seal", "tax", "social_security")
# A refusal that concerns one item of a step (one employee), not the bureau's whole part.
PARTIAL_REJECTIONS = {"employee_enrolment"}
FINAL_STATES = {"completed", "rejected", "revoked"}
# keys of an event payload NOT copied into the timeline (data minimisation: no resident IDs, no form;
# the application document keeps the form once)
_DROP = {
    "application_submitted": {"form"},
    "application_corrected": {"form"},
    "licence_issued": {"legal_representative", "employees", "contact_phone", "seals", "tax", "housing_fund"},
}

SUMMARIES = {
    "application_submitted": "已提交开办申请",
    "application_corrected": "已按要求补正申请材料",
    "review_started": "登记机关开始审核",
    "task_queued": "已转人工办理",
    "correction_requested": "登记机关要求补正材料",
    "application_rejected": "登记申请未通过",
    "licence_issued": "营业执照已核发",
    "licence_revoked": "营业执照已被吊销",
    "step_progressed": "办理进度更新",
    "step_rejected": "该事项未获办理",
    "seals_filed": "印章已刻制并完成公安备案",
    "seals_delivered": "实物印章已送达",
    "tax_registered": "已完成税务登记",
    "invoices_approved": "发票已核定",
    "employer_registered": "已完成单位社保登记",
    "employees_enrolled": "员工已参保",
    "deadlines_recomputed": "已按新公布的节假日安排重新计算办理时限",
}


def timeline_entry(source: str, payload: dict[str, Any], received_at: datetime | None = None) -> dict[str, Any]:
    """What the timeline keeps of one event."""
    kind = payload["type"]
    drop = _DROP.get(kind, set())
    return {
        "event_id": payload["event_id"],
        "source": source,
        "type": kind,
        "at": _parse_time(payload["occurred_at"]),
        "received_at": received_at or clock.now(),
        "summary": SUMMARIES.get(kind, kind),
        "data": {k: v for k, v in payload.items() if k not in drop and k not in ("event_id", "type")},
    }


def required_events(form: dict[str, Any]) -> set[str]:
    seals = form.get("seals") or {}
    tax = form.get("tax") or {}
    needed = {"licence_issued", "tax_registered", "employer_registered"}
    if seals.get("kinds"):
        needed.add("seals_filed")
        if seals.get("physical"):
            needed.add("seals_delivered")
    if tax.get("invoice_kinds"):
        needed.add("invoices_approved")
    if form.get("employees"):
        needed.add("employees_enrolled")
    return needed


def derive(form: dict[str, Any], timeline: list[dict[str, Any]], submitted_at: datetime) -> dict[str, Any]:
    """status, steps, outputs, documents, completed_at and time taken, from the events so far."""
    entries = sorted(timeline, key=lambda e: aware(e["at"]))
    steps = {name: _new_step(name, form) for name in STEPS}
    outputs: dict[str, Any] = {}
    documents: dict[str, dict] = {}
    status = "submitted"
    seen: dict[str, datetime] = {}  # event type -> when it first happened (since the last correction)
    for entry in entries:
        kind, data, at = entry["type"], entry["data"], aware(entry["at"])
        bureau = data.get("bureau") or entry["source"]
        if kind == "application_corrected":
            seen.clear()
            status = "submitted"
            steps["registration"] = _new_step("registration", form)
        elif kind == "review_started":
            status = "in_review"
            _start(steps["registration"], at, "in_progress", timing=data)
        elif kind == "task_queued" and bureau in steps:
            if bureau == "registration" and status == "submitted":
                status = "in_review"
            _start(steps[bureau], at, "waiting_for_clerk", timing=data)
            steps[bureau]["task_id"] = data.get("task_id")
            steps[bureau]["reason"] = data.get("reason")
        elif kind == "correction_requested":
            status = "correction_requested"
            step = steps["registration"]
            step.update(state="correction_requested", reasons=data.get("reasons", []),
                        fields=data.get("fields", []))
        elif kind == "application_rejected":
            status = "rejected"
            _finish(steps["registration"], at, "rejected")
            steps["registration"]["reasons"] = data.get("reasons", [])
        elif kind == "licence_issued":
            if status != "rejected":
                status = "licensed"
            _finish(steps["registration"], at, "done")
            licence = data.get("licence", {})
            outputs["uscc"] = licence.get("uscc")
            outputs["licence"] = licence
            for name in ("seal", "tax", "social_security"):
                if steps[name]["state"] == "pending":
                    _start(steps[name], at, "in_progress", target_from=at)
        elif kind == "licence_revoked":
            steps["registration"]["state"] = "revoked"
            steps["registration"]["reasons"] = [data.get("reason", "")]
        elif kind == "step_progressed" and bureau in steps:
            _start(steps[bureau], at, "in_progress")
            steps[bureau]["progress"] = {"step": data.get("step"), "at": at, **(data.get("detail") or {})}
        elif kind == "step_rejected" and bureau in steps:
            steps[bureau]["reasons"] = [*steps[bureau]["reasons"], *data.get("reasons", [])]
            if data.get("step") not in PARTIAL_REJECTIONS:
                _finish(steps[bureau], at, "rejected")
        elif kind == "seals_filed":
            outputs["seals"] = data.get("seals", [])
        elif kind == "seals_delivered":
            outputs["seal_delivery"] = {k: data.get(k) for k in ("delivery", "tracking_number", "delivered_at")}
        elif kind == "tax_registered":
            outputs["tax_registration"] = {k: data.get(k) for k in ("taxpayer_id", "taxpayer_type", "tax_office")}
        elif kind == "invoices_approved":
            outputs["invoices"] = {k: data.get(k) for k in ("invoice_kinds", "monthly_quota")}
        elif kind == "employer_registered":
            outputs["social_security"] = {
                k: data.get(k) for k in ("employer_number", "insurances", "housing_fund_account")
            }
        elif kind == "employees_enrolled":
            # Later enrolments and clerk approvals arrive as further batches: keep them all, once each.
            known = {e.get("employee_id") for e in outputs.get("employees", [])}
            outputs["employees"] = [*outputs.get("employees", []),
                                    *(e for e in data.get("employees", []) if e.get("employee_id") not in known)]
        for doc in data.get("documents") or []:
            documents[doc["name"]] = doc
        seen.setdefault(kind, at)
    _finish_bureau_steps(steps, form, seen)
    required = required_events(form)
    completed_at = None
    if status == "licensed" and required <= seen.keys():
        status = "completed"
        completed_at = max(seen[k] for k in required)
    if "licence_revoked" in seen and "licence_issued" in seen:
        status = "revoked"  # final; when the start-up had completed, completed_at and the time taken stay
    return {
        "status": status,
        "steps": steps,
        "outputs": outputs,
        "documents": list(documents.values()),
        "required": sorted(required),
        "completed_at": completed_at,
        "taken": time_taken(submitted_at, completed_at) if completed_at else None,
        # an open step's deadline crosses a year without a holiday notice: recomputed once it is loaded
        "provisional_deadlines": status not in FINAL_STATES and any(
            s.get("deadline_provisional") for s in steps.values() if s["state"] not in ("done", "rejected")),
    }


def _new_step(name: str, form: dict[str, Any]) -> dict[str, Any]:
    wanted = {
        "registration": True,
        "seal": bool((form.get("seals") or {}).get("kinds")),
        "tax": True,
        "social_security": True,
    }[name]
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
        target = deadline(china_date(target_from), STEP_TARGET_DAYS[step["bureau"]])
        step["deadline"], step["deadline_provisional"] = target.due.isoformat(), target.provisional


def _finish(step: dict, at: datetime, state: str) -> None:
    step["state"] = state
    step["started_at"] = step["started_at"] or at
    step["finished_at"] = at


def _finish_bureau_steps(steps: dict, form: dict, seen: dict[str, datetime]) -> None:
    """A bureau step is done when all of that bureau's required events are in."""
    required = required_events(form)
    groups = {
        "seal": {"seals_filed", "seals_delivered"},
        "tax": {"tax_registered", "invoices_approved"},
        "social_security": {"employer_registered", "employees_enrolled"},
    }
    for bureau, kinds in groups.items():
        needed = kinds & required
        step = steps[bureau]
        if step["state"] in ("rejected", "not_requested") or not needed:
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


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return aware(value)
    return aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
