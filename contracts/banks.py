"""The participating banks' branches as data (contracts/data/bank_branches_wuhan.json, DEMO data: one
fictional bank, several Wuhan branches): the form checks the chosen branch against it, and the bank's
service books appointments in its opening hours, `capacity_per_slot` founders per slot.

A slot is `slot_minutes` long, cut from each opening period; a period's rest shorter than a slot is
no slot (an appointment must end before the branch closes).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from contracts.calendar import add_working_days, is_working_day
from contracts.rpc import FieldError

DATA_FILE = "bank_branches_wuhan.json"


class Bank(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str  # 3 digits: the first digits of the accounts it issues (our convention)
    name: str


class Branch(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    number: str  # 4 digits, in the account numbers it issues
    name: str
    address: str
    district_code: str
    opening_hours: tuple[tuple[str, str], ...]  # ("09:00", "12:00"), Beijing time
    capacity_per_slot: int = Field(ge=1)


class BranchBook(BaseModel):
    model_config = ConfigDict(frozen=True)
    demo: bool
    note: str
    bank: Bank
    slot_minutes: int = Field(ge=15)
    branches: tuple[Branch, ...]


# how far ahead appointments are given: the bank looks this many working days ahead for a free slot, and
# a founder's preferred day may be at most this far from the day of the submission (our convention)
HORIZON_WORKING_DAYS = 20


def appointment_day_errors(day: date | None, today: date, field: str) -> list[FieldError]:
    """The appointment day's rules, one place for both checks of them: the gateway's at submission and
    the bank's when the founder moves the appointment. A working day after `today` (Beijing) and at
    most HORIZON_WORKING_DAYS working days ahead; the error is on `field`, in Chinese."""
    if day is None:
        return [FieldError(field=field, message="请填写预约日期（YYYY-MM-DD）")]
    if day <= today:
        return [FieldError(field=field, message="预约日期须在今天之后")]
    if not is_working_day(day):
        return [FieldError(field=field, message="预约日期须为工作日")]
    last = add_working_days(today, HORIZON_WORKING_DAYS)
    if day > last:
        return [FieldError(field=field, message=f"预约日期最晚为{last.isoformat()}（{HORIZON_WORKING_DAYS}个工作日以内）")]
    return []


@cache
def book() -> BranchBook:
    raw = resources.files("contracts.data").joinpath(DATA_FILE).read_text("utf-8")
    return BranchBook.model_validate(json.loads(raw))


def bank() -> Bank:
    return book().bank


def branches() -> dict[str, Branch]:
    return {b.id: b for b in book().branches}


def branch(branch_id: str) -> Branch | None:
    return branches().get(branch_id)


def slots(item: Branch, minutes: int | None = None) -> tuple[str, ...]:
    """The branch's appointment slots of a day, "09:00-10:00", in time order."""
    length = timedelta(minutes=minutes or book().slot_minutes)
    out: list[str] = []
    for start, end in item.opening_hours:
        at, close = datetime.strptime(start, "%H:%M"), datetime.strptime(end, "%H:%M")
        while at + length <= close:
            out.append(f"{at:%H:%M}-{at + length:%H:%M}")
            at += length
    return tuple(out)


def hours_text(item: Branch) -> str:
    return "、".join(f"{a}-{b}" for a, b in item.opening_hours)
