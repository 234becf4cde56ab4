"""The housing-fund centre's rules (住房公积金管理中心): pure functions, no I/O (clock, ids, figures and
account numbers are handed in).

One `Unit` per application: the unit's deposit registration (单位缴存登记) with the rates the founder
chose on the form (unit and employee each 5-12 %), and one personal account (个人账户) per employee.
住房公积金管理条例 art. 14/15: a new unit registers within 30 days of its establishment and opens its
staff's accounts within 20 days; a later hire within 30 days of the employment.

The deposit base is the employee's monthly wage, held between the period's floor and its ceiling
(3x the city's average monthly wage of the previous year, services/housing_fund/figures.py). A unit
whose district has no figures at all goes to a clerk (`deposit_registration`), who approves once the
figures are there, or refuses with reasons.

Personal account numbers are the unit account + a 4-digit sequence kept inside the unit, so they are
allocated by the same compare-and-set write that opens the account: never one number twice.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.bureaus import TARGET_DAYS
from contracts.calendar import deadline
from contracts.clock import china_date
from contracts.codes import mask_resident_id
from contracts.events import (
    Event,
    HousingFundAccount,
    HousingFundRegistered,
    LicenceIssued,
    StepRejected,
    TaskQueued,
)
from contracts.form import Employee
from contracts.revocation import Revocation
from contracts.rpc import Conflict, DocumentRef, FieldError, Invalid, NotFound, Task
from contracts.rpc.hires import parse_hire
from contracts.rpc.housing_fund import AccountOpening
from kit import clerk as queue

BUREAU = "housing_fund"
TASK_KIND = "deposit_registration"
ACTIONS = ["approve", "reject"]
CERTIFICATE = DocumentRef(name="housing_fund.certificate", title="住房公积金单位缴存登记证明")
ACCOUNT_DIGITS = 4
UNIT_ACCOUNT_RE = re.compile(r"^GJJ\d{14}$")
REVOKED = "不能再办理住房公积金开户"


# ---- numbers (our own convention: ONE function each) -------------------------------------------


def unit_account(district_code: str, year: int, sequence: int) -> str:
    """GJJ + the 6-digit district + the 2-digit year + a 6-digit per-district, per-year sequence."""
    if not re.fullmatch(r"\d{6}", district_code or "") or not 1 <= sequence < 10**6:
        raise ValueError(f"no unit account for district {district_code!r}, sequence {sequence}")
    return f"GJJ{district_code}{year % 100:02d}{sequence:06d}"


def personal_account(unit: str, sequence: int) -> str:
    if not 1 <= sequence < 10**ACCOUNT_DIGITS:
        raise Conflict(f"单位账号{unit}的个人账户已满{10**ACCOUNT_DIGITS - 1}个")
    return f"{unit}{sequence:0{ACCOUNT_DIGITS}d}"


def form_employee_id(application_id: str, index: int) -> str:
    return f"{application_id}:form:{index}"


def request_employee_id(uscc: str, request_id: str) -> str:
    """A retried hire request (same request_id) names the same account, so it opens once."""
    return f"{uscc}:req:{hashlib.sha256(request_id.encode()).hexdigest()[:24]}"


# ---- money ----------------------------------------------------------------------------------------


def deposit_base(monthly_wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    return min(max(monthly_wage, floor), ceiling).quantize(Decimal("0.01"))


def monthly_deposit(base: Decimal, rate_percent: int) -> Decimal:
    return (base * rate_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- the stored shapes ----------------------------------------------------------------------------


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee_id: str
    name: str
    resident_id: str  # never leaves the bureau unmasked
    account_number: str
    monthly_wage: Decimal
    deposit_base: Decimal
    base_provisional: bool = False  # figures continued past their period (暂定)
    period: str
    start_date: date
    end_date: date | None = None
    state: Literal["active", "closed"] = "active"
    source: Literal["form", "request"] = "form"
    opened_at: datetime


class ClerkTask(queue.StoredTask):
    kind: str = TASK_KIND


class Unit(BaseModel):
    """One unit's deposit registration and its staff's accounts: the aggregate stored in one document."""

    model_config = ConfigDict(extra="forbid")
    application_id: str
    uscc: str
    company_name: str
    district_code: str
    established_on: date
    employer_rate: int
    employee_rate: int
    state: Literal["pending_review", "registered", "rejected"]
    unit_account: str | None = None
    registered_at: datetime | None = None
    next_account: int = 1
    accounts: list[Account] = Field(default_factory=list)
    form_staff: list[Employee] = Field(default_factory=list)  # kept until they have accounts
    task: ClerkTask | None = None
    created_at: datetime

    def account(self, employee_id: str) -> Account:
        for account in self.accounts:
            if account.employee_id == employee_id:
                return account
        raise NotFound(f"本单位没有住房公积金个人账户 {employee_id}")

    def active(self) -> list[Account]:
        return [a for a in self.accounts if a.state == "active"]


# ---- registration on licence_issued -------------------------------------------------------------


def new_unit(event: LicenceIssued, figures: Any | None, account: str | None, now: datetime,
             task_id: str) -> tuple[Unit, list[Event]]:
    """The unit as the licence makes it: registered with its staff's accounts when the figures for its
    district are known (`figures`, `account` allocated), else waiting for a clerk."""
    licence, chosen = event.licence, event.housing_fund
    if chosen is None:
        raise ValueError("the founder did not ask for the housing fund")
    unit = Unit(application_id=event.application_id, uscc=licence.uscc, company_name=licence.company_name,
                district_code=licence.district_code, established_on=licence.established_on,
                employer_rate=chosen.employer_rate, employee_rate=chosen.employee_rate, state="pending_review",
                form_staff=list(event.employees), created_at=now)
    if figures is None or account is None:
        return _queue(unit, task_id, "该地区住房公积金缴存基数尚未配置，须人工核定", now)
    return register(unit, figures, account, now)


def register(unit: Unit, figures_for: Any, account: str, now: datetime) -> tuple[Unit, list[Event]]:
    """Number the unit and open an account for each form employee. `figures_for(day)` gives the
    figures in force on a day (or one Figures object for every day)."""
    unit.state, unit.unit_account, unit.registered_at = "registered", account, now
    for index, person in enumerate(unit.form_staff):
        start = max(person.start_date or unit.established_on, unit.established_on)
        _open(unit, form_employee_id(unit.application_id, index), person.name, person.resident_id,
              person.monthly_wage, start, _figures(figures_for, start), "form", now)
    unit.form_staff = []
    return unit, [registered_event(unit)]


def registered_event(unit: Unit) -> HousingFundRegistered:
    return HousingFundRegistered(
        application_id=unit.application_id, uscc=unit.uscc, unit_account=unit.unit_account,
        employer_rate=unit.employer_rate, employee_rate=unit.employee_rate,
        accounts=[HousingFundAccount(employee_id=a.employee_id, name=a.name, account_number=a.account_number,
                                     start_date=a.start_date, deposit_base=a.deposit_base,
                                     base_provisional=a.base_provisional) for a in unit.accounts],
        documents=[CERTIFICATE])


def _figures(figures_for: Any, day: date) -> Any:
    return figures_for(day) if callable(figures_for) else figures_for


def _open(unit: Unit, employee_id: str, name: str, resident_id: str, wage: Decimal, start: date,
          figures: Any, source: str, now: datetime) -> Account:
    if any(a.resident_id == resident_id and a.state == "active" for a in unit.accounts):
        raise Conflict(f"{name}（{mask_resident_id(resident_id)}）在本单位已有住房公积金账户，不能重复开户")
    account = Account(employee_id=employee_id, name=name, resident_id=resident_id,
                      account_number=personal_account(unit.unit_account, unit.next_account),
                      monthly_wage=wage, deposit_base=deposit_base(wage, figures.floor, figures.ceiling),
                      base_provisional=figures.provisional, period=figures.period, start_date=start,
                      source=source, opened_at=now)
    unit.next_account += 1
    unit.accounts.append(account)
    return account


def _queue(unit: Unit, task_id: str, reason: str, now: datetime) -> tuple[Unit, list[Event]]:
    timing = deadline(china_date(now), TARGET_DAYS[BUREAU])
    unit.task = ClerkTask(id=task_id, reason=reason, created_at=now, **timing.fields())
    return unit, [TaskQueued(application_id=unit.application_id, bureau=BUREAU, task_id=task_id, kind=TASK_KIND,
                             reason=reason, **timing.fields())]


# ---- later hires and leavers (增减员) ----------------------------------------------------------


def check_registered(unit: Unit | None, uscc: str) -> Unit:
    if unit is None:
        raise NotFound(f"未找到统一社会信用代码为{uscc}的住房公积金单位登记")
    if unit.state != "registered":
        raise Conflict(f"该单位住房公积金缴存登记尚未办结（{unit.state}），暂不能办理增减员")
    return unit


def parse_opening(raw: Any, established_on: date, today: date) -> AccountOpening:
    """A hire request with field errors named as the request names them."""
    return parse_hire(AccountOpening, raw, established_on, today)


def hire(unit: Unit, employee_id: str, opening: AccountOpening, figures: Any,
         revocation: Revocation | None, now: datetime) -> Unit:
    if revocation is not None:
        raise revocation.refusal(REVOKED)
    _open(unit, employee_id, opening.name, opening.resident_id.upper(), opening.monthly_wage,
          opening.start_date, figures, "request", now)
    return unit


def leave(unit: Unit, employee_id: str, end: date) -> Unit:
    """Close an account (封存) from `end`; closing it again on the same day is the same answer."""
    account = unit.account(employee_id)
    if end < account.start_date:
        raise Invalid.with_fields("离职日期不能早于入职日期",
                                  [FieldError(field="end_date", message=f"不能早于开户日期{account.start_date}")])
    if account.state == "closed" and account.end_date != end:
        raise Conflict(f"{account.name}已于{account.end_date}封存")
    account.state, account.end_date = "closed", end
    return unit


# ---- the clerk's decision ----------------------------------------------------------------------------


def claim(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.claim_stored(_task(unit), clerk, now)
    return unit


def release(unit: Unit, clerk: str, now: datetime) -> Unit:
    queue.release_stored(_task(unit), clerk, now)
    return unit


def act(unit: Unit, clerk: str, action: str, payload: dict[str, Any], figures_for: Any, account: str | None,
        revocation: Revocation | None, now: datetime) -> tuple[Unit, list[Event]]:
    """approve: register with the figures now known (`account` allocated by the caller); reject: reasons."""
    task = _actionable(unit, clerk, now)
    queue.check_action(action, ACTIONS)
    if action == "reject":
        reasons = queue.check_reasons(payload)
        unit.state, task.state = "rejected", "rejected"
        events: list[Event] = [StepRejected(application_id=unit.application_id, bureau=BUREAU, step=TASK_KIND,
                                            reasons=reasons)]
        recorded: dict[str, Any] = {"reasons": reasons}
    else:
        if revocation is not None:
            raise revocation.refusal(REVOKED)
        if figures_for is None or account is None:
            raise Conflict("该地区住房公积金缴存基数仍未配置，请先载入缴存基数再核准")
        unit, events = register(unit, figures_for, account, now)
        task, recorded = _task(unit), {"unit_account": account}
        task.state = "done"
    task.finished_at, task.claimed_by = now, clerk
    task.history.append(queue.history_entry(clerk, action, recorded, now))
    return unit, events


def _task(unit: Unit) -> ClerkTask:
    if unit.task is None:
        raise NotFound("该单位没有待办的住房公积金任务")
    return unit.task


def _actionable(unit: Unit, clerk: str, now: datetime) -> ClerkTask:
    return queue.actionable(_task(unit), clerk, now)  # type: ignore[return-value]


def task_view(unit: Unit, now: datetime) -> Task:
    task = _task(unit)
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=unit.application_id, title=unit.company_name,
        reason=task.reason, state=task.state, created_at=task.created_at,
        deadline={k: getattr(task, k) for k in ("deadline", "deadline_from", "deadline_days", "deadline_provisional")},
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at, actions=ACTIONS,
        details={"uscc": unit.uscc, "district_code": unit.district_code, "employer_rate": unit.employer_rate,
                 "employee_rate": unit.employee_rate, "employees": len(unit.form_staff)},
        history=task.history, now=now)


# ---- views --------------------------------------------------------------------------------------------


def account_view(unit: Unit, account: Account) -> dict[str, Any]:
    """One account as callers see it: ID masked, this month's deposits at the unit's rates."""
    return {
        "employee_id": account.employee_id, "name": account.name,
        "resident_id": mask_resident_id(account.resident_id), "account_number": account.account_number,
        "start_date": account.start_date.isoformat(),
        "end_date": account.end_date.isoformat() if account.end_date else None, "state": account.state,
        "monthly_wage": str(account.monthly_wage), "deposit_base": str(account.deposit_base),
        "base_provisional": account.base_provisional, "period": account.period,
        "employer_deposit": str(monthly_deposit(account.deposit_base, unit.employer_rate)),
        "employee_deposit": str(monthly_deposit(account.deposit_base, unit.employee_rate)),
    }


def unit_view(unit: Unit, revocation: Revocation | None) -> dict[str, Any]:
    return {
        "uscc": unit.uscc, "application_id": unit.application_id, "company_name": unit.company_name,
        "district_code": unit.district_code, "state": unit.state, "unit_account": unit.unit_account,
        "employer_rate": unit.employer_rate, "employee_rate": unit.employee_rate,
        "registered_at": unit.registered_at.isoformat() if unit.registered_at else None,
        "active_accounts": len(unit.active()),
        "licence_revoked": revocation.view() if revocation else None,
    }
