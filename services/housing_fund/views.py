"""What the housing-fund centre's RPCs return: the clerk task, an account, the unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.codes import mask_resident_id
from contracts.revocation import Revocation
from contracts.rpc import Task
from contracts.rpc.housing_fund import Account as AccountReply
from kit import clerk as queue
from services.housing_fund.domain import ACTIONS, BUREAU, Account, Unit, monthly_deposit, task_of


def task_view(unit: Unit, now: datetime) -> Task:
    task = task_of(unit)
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=unit.application_id, title=unit.company_name,
        reason=task.reason, state=task.state, created_at=task.created_at,
        deadline={k: getattr(task, k) for k in ("deadline", "deadline_from", "deadline_days", "deadline_provisional")},
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at, actions=ACTIONS,
        details={"uscc": unit.uscc, "district_code": unit.district_code, "employer_rate": unit.employer_rate,
                 "employee_rate": unit.employee_rate, "employees": len(unit.form_staff)},
        history=task.history, now=now)


def account_view(unit: Unit, account: Account) -> dict[str, Any]:
    """One account as callers see it: ID masked, this month's deposits at the unit's rates."""
    return AccountReply(
        employee_id=account.employee_id, name=account.name,
        resident_id=mask_resident_id(account.resident_id), account_number=account.account_number,
        start_date=account.start_date, end_date=account.end_date, state=account.state,
        monthly_wage=account.monthly_wage, deposit_base=account.deposit_base,
        base_provisional=account.base_provisional, period=account.period,
        employer_deposit=monthly_deposit(account.deposit_base, unit.employer_rate),
        employee_deposit=monthly_deposit(account.deposit_base, unit.employee_rate),
    ).model_dump(mode="json")


def unit_view(unit: Unit, revocation: Revocation | None) -> dict[str, Any]:
    return {
        "uscc": unit.uscc, "application_id": unit.application_id, "company_name": unit.company_name,
        "district_code": unit.district_code, "state": unit.state, "unit_account": unit.unit_account,
        "employer_rate": unit.employer_rate, "employee_rate": unit.employee_rate,
        "registered_at": unit.registered_at.isoformat() if unit.registered_at else None,
        "active_accounts": len(unit.active()),
        "licence_revoked": revocation.view() if revocation else None,
    }
