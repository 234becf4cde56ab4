"""Social security's RPC requests, shared by the gateway (HTTP body, OpenAPI) and the bureau."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import LicenceRevoked, Moment, Money, Reply
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


# ---- replies: the bureau builds them with these (services/social_security/views.py), gateway/clients.py
# validates them with the same ones ----


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


class Employer(Reply):
    """`get_employer(uscc)`: the unit's registration, its work-injury class and the account it pays from
    (no gateway call reads it yet: operators and tests do, so it has no REPLIES entry)."""

    uscc: str
    application_id: str
    company_name: str
    district_code: str
    state: str
    employer_number: str | None
    established_on: date
    insurances: list[str]
    work_injury: dict[str, Any] | None  # class, rate and the scope item it follows; None: a clerk's case
    registered_at: Moment | None
    active_staff: int | None  # None: not counted by the caller
    licence_revoked: LicenceRevoked | None
    bank_account: dict[str, str] | None  # kit.bank_accounts: what direct debit takes; None before the bank's


class ContributionLine(Reply):
    employee_id: str
    name: str
    contribution_base: Money
    kinds: dict[str, dict[str, Money]]  # per insurance: employer and personal share
    employer: Money
    personal: Money
    total: Money


class ContributionTotals(Reply):
    employer: Money
    personal: Money
    total: Money
    headcount: int


class Contributions(Reply):
    """`contributions(uscc, month)`: what the month's staff owe, on the figures in force for the month
    (no gateway call reads it yet, so no REPLIES entry)."""

    uscc: str
    employer_number: str | None
    month: str
    employees: list[ContributionLine]
    totals: ContributionTotals
    policy: dict[str, Any]  # contracts.contributions.Policy.view(): which figures, how sure
    work_injury: dict[str, Any] | None
    provisional: bool


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "enrol_employee": StaffMember,
    "end_employment": StaffMember,
    "list_staff": list[StaffMember],
    "person_of": Person,
}
