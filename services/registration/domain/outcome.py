"""What one review writes, decided on what is in hand: the case's fields and the events they cause.

The registrar does the I/O around it (the name check and reservation before, the USCC allocated
only for an automatic approval, the one conditional write after); nothing here reads the case again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import Event, LicenceIssued, ReviewStarted, TaskQueued
from contracts.form import ApplicationForm
from services.registration.domain.licence import LICENCE_DOC, build_licence
from services.registration.domain.names import NameCheck
from services.registration.domain.review import APPROVED, AUTOMATIC, QUEUED, Decision
from services.registration.domain.task import new_task, resubmission


def licence_issued(application_id: str, form: ApplicationForm, uscc: str, now: datetime,
                   founder_id: str | None) -> tuple[dict[str, Any], LicenceIssued]:
    """The approved case's licence fields and `licence_issued` (automatic, or a clerk's approval)."""
    licence = build_licence(form, uscc, now)
    issued = LicenceIssued(
        application_id=application_id, licence=licence, founder_id=founder_id,
        legal_representative=form.legal_representative,
        contact_phone=form.contact.phone, seals=form.seals, tax=form.tax, employees=form.employees,
        housing_fund=form.housing_fund, bank=form.bank, business_scope=form.business_scope,
        documents=[LICENCE_DOC],
    )
    return {"licence": licence.model_dump(mode="json"), "approved_at": now}, issued


def reviewed(application_id: str, revision: int, form: ApplicationForm, check: NameCheck, reserved: bool,
             decision: Decision, now: datetime, *, uscc: str | None = None, founder_id: str | None = None,
             previous: dict[str, Any] | None = None, return_hours: float = 24.0) -> tuple[dict[str, Any], list[Event]]:
    """The case fields and events of one revision's review: approved at once (`uscc` allocated for it),
    or queued for a clerk. `previous`: the case as it was when the founder corrected it (the clerk's
    open request: the task quotes it and goes back to that clerk for `return_hours`)."""
    fields: dict[str, Any] = {
        "revision": revision, "form": form.model_dump(mode="json"), "name": form.name.full,
        "district_code": form.domicile.district_code, "path": decision.path,
        "reasons": list(decision.reasons), **decision.timing.fields(),
        "name_reserved": reserved, "name_check": check.as_dict(), "updated_at": now,
    }
    events: list[Event] = [ReviewStarted(application_id=application_id, revision=revision, path=decision.path,
                                         reasons=list(decision.reasons), **decision.timing.fields())]
    if decision.path == AUTOMATIC:
        if uscc is None:
            raise ValueError("an automatic approval needs its USCC")
        licence_fields, issued = licence_issued(application_id, form, uscc, now, founder_id)
        fields.update(state=APPROVED, task=None, **licence_fields)
        events.append(issued)
        return fields, events
    task = new_task(application_id, revision, form, decision, check, reserved, now)
    correction = (previous or {}).get("correction")
    if correction:
        task.details["resubmission"] = resubmission(previous["form"], form, correction, revision)
        task.assign_back(correction.get("clerk"), now, return_hours)
    fields.update(state=QUEUED, task=task.document())
    events.append(TaskQueued(application_id=application_id, bureau="registration", task_id=task.id,
                             kind=task.kind, reason=task.reason, **decision.timing.fields()))
    return fields, events
