"""What the bank answers: the clerk's task (kit.clerk's view) and the account as the founder and the
other bureaus see it. Pure: the time and the revocation are handed in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.revocation import Revocation
from contracts.rpc import Task
from contracts.rpc.bank import BankAccount
from kit import clerk as queue
from services.bank.domain import ACTIONS, BUREAU, CLOSING_ACTIONS, TASK_KIND, Account, appointment_text


def task_view(account: Account, now: datetime) -> Task:
    task = account.task
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=account.application_id,
        title=account.company_name, reason=task.reason, state=task.state, created_at=task.created_at,
        deadline=task.deadline_fields(),
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at,
        actions=ACTIONS if task.kind == TASK_KIND else CLOSING_ACTIONS,
        details={"uscc": account.uscc, "account_number": account.account_number, "branch": account.branch_name,
                 "appointment": appointment_text(account.appointment),
                 "reserved_seals": "财务专用章、法定代表人名章"},
        history=task.history, now=now)




def account_view(account: Account, revocation: Revocation | None) -> dict[str, Any]:
    return BankAccount(
        uscc=account.uscc, application_id=account.application_id, company_name=account.company_name,
        bank_name=account.bank_name, branch_id=account.branch_id, branch_name=account.branch_name,
        branch_address=account.branch_address, account_number=account.account_number,
        account_kind="basic", state=account.state, reasons=account.reasons,
        appointment_date=account.appointment.day if account.appointment else None,
        appointment_slot=account.appointment.slot if account.appointment else None,
        reserved_at=account.reserved_at, opened_at=account.opened_at, closed_at=account.closed_at,
        licence_revoked=revocation.view() if revocation else None,
    ).model_dump(mode="json")
