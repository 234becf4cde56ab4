"""The bank after start-up: what a change of details means for the basic account, and closing it.

A change (`company_changed`): the account's company name and legal representative follow the licence;
a new name or a new legal representative outdates the reserved seals (预留印鉴: 财务专用章 and
法定代表人名章, the new name's seals are new ones, seal bureau), so the founder is told to change them
at the counter. A closing (`clearance_requested`): an opened basic account blocks the deregistration
until the bank closes it (《人民币银行结算账户管理办法》 art. 49: a deregistered company's account is
closed; art. 52: the balance settled and blank cheques returned first). The bank then queues a
counter task (`account_closing`); the clerk records the closure (`approve`), the founder asks for a
new check and the blocker is gone. A reservation never opened does not block; once the company is
deregistered (`company_deregistered`) it lapses: the counter task closes, the place is given back
and the pre-assigned number is never used (a deregistered depositor has no account to open, art. 49).
Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import bureaus
from contracts.calendar import deadline
from contracts.clock import china_date
from contracts.events import Blocker, CompanyChanged, Event, StepProgressed, TaskQueued
from kit import clerk as queue

CLOSING_KIND = "account_closing"
RESEAL_SECTIONS = ("name", "legal_representative")


def change_answer(account: Any, event: CompanyChanged) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Returns (the founder's line, the answer's detail, the account fields to set)."""
    licence = event.licence
    fields = {"company_name": licence.company_name, "legal_representative": licence.legal_representative,
              "licence_version": event.version}
    reseal = account.state == "opened" and any(s in event.changed for s in RESEAL_SECTIONS)
    if account.state != "opened":
        summary = "开户预约信息已随营业执照更新"
    elif reseal:
        summary = (f"基本存款账户{account.account_number}的开户信息已更新；预留印鉴须更换：请持新的财务专用章、"
                   f"法定代表人名章和营业执照到{account.branch_name}柜台办理预留印鉴变更")
    else:
        summary = f"基本存款账户{account.account_number}的开户信息已更新，账号不变"
    return summary, {"account_number": account.account_number, "state": account.state,
                     "reserved_seals_to_change": reseal}, fields


def clearance_blockers(account: Any) -> list[Blocker]:
    """An opened account not yet closed blocks; a reservation never opened only lapses."""
    if account is None or account.state != "opened":
        return []
    return [Blocker(item=f"基本存款账户{account.account_number}尚未销户",
                    todo=f"结清账户余额、交回未用的空白重要凭证后，携营业执照、公章和预留印鉴到{account.branch_name}"
                         "柜台办理销户；银行销户后重新核查")]


def queue_closing(account: Any, task_type: type, now: datetime) -> tuple[Any, list[Event]]:
    """An opened account under a closing gets its counter task (once: an open one stays)."""
    if account.state != "opened" or (account.task.kind == CLOSING_KIND and account.task.state == "open"):
        return account, []
    reason = f"企业申请注销：为基本存款账户{account.account_number}办理销户"
    timing = deadline(china_date(now), bureaus.TARGET_DAYS["bank"])
    account.past_tasks.append(account.task)
    account.task = task_type(id=f"bank-close-{account.application_id}-{len(account.past_tasks)}", kind=CLOSING_KIND,
                             reason=reason, created_at=now, **timing.fields())
    return account, [TaskQueued(application_id=account.application_id, bureau="bank", task_id=account.task.id,
                                kind=CLOSING_KIND, reason=reason, **timing.fields())]


def appointment_in_force(account: Any) -> dict[str, Any]:
    """The appointment a later bank event carries when the founder had moved it: the founder's page shows
    the step's latest progress, so a later step (account_closed) must not bring back the first booking."""
    if not account.appointment_moved or account.appointment is None:
        return {}
    return {"appointment_date": account.appointment.day.isoformat(), "appointment_slot": account.appointment.slot,
            "appointment_moved": True}


def close(account: Any, now: datetime) -> tuple[dict[str, Any], list[Event]]:
    """The counter closed the account (the clerk's approve on the closing task)."""
    account.state, account.closed_at = "closed", now
    return {"account_number": account.account_number}, [StepProgressed(
        application_id=account.application_id, bureau="bank", step="account_closed",
        detail={"account_number": account.account_number, **appointment_in_force(account)})]


LAPSED = "企业已注销：银行开户预约作废，预分配账号不再启用"


def lapse(account: Any, now: datetime) -> tuple[Any, list[Event]]:
    """The company deregistered while its account was only reserved: the reservation lapses (once)."""
    if account.state != "reserved":
        return account, []
    account.state = "lapsed"
    if account.task.state == "open":  # the counter has nothing left to do: closed by the system, said why
        queue.finish_stored(account.task, "系统", "lapse", "done", {"reason": LAPSED}, now)
    return account, [StepProgressed(application_id=account.application_id, bureau="bank", step="reservation_lapsed",
                                    detail={"account_number": account.account_number, "reason": LAPSED,
                                            **appointment_in_force(account)})]
