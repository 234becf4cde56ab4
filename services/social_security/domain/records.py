"""The stored employer and enrolment, as kit.repository loads and saves them. Their fields are the
documents' fields as stored since before the repository (no migration): dates as ISO strings, moments as
datetimes (the store's repositories keep them native, for `updated_at`'s index and range query), money as
decimal strings. A field a document only gains later is left out while it is None, so it stays absent
where it always was: the employer number has a partial unique index on its presence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


def _absent() -> Any:
    return Field(None, exclude_if=lambda value: value is None)


class Employer(BaseModel):
    """An employer registration (_id = USCC, also kept as `uscc`): received, pending_review, registered
    or rejected; `employees` are the form's staff, enrolled once registered (`employees_processed`)."""

    uscc: str
    application_id: str
    event_id: str | None = _absent()
    company_name: str
    district_code: str
    established_on: date
    # None: no class known, a clerk's case; absent (stored before 2026-12-02): unchecked, the figure
    # file's rate (numbers.WORK_INJURY_UNCHECKED, {})
    work_injury: dict[str, Any] | None = Field(default_factory=dict)
    employees: list[dict[str, Any]] = Field(default_factory=list)
    state: str = "received"
    employees_processed: bool = False
    received_at: datetime
    updated_at: datetime
    task_id: str | None = _absent()
    employer_number: str | None = _absent()
    insurances: list[str] | None = _absent()
    registered_at: datetime | None = _absent()
    domicile: str | None = _absent()  # from a change of details (kit.changes)
    licence_version: int | None = _absent()
    # the last record number given under it, when its counter lives here (registered with its staff in
    # its first write); absent: in `counters` as "record:<uscc>" (SocialSecurityStore.allocate_records)
    record_seq: int | None = _absent()


class Enrolment(BaseModel):
    """One person insured by one employer (_id = employee_id, not stored twice); active until ended."""

    employee_id: str
    uscc: str
    application_id: str
    name: str
    resident_id: str  # = the social security number (社会保险法 art. 58)
    record_number: str
    start_date: date
    # 就业登记: recorded with the enrolment, in the same insert (absent on enrolments from before it)
    employment_number: str | None = _absent()
    employment_registered_on: date | None = _absent()
    end_date: date | None = None
    monthly_wage: str
    contribution_base: str
    contribution_provisional: bool = False  # figures continued past their period: recomputed later
    policy_period: str | None = _absent()  # absent on enrolments from before 2026-12-01
    active: bool = True
    state: str = "active"
    source: str
    request_id: str | None = None
    enrolled_at: datetime
    ended_at: datetime | None = _absent()
