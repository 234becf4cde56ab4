"""The day in China, months, and the screening of employers and employees (what sends them to a clerk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts import clock
from contracts.codes import is_known_district, is_valid_resident_id
from contracts.form import Employee
from contracts.rpc import FieldError
from services.social_security.domain.numbers import EMPLOYEE_FIELDS, MAX_START_AHEAD, WORK_INJURY_UNCHECKED

# ---- time ------------------------------------------------------------------------------------


def local_today(now: datetime) -> date:
    """The working day of a moment is its date in Asia/Shanghai (docs/interfaces.md); the moment is given
    (the domain reads no clock)."""
    return clock.china_date(now)


def parse_month(month: Any) -> tuple[date, date]:
    """"YYYY-MM" -> (first day, last day). Raises ValueError on anything else."""
    if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
        raise ValueError("month must be YYYY-MM")
    first = date(int(month[:4]), int(month[5:]), 1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def active_in_month(start: date, end: date | None, first: date, last: date) -> bool:
    """Contributions are due for the month of enrolment and the month of leaving (增员当月起缴,
    减员次月停缴): a person counts for a month when employed on any day of it."""
    return start <= last and (end is None or end >= first)


# ---- screening -------------------------------------------------------------------------------


def employer_review_reasons(district_code: str, work_injury: dict[str, Any] | None = WORK_INJURY_UNCHECKED) -> list[str]:
    """Why an employer registration needs a clerk; empty = standard, register automatically.

    Missing contribution figures are not a reason: the figures in force continue, marked provisional
    (contracts.contributions). No work-injury risk class (no scope item with a known industry) is."""
    reasons = []
    if not is_known_district(district_code):
        reasons.append(f"登记机关所在区（{district_code}）不在本系统服务范围内，需人工核定经办机构")
    if work_injury is None:
        reasons.append("经营范围无法确定工伤保险行业风险类别（人社部发〔2015〕71号），需人工核定")
    return reasons


def employee_review_reasons(employee: Employee, established_on: date, today: date) -> list[str]:
    """Why a form employee's enrolment needs a clerk; empty = standard, enrol automatically."""
    reasons = []
    if not is_valid_resident_id(employee.resident_id, today):
        reasons.append("身份证号码校验未通过，需核对本人身份证件")
    if employee.monthly_wage <= 0:
        reasons.append("月工资应大于0元，需核实")
    return reasons


def form_start_date(employee: Employee, established_on: date) -> date:
    """When a form employee's insurance starts: the chosen day, never before the company exists.

    The founder picks a day on or after submission; the licence may be issued a day or two later,
    so a start before establishment is normal and means "from establishment", not a clerk's case.
    """
    return max(employee.start_date or established_on, established_on)


@dataclass(frozen=True)
class NewEmployee:
    name: str
    resident_id: str
    start_date: date
    monthly_wage: Decimal


def parse_new_employee(raw: Any, established_on: date, today: date) -> tuple[NewEmployee | None, list[FieldError]]:
    """Check an enrolment request; field errors are named exactly as the gateway body names them."""
    if not isinstance(raw, dict):
        return None, [FieldError(field="employee", message="员工信息格式不正确")]
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message))

    for extra in sorted(set(raw) - set(EMPLOYEE_FIELDS)):
        err(str(extra), "表单中没有这一项")

    name = raw.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not 2 <= len(name) <= 40:
        err("name", "请填写员工姓名（2至40个字）")

    resident_id = raw.get("resident_id")
    resident_id = resident_id.strip().upper() if isinstance(resident_id, str) else ""
    if not is_valid_resident_id(resident_id, today):
        err("resident_id", "身份证号码无效：请核对出生日期和最后一位校验码")

    start = _parse_date(raw.get("start_date"), today)
    if start is None:
        err("start_date", "日期格式应为 YYYY-MM-DD")
    elif start < established_on:
        err("start_date", f"入职日期不能早于单位成立日期{established_on.isoformat()}")
    elif start > today + MAX_START_AHEAD:
        err("start_date", "入职日期不能晚于一年以后")

    wage = _parse_money(raw.get("monthly_wage"))
    if wage is None:
        err("monthly_wage", "请填写金额数字，如 8000.00（最多两位小数）")
    elif wage <= 0:
        err("monthly_wage", "月工资应大于0元")

    if errors:
        return None, errors
    return NewEmployee(name, resident_id, start, wage), []  # type: ignore[arg-type]


def _parse_date(value: Any, today: date) -> date | None:
    if value is None or value == "":
        return today  # omitted: employed from today
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None  # floats are refused: money travels as decimal strings
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("1e13"):
        return None
    return amount
