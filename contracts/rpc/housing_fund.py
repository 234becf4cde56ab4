"""The housing-fund centre's RPC requests, shared by the gateway (HTTP body, OpenAPI) and the bureau."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import Money, Reply

Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, gt=0)]


class AccountOpening(BaseModel):
    """A later hire's personal account (`open_account(uscc, employee, request_id)`, 增员); the bureau checks
    the resident ID and the start date against the unit's establishment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=2, max_length=40)
    resident_id: str = Field(min_length=18, max_length=18)
    start_date: date
    monthly_wage: Amount


class Account(Reply):
    """A personal housing-fund account as callers see it (`open_account`, `close_account_of`): resident ID
    masked, this month's deposits at the unit's rates."""

    employee_id: str
    name: str
    resident_id: str  # masked
    account_number: str
    start_date: date
    end_date: date | None
    state: Literal["active", "closed"]
    monthly_wage: Money
    deposit_base: Money
    base_provisional: bool  # 暂定: the period's figures are not published yet
    period: str  # the deposit year the base belongs to, e.g. "2026-07-01~2027-06-30"
    employer_deposit: Money
    employee_deposit: Money


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {"open_account": Account, "close_account_of": Account}
