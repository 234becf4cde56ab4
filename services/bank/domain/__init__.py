"""The participating bank's rules (银行预约开户): pure functions, no I/O (clock, ids, the booked slot and
the account number are handed in).

One `Account` per application: after `licence_issued` the bank books the founder an appointment at the
branch chosen on the form (the first slot with room on a working day after the licence's day, in the
branch's opening hours, contracts.banks) and pre-assigns the basic account number (基本存款账户), then
sends both on to tax (三方协议) and the insurance bureaus (direct debit) in `bank_account_reserved`.
The founder brings the reserved seals (预留印鉴: 财务专用章 and 法定代表人名章) to the counter, where a
bank clerk records the opening (`approve` -> `account_opened`) or refuses it with reasons (`reject`):
that task is the step's clerk path and closes it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from contracts import banks, bureaus
from contracts.bureaus import BANK_ACCOUNT
from contracts.calendar import add_working_days, deadline, is_working_day
from contracts.clock import china_date
from contracts.events import (
    AccountOpened,
    BankAccountReserved,
    Event,
    LicenceIssued,
    StepProgressed,
    StepRejected,
    TaskQueued,
)
from contracts.revocation import Revocation
from contracts.rpc import Conflict, DocumentRef, FieldError, Invalid, NotFound
from kit import clerk as queue
from services.bank.domain import after_start

BUREAU = "bank"
TASK_KIND = "account_opening"
ACTIONS = ["approve", "reject"]
CLOSING_ACTIONS = ["approve"]  # the counter records the closure; a refusal stays a blocker with its reason
HORIZON_WORKING_DAYS = banks.HORIZON_WORKING_DAYS  # how far ahead it looks for a free slot before a clerk arranges one
REVOKED = "不能再开立基本存款账户"
APPOINTMENT_DOC = DocumentRef(name="bank.appointment", title="银行预约开户确认书")
ACCOUNT_DOC = DocumentRef(name="bank.account", title="基本存款账户信息")  # since 2019 instead of a licence
NO_SLOT = f"所选网点未来{HORIZON_WORKING_DAYS}个工作日的预约已满，须人工安排开户时间"


# ---- numbers (our own convention: ONE function) --------------------------------------------------


def account_number(bank_code: str, branch_number: str, sequence: int) -> str:
    """Bank code (3) + branch number (4) + a 9-digit per-branch sequence + a Luhn check digit: 17 digits."""
    if not (len(bank_code) == 3 and len(branch_number) == 4 and (bank_code + branch_number).isdigit()) \
            or not 1 <= sequence < 10**9:
        raise ValueError(f"no account number for {bank_code}/{branch_number}, sequence {sequence}")
    body = f"{bank_code}{branch_number}{sequence:09d}"
    return body + str(luhn_check_digit(body))


def luhn_check_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


# ---- the appointment ----------------------------------------------------------------------------


class Appointment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    day: date
    slot: str  # "09:00-10:00", Beijing time

    def slot_id(self, branch_id: str) -> str:
        return slot_id(branch_id, self.day, self.slot)


def slot_id(branch_id: str, day: date, slot: str) -> str:
    return f"{branch_id}|{day.isoformat()}|{slot}"


def candidate_days(licensed_on: date, horizon: int = HORIZON_WORKING_DAYS) -> list[date]:
    """The working days an appointment may fall on, in order: from the first after the licence's day."""
    return [add_working_days(licensed_on, n) for n in range(1, horizon + 1)]


def preferred(request: Any, branch: banks.Branch, licensed_on: date) -> Appointment | None:
    """The founder's chosen slot when it is still ahead (a working day after the licence's) and one of
    the branch's; else None (the first free slot after the licence is booked instead)."""
    day, slot = getattr(request, "appointment_date", None), getattr(request, "appointment_slot", None)
    if day is None or slot not in banks.slots(branch) or day <= licensed_on or not is_working_day(day):
        return None
    return Appointment(day=day, slot=slot)


# a place is booked a few milliseconds before its account is written; one older than this that no account
# points at was left by a crash (the gateway gives up on a move after GATEWAY_RPC_TIMEOUT, 10 s by default)
STRAY_AFTER_SECONDS = 120


def is_stray_place(account: Account | None, branch_id: str, appointment: Appointment) -> bool:
    """Whether a held place is no account's appointment (the sweep gives it back)."""
    return account is None or account.branch_id != branch_id or account.appointment != appointment


def has_room(branch: banks.Branch, booked: dict[str, int], slot: str) -> bool:
    return slot in banks.slots(branch) and booked.get(slot, 0) < branch.capacity_per_slot


def first_free(branch: banks.Branch, days: list[date], booked: Any) -> list[Appointment]:
    """The slots to try, in order, leaving out those `booked(day)` (slot -> count) says are full."""
    out = []
    for day in days:
        counts = booked(day)
        out += [Appointment(day=day, slot=s) for s in banks.slots(branch)
                if counts.get(s, 0) < branch.capacity_per_slot]
    return out


# ---- the stored shape ----------------------------------------------------------------------------


class ClerkTask(queue.StoredTask):
    kind: str = TASK_KIND


class Account(BaseModel):
    """One company's basic account at the bank, from reservation to opening: stored in one document."""

    model_config = ConfigDict(extra="forbid")
    application_id: str
    uscc: str
    company_name: str
    legal_representative: str
    bank_name: str
    branch_id: str
    branch_name: str
    branch_address: str
    account_number: str
    appointment: Appointment | None = None
    appointment_moved: bool = False  # the founder moved it (改约): every later bank event says the one in force
    state: Literal["reserved", "opened", "refused", "closed", "lapsed"] = "reserved"  # lapsed: deregistered unopened
    reasons: list[str] = []
    reserved_at: datetime
    opened_at: datetime | None = None
    closed_at: datetime | None = None  # 销户 (after_start.py)
    licence_version: int | None = None  # the licence version the record follows (kit.changes)
    task: ClerkTask
    past_tasks: list[ClerkTask] = []


# ---- reservation on licence_issued ---------------------------------------------------------------


def new_account(event: LicenceIssued, branch: banks.Branch, number: str, appointment: Appointment | None,
                now: datetime, task_id: str) -> tuple[Account, list[Event]]:
    if event.bank is None:
        raise ValueError("the founder did not ask for a bank account")
    licence = event.licence
    reason = (f"预约{appointment.day.isoformat()} {appointment.slot}到{branch.name}柜台开户，请核验预留印鉴后开立"
              if appointment else NO_SLOT)
    chosen = (event.bank.appointment_date, event.bank.appointment_slot)
    if chosen[0] is not None and appointment is not None and (appointment.day, appointment.slot) != chosen:
        reason += f"（申请人所选{chosen[0].isoformat()} {chosen[1]}已约满或已过，改约最近的空闲时段）"
    timing = deadline(appointment.day if appointment else china_date(now),
                      0 if appointment else bureaus.TARGET_DAYS[BUREAU])
    account = Account(
        application_id=event.application_id, uscc=licence.uscc, company_name=licence.company_name,
        legal_representative=licence.legal_representative, bank_name=banks.bank().name, branch_id=branch.id,
        branch_name=branch.name, branch_address=branch.address, account_number=number, appointment=appointment,
        reserved_at=now, task=ClerkTask(id=task_id, reason=reason, created_at=now, **timing.fields()))
    reserved = BankAccountReserved(
        application_id=account.application_id, uscc=account.uscc, company_name=account.company_name,
        bank_name=account.bank_name, branch_id=branch.id, branch_name=branch.name, branch_address=branch.address,
        account_number=number, appointment_date=appointment.day if appointment else None,
        appointment_slot=appointment.slot if appointment else None, shared_with=shared_with(),
        documents=[APPOINTMENT_DOC])
    queued = TaskQueued(application_id=account.application_id, bureau=BUREAU, task_id=task_id, kind=TASK_KIND,
                        reason=reason, **timing.fields())
    return account, [reserved, queued]


def shared_with() -> list[str]:
    """The bureaus the account is sent on to: whoever the manifest says consumes it."""
    return list(bureaus.consumers().get(BANK_ACCOUNT, ()))


# ---- the founder moves the appointment (改约) ------------------------------------------------------

FULL = "该时段已约满，请另选日期或时段"
MOVED = "appointment_moved"


def wanted_appointment(account: Account, branch: banks.Branch, day: Any, slot: Any, today: date) -> Appointment:
    """The slot the founder asks for, checked as at submission (contracts.banks: the branch's slots, a
    working day after today within the horizon); every refusal is a 422 on its field."""
    if account.state != "reserved":
        raise Conflict("基本存款账户已开立或预约已结束，不能再改约" if account.state != "refused" else "开户已被银行拒绝，不能改约")
    try:
        wanted_day = date.fromisoformat(day) if isinstance(day, str) else day if isinstance(day, date) else None
    except ValueError:
        wanted_day = None
    errors = banks.appointment_day_errors(wanted_day, today, "appointment_date")
    if slot not in banks.slots(branch):
        errors.append(FieldError(field="appointment_slot",
                                 message=f"{branch.name}的预约时段为：{'、'.join(banks.slots(branch))}"))
    if errors:
        raise Invalid.with_fields("预约时间无效", errors)
    return Appointment(day=wanted_day, slot=slot)


def move(account: Account, wanted: Appointment, read: Appointment | None, now: datetime) -> tuple[Account, list[Event]]:
    """The appointment moved to `wanted` (its place booked by the caller); `read`: the appointment the
    caller saw, so two moves at once cannot both give back the same old place."""
    if account.state != "reserved":
        raise Conflict("基本存款账户已开立或预约已结束，不能再改约")
    if account.appointment == wanted:  # the same move, done meanwhile by its twin request
        return account, []
    if account.appointment != read:
        raise Conflict("预约刚被改动，请刷新后重试")
    account.appointment, account.appointment_moved = wanted, True
    timing = deadline(wanted.day, 0)  # the counter's task is due on the appointment's day, as when booked
    reason = f"预约{wanted.day.isoformat()} {wanted.slot}到{account.branch_name}柜台开户，请核验预留印鉴后开立（申请人改约）"
    account.task = task = ClerkTask.model_validate(account.task.model_dump() | timing.fields() | {"reason": reason})
    detail = {"appointment_date": wanted.day.isoformat(), "appointment_slot": wanted.slot,
              "previous": appointment_text(read)}
    return account, [StepProgressed(application_id=account.application_id, bureau=BUREAU, step=MOVED, detail=detail),
                     TaskQueued(application_id=account.application_id, bureau=BUREAU, task_id=task.id, kind=task.kind,
                                reason=task.reason, **timing.fields())]


# ---- the clerk at the counter --------------------------------------------------------------------


def claim(account: Account, clerk: str, now: datetime) -> Account:
    queue.claim_stored(account.task, clerk, now)
    return account


def release(account: Account, clerk: str, now: datetime) -> Account:
    queue.release_stored(account.task, clerk, now)
    return account


def act(account: Account, clerk: str, action: str, payload: dict[str, Any], revocation: Revocation | None,
        now: datetime) -> tuple[Account, list[Event]]:
    """approve: the account is open (the seals were checked at the counter); reject: with reasons."""
    task = queue.actionable(account.task, clerk, now)
    queue.check_action(action, ACTIONS if task.kind == TASK_KIND else CLOSING_ACTIONS)
    events: list[Event]
    if task.kind == after_start.CLOSING_KIND:
        recorded, events = after_start.close(account, now)
        task.state = "done"
    elif action == "reject":
        reasons = queue.check_reasons(payload)
        account.state, account.reasons, task.state = "refused", reasons, "rejected"
        events = [StepRejected(application_id=account.application_id, bureau=BUREAU, step=TASK_KIND, reasons=reasons)]
        recorded: dict[str, Any] = {"reasons": reasons}
    else:
        if revocation is not None:
            raise revocation.refusal(REVOKED)
        account.state, account.opened_at, task.state = "opened", now, "done"
        events = [AccountOpened(application_id=account.application_id, uscc=account.uscc,
                                account_number=account.account_number, branch_id=account.branch_id, opened_at=now,
                                documents=[ACCOUNT_DOC])]
        recorded = {"account_number": account.account_number}
    queue.finish_stored(task, clerk, action, task.state, recorded, now)
    return account, events


def appointment_text(appointment: Appointment | None) -> str | None:
    return f"{appointment.day.isoformat()} {appointment.slot}" if appointment else None


def not_found(uscc: str) -> NotFound:
    return NotFound(f"未找到统一社会信用代码为{uscc}的银行开户预约")
