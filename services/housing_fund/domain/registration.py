"""Registration on licence_issued, the change answer and the closing blockers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contracts.codes import mask_resident_id
from contracts.events import (
    Blocker,
    CompanyChanged,
    Event,
    HousingFundAccount,
    HousingFundRegistered,
    LicenceIssued,
)
from contracts.rpc import Conflict
from kit import unit_rules
from services.housing_fund.domain.model import Account, ClerkTask, Unit
from services.housing_fund.domain.numbers import (
    CERTIFICATE,
    TERMS,
    deposit_base,
    form_employee_id,
    personal_account,
)

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
        return queue_task(unit, task_id, "该地区住房公积金缴存基数尚未配置，须人工核定", now)
    return register(unit, figures, account, now)


def register(unit: Unit, figures_for: Any, account: str, now: datetime) -> tuple[Unit, list[Event]]:
    """Number the unit and open an account for each form employee. `figures_for(day)` gives the
    figures in force on a day (or one Figures object for every day)."""
    unit.state, unit.unit_account, unit.registered_at = "registered", account, now
    for index, person in enumerate(unit.form_staff):
        start = unit_rules.form_start(person, unit.established_on)
        open_account(unit, form_employee_id(unit.application_id, index), person.name, person.resident_id,
              person.monthly_wage, start, figures_on(figures_for, start), "form", now)
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


def change_answer(unit: Unit, event: CompanyChanged) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A change of details at the centre: the unit's name and district follow the licence; the unit
    account and the staff's personal accounts stay (every Wuhan district is the one centre's).
    Returns (the founder's line, the answer's detail, the unit fields to set)."""
    if unit.unit_account:
        summary = f"住房公积金单位登记信息已更新，单位账号{unit.unit_account}不变，职工个人账户不变"
    else:
        summary = "住房公积金单位登记信息已更新"
    detail = {"unit_account": unit.unit_account, "district_code": event.licence.district_code}
    return summary, detail, unit_rules.licence_fields(event)


def clearance_blockers(unit: Unit | None) -> list[Blocker]:
    """A closing: every open personal account must be sealed or moved first (减员)."""
    return unit_rules.blockers(unit.active() if unit else [], "职工{name}的住房公积金个人账户仍在缴存",
                               "为该职工办理减员（封存或转移个人账户）后重新核查")


def figures_on(figures_for: Any, day: date) -> Any:
    return figures_for(day) if callable(figures_for) else figures_for


def open_account(unit: Unit, employee_id: str, name: str, resident_id: str, wage: Decimal, start: date,
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


def queue_task(unit: Unit, task_id: str, reason: str, now: datetime) -> tuple[Unit, list[Event]]:
    return unit_rules.queue_task(TERMS, unit, ClerkTask, task_id, reason, now)
