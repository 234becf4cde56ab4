"""What the social-security RPCs return: a clerk's task, the employer, an enrolment, a person, a month's
contributions. Each reply is built through its contract (contracts/rpc/social_security.py), the model the
gateway validates it with, so a field the contract does not name fails here, in the bureau."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.codes import mask_resident_id
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Task
from contracts.rpc import social_security as contract
from kit import clerk as queue
from services.social_security.domain.records import Employer, Enrolment
from services.social_security.domain.tasks import ACTIONS, BUREAU, ClerkTask


def task_view(task: ClerkTask, now: datetime) -> Task:
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=task.application_id, title=task.title,
        reason=task.reason, state=task.state, created_at=task.created_at, deadline=task.deadline_fields(),
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at, actions=list(ACTIONS),
        details=task.details, history=task.history, now=now)


def employer_view(employer: Employer, revocation: Revocation | None, staff_count: int | None = None,
                  bank_account: dict[str, str] | None = None) -> dict[str, Any]:
    """The employer as callers see it; `revocation` as stored (None = the licence stands)."""
    return contract.Employer(
        uscc=employer.uscc, application_id=employer.application_id, company_name=employer.company_name,
        district_code=employer.district_code, state=employer.state, employer_number=employer.employer_number,
        established_on=employer.established_on, insurances=employer.insurances or [],
        work_injury=employer.work_injury, registered_at=employer.registered_at, active_staff=staff_count,
        licence_revoked=revocation_view(revocation), bank_account=bank_account,
    ).model_dump(mode="json")


def staff_view(enrolment: Enrolment) -> dict[str, Any]:
    """One enrolment as callers see it: the ID number (= social security number) masked."""
    return contract.StaffMember(
        employee_id=enrolment.employee_id, name=enrolment.name, resident_id=mask_resident_id(enrolment.resident_id),
        record_number=enrolment.record_number, start_date=enrolment.start_date, end_date=enrolment.end_date,
        state=enrolment.state, monthly_wage=enrolment.monthly_wage, contribution_base=enrolment.contribution_base,
        contribution_provisional=enrolment.contribution_provisional, employment_number=enrolment.employment_number,
        employment_registered_on=enrolment.employment_registered_on,
    ).model_dump(mode="json")


def person_view(enrolment: Enrolment) -> dict[str, Any]:
    """The unmasked resident ID, for the gateway's leaver request only (contracts: Person)."""
    return contract.Person(employee_id=enrolment.employee_id, name=enrolment.name,
                           resident_id=enrolment.resident_id).model_dump(mode="json")


def contributions_view(employer: Employer, month: str, owed: dict[str, Any]) -> dict[str, Any]:
    """`owed`: domain.month_contributions' answer for the month's staff."""
    return contract.Contributions.model_validate(
        {"uscc": employer.uscc, "employer_number": employer.employer_number, "month": month, **owed},
    ).model_dump(mode="json")
