"""The clerk's review task, kept inside the case: what it shows, where a corrected case goes back to,
and which actions and payloads a clerk may send (kit.clerk's shared rules).

The stored task is a kit.clerk.StoredTask (state open / done / rejected / correction_requested, a claim
is claimed_by + claim_expires_at) sent back to a clerk as kit.clerk.AssignedTask; registration adds what
its clerks read (title, details, the actions the name reservation allows). Cases stored before the
claim stopped being a state say "claimed": StoredTask reads that as open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import scope
from contracts.codes import district_name
from contracts.form import ApplicationForm, flat_fields, licence_type, unchanged_fields
from contracts.rpc import FieldError, Invalid, Task
from kit import clerk as queue
from services.registration.domain.names import NameCheck
from services.registration.domain.review import Decision

TASK_KIND = "registration_review"
FORM_SECTIONS = frozenset(ApplicationForm.model_fields)


class ReviewTask(queue.AssignedTask):
    """A clerk task inside a registration case: the start-up review, or a change's (change_review.py)."""

    bureau: str = "registration"
    application_id: str
    title: str
    actions: list[str]
    details: dict[str, Any]

    def view(self, now: datetime) -> Task:
        return queue.task_view(
            bureau=self.bureau, id=self.id, kind=self.kind, application_id=self.application_id, title=self.title,
            reason=self.reason, state=self.state, created_at=self.created_at, deadline=self.deadline_fields(),
            claimed_by=self.claimed_by, claim_expires_at=self.claim_expires_at, actions=self.actions,
            details=self.details, history=self.history, now=now, assigned_to=self.assigned_to,
            assigned_until=self.assigned_until)


def task_id(application_id: str, revision: int) -> str:
    return f"{application_id}.r{revision}"


def new_task(
    application_id: str, revision: int, form: ApplicationForm, decision: Decision, check: NameCheck,
    name_reserved: bool, now: datetime,
) -> ReviewTask:
    actions = ["approve", "reject", "request_correction"] if name_reserved else ["reject", "request_correction"]
    return ReviewTask(
        id=task_id(application_id, revision), kind=TASK_KIND, application_id=application_id,
        title=form.name.full, reason="；".join(decision.reasons), created_at=now, **decision.timing.fields(),
        actions=actions,
        details={
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
    )


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
