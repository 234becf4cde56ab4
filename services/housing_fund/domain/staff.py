"""Later hires and leavers (增减员)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contracts.revocation import Revocation
from contracts.rpc import Conflict, FieldError, Invalid
from contracts.rpc.hires import parse_hire
from contracts.rpc.housing_fund import AccountOpening
from kit import unit_rules
from services.housing_fund.domain.model import Unit
from services.housing_fund.domain.numbers import TERMS
from services.housing_fund.domain.registration import open_account

# ---- later hires and leavers (增减员) ----------------------------------------------------------


def check_registered(unit: Unit | None, uscc: str) -> Unit:
    return unit_rules.check_registered(TERMS, unit, uscc)


def parse_opening(raw: Any, established_on: date, today: date) -> AccountOpening:
    """A hire request with field errors named as the request names them."""
    return parse_hire(AccountOpening, raw, established_on, today)


def hire(unit: Unit, employee_id: str, opening: AccountOpening, figures: Any,
         revocation: Revocation | None, now: datetime) -> Unit:
    unit_rules.refuse_if_revoked(TERMS, revocation)
    open_account(unit, employee_id, opening.name, opening.resident_id.upper(), opening.monthly_wage,
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
