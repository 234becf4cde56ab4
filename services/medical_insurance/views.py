"""What the medical insurance bureau answers: the clerk's task (kit.clerk's view), the unit and each
member's record (resident IDs masked; with figures, this month's contributions). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.codes import mask_resident_id
from contracts.contributions import Policy
from contracts.revocation import Revocation
from contracts.rpc import NotFound, Task
from contracts.rpc.medical_insurance import Member as MemberReply
from kit import clerk as queue
from services.medical_insurance.domain import ACTIONS, BUREAU, INSURANCES, Member, Unit, monthly_contributions


def task_view(unit: Unit, now: datetime) -> Task:
    task = unit.task
    if task is None:
        raise NotFound("该单位没有待办的医保任务")
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=unit.application_id, title=unit.company_name,
        reason=task.reason, state=task.state, created_at=task.created_at,
        deadline={k: getattr(task, k) for k in ("deadline", "deadline_from", "deadline_days", "deadline_provisional")},
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at, actions=ACTIONS,
        details={"uscc": unit.uscc, "district_code": unit.district_code, "employees": len(unit.form_staff)},
        history=task.history, now=now)


def member_view(member: Member, figures: Policy | None = None) -> dict[str, Any]:
    """One record as callers see it: ID masked; with `figures`, this month's contributions per kind."""
    return MemberReply(
        employee_id=member.employee_id, name=member.name, resident_id=mask_resident_id(member.resident_id),
        record_number=member.record_number, insurances=INSURANCES, start_date=member.start_date,
        end_date=member.end_date, state=member.state, monthly_wage=member.monthly_wage,
        contribution_base=member.contribution_base, base_provisional=member.base_provisional, period=member.period,
        previous_base=member.previous_base, base_determined_at=member.base_determined_at,
        contributions=None if figures is None else monthly_contributions(member.contribution_base, figures),
    ).model_dump(mode="json")


def unit_view(unit: Unit, revocation: Revocation | None) -> dict[str, Any]:
    return {
        "uscc": unit.uscc, "application_id": unit.application_id, "company_name": unit.company_name,
        "district_code": unit.district_code, "state": unit.state, "unit_number": unit.unit_number,
        "insurances": INSURANCES, "registered_at": unit.registered_at.isoformat() if unit.registered_at else None,
        "active_members": len(unit.active()), "licence_revoked": revocation.view() if revocation else None,
    }
