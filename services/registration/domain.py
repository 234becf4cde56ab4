"""The market regulator's review rules: automatic or clerk path, the licence, the clerk task.

Pure functions, no I/O: `service.py` feeds them stored data and writes what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from contracts import clock, scope
from contracts.authorities import Authority, registering_authority
from contracts.bureaus import TARGET_DAYS
from contracts.calendar import Deadline, aware, deadline
from contracts.codes import district_name, make_uscc, org_body_from_sequence
from contracts.events import Licence
from contracts.form import (
    ApplicationForm,
    flat_fields,
    form_errors,
    licence_type,
    unchanged_fields,
)
from contracts.rpc import DocumentRef, FieldError, Invalid, Task
from kit import clerk as queue
from services.registration.names import NameCheck

TERM = "长期"
LICENCE_DOC = DocumentRef(name="registration.licence", title="营业执照（电子）")

AUTOMATIC, CLERK = "automatic", "clerk"
# Case states. A task's state lives in the task (contracts.rpc.TaskState).
QUEUED, CORRECTION_REQUESTED, APPROVED, REJECTED = "queued", "correction_requested", "approved", "rejected"
TASK_KIND = "registration_review"


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


def licence_in_force(case: dict[str, Any]) -> bool:
    """A case whose licence was issued and is neither revoked nor deregistered (no status: issued)."""
    return bool((case.get("licence") or {}).get("uscc")) and (case.get("licence_status") or "active") == "active"


def authority_of(form: ApplicationForm) -> Authority:
    """登记机关: the city's for a 股份有限公司, a development zone's or the district's for an LLC (data)."""
    return registering_authority(form.company_type.value, form.domicile.district_code,
                                 form.domicile.development_zone)


def domicile_text(form: ApplicationForm) -> str:
    district = district_name(form.domicile.district_code) or ""
    detail = form.domicile.detail
    return f"湖北省武汉市{detail}" if detail.startswith(district) else f"湖北省武汉市{district}{detail}"


def allocate_uscc(division_code: str, sequence: int) -> str:
    """USCC for an enterprise (9 = market regulation, 1 = enterprise) registered by the authority whose division
    code this is (positions 3-8, GB 32100-2015), from one counter value."""
    return make_uscc(division_code, org_body_from_sequence(sequence), authority="9", entity_type="1")


def build_licence(form: ApplicationForm, uscc: str, issued_at: datetime) -> Licence:
    return Licence(
        uscc=uscc,
        company_name=form.name.full,
        company_type=licence_type(form),
        legal_representative=form.legal_representative.name,
        registered_capital=form.registered_capital,
        established_on=working_day(issued_at),  # Company Law art. 33: issue date = establishment
        term=TERM,
        domicile=domicile_text(form),
        district_code=form.domicile.district_code,
        business_scope=scope.describe(form.business_scope),
        authority=authority_of(form).name,
        issued_at=issued_at,
    )


def capital_text(amount: Decimal | str) -> str:
    """注册资本 as printed: 100万元 / 12.5万元 (licences state capital in units of 10,000 yuan)."""
    wan = Decimal(str(amount)) / Decimal(10000)
    text = format(wan.normalize(), "f")
    return f"人民币{text}万元"


# ---- clerk task --------------------------------------------------------------------------------


def task_id(application_id: str, revision: int) -> str:
    return f"{application_id}.r{revision}"


def new_task(
    application_id: str, revision: int, form: ApplicationForm, decision: Decision, check: NameCheck,
    name_reserved: bool, now: datetime,
) -> dict[str, Any]:
    actions = ["approve", "reject", "request_correction"] if name_reserved else ["reject", "request_correction"]
    return {
        "id": task_id(application_id, revision),
        "bureau": "registration",
        "kind": TASK_KIND,
        "application_id": application_id,
        "title": form.name.full,
        "reason": "；".join(decision.reasons),
        "state": "open",
        "created_at": now,
        **decision.timing.fields(),
        "claimed_by": None,
        "claim_expires_at": None,
        "actions": actions,
        "details": {
            "revision": revision,
            "reasons": list(decision.reasons),
            "name_check": check.as_dict(),
            "name_reserved": name_reserved,
            "company_type": licence_type(form),
            "district": district_name(form.domicile.district_code),
            "registered_capital": str(form.registered_capital),
            "business_scope": [{"code": c, "name": scope.item(c).name if scope.item(c) else c,
                                "licensed": bool(scope.item(c) and scope.item(c).licensed)}
                               for c in form.business_scope],
            "legal_representative": form.legal_representative.name,
        },
        "history": [],
    }


def task_view(task: dict[str, Any], now: datetime) -> Task:
    """A stored task as clerks see it (kit.clerk: a lapsed claim is open again, overdue computed now);
    a corrected case's task names the clerk it went back to until that lapses."""
    view = queue.task_view(**{k: task.get(k) for k in _TASK_KEYS}, deadline=task, now=now)
    if task.get("assigned_to") and not assignment_lapsed(task, now) and view.state in queue.OPEN_STATES:
        view = view.model_copy(update={"assigned_to": task["assigned_to"], "assigned_until": task["assigned_until"]})
    return view


def resubmission(previous_form: dict[str, Any], form: ApplicationForm, correction: dict[str, Any],
                 revision: int) -> dict[str, Any]:
    """What a clerk needs to review a corrected case: the request copied, what changed, and which of
    the fields the clerk flagged were sent back unchanged."""
    now_json = form.model_dump(mode="json")
    before, after = flat_fields(previous_form), flat_fields(now_json)
    changes = [{"field": k, "before": before.get(k), "after": after.get(k)}
               for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    unchanged = unchanged_fields(correction.get("fields") or [], previous_form, now_json)
    return {"version": revision + 1, "request": {k: correction.get(k) for k in ("reasons", "fields", "clerk", "at")},
            "changes": changes, "unchanged_flagged": unchanged}


def assign_back(task: dict[str, Any], clerk: str | None, now: datetime, hours: float) -> None:
    """Route a corrected case's task to the clerk who asked, for `hours`; then to the whole team."""
    if clerk:
        task.update(assigned_to=clerk, assigned_until=now + timedelta(hours=hours))


def assignment_lapsed(task: dict[str, Any], now: datetime) -> bool:
    until = task.get("assigned_until")
    return until is None or aware(until) <= now


_TASK_KEYS = ("bureau", "id", "kind", "application_id", "title", "reason", "state", "created_at", "claimed_by",
              "claim_expires_at", "actions", "details", "history")


FORM_SECTIONS = frozenset(ApplicationForm.model_fields)


def check_action(task: Task, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Validate a clerk's action and payload; return the cleaned payload or raise `Invalid`."""
    queue.check_action(action, task.actions)
    payload = queue.check_payload(payload)
    if action == "approve":
        return {}
    errors = []
    try:
        cleaned: dict[str, Any] = {"reasons": queue.check_reasons(payload)}
    except Invalid as refused:
        errors += refused.field_errors
        cleaned = {"reasons": []}
    if action == "request_correction":
        fields = payload.get("fields", [])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors.append(FieldError(field="payload.fields", message="应为需要修改的表单项列表"))
        else:
            unknown = [f for f in fields if f.split(".")[0] not in FORM_SECTIONS]
            if unknown:
                errors.append(FieldError(field="payload.fields", message=f"表单中没有这些项：{'、'.join(unknown)}"))
            cleaned["fields"] = fields
    if errors:
        raise Invalid.with_fields("操作内容需要修改", errors)
    return cleaned
