"""Social security's RPC requests, shared by the gateway (HTTP body, OpenAPI) and the bureau."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import Money, Reply
from contracts.text import PersonName

Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, gt=0)]


class EmployeeEnrolment(BaseModel):
    """One employee to enrol (`enrol_employee(uscc, employee, request_id)`); the bureau checks the
    resident ID, the start date against the company's establishment, and the wage against the base."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: PersonName  # contracts/text.py: 规范汉字, no bidi or zero-width characters
    resident_id: str = Field(min_length=18, max_length=18)
    start_date: date
    monthly_wage: Amount


# ---- replies (gateway/clients.py validates them; the bureau still builds them in workflow.staff_view) ----


class StaffMember(Reply):
    """One enrolment as callers see it (`enrol_employee`, `end_employment`, `list_staff`): the resident ID
    (= social security number) masked; the 就业登记 number and day once registered."""

    employee_id: str
    name: str
    resident_id: str  # masked
    record_number: str
    start_date: date
    end_date: date | None
    state: Literal["active", "ended"]
    monthly_wage: Money
    contribution_base: Money
    contribution_provisional: bool
    employment_number: str | None
    employment_registered_on: date | None


class Person(Reply):
    """`person_of(uscc, employee_id)`: the unmasked resident ID of one enrolment, for naming a leaver at
    the other bureaus only (gateway/staffing.py keeps it out of every answer, log and URL)."""

    employee_id: str
    name: str
    resident_id: str


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "enrol_employee": StaffMember,
    "end_employment": StaffMember,
    "list_staff": list[StaffMember],
    "person_of": Person,
}
