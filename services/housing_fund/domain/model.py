"""The unit: the aggregate stored one per application, with its accounts and its one clerk task."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.form import Employee
from contracts.rpc import NotFound
from kit import clerk as queue
from services.housing_fund.domain.numbers import TASK_KIND

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
    licence_version: int = 1  # the licence version this record follows (a change of details moves it)

    def account(self, employee_id: str) -> Account:
        for account in self.accounts:
            if account.employee_id == employee_id:
                return account
        raise NotFound(f"本单位没有住房公积金个人账户 {employee_id}")

    def active(self) -> list[Account]:
        return [a for a in self.accounts if a.state == "active"]
