"""Social-insurance rules (社会保险法, 住房公积金管理条例) as pure functions: no I/O, no broker.

Numbers: the formats are OUR convention (DOMAIN.md §13); each lives in exactly one function so a
bureau can change it in one place. Money is Decimal, rounded ROUND_HALF_UP to the fen per insurance
kind and party; totals are sums of the rounded amounts, which is what a payslip shows.

A revoked licence (营业执照被吊销) stops what would grow the company here: no new insured staff and no
clerk approval of a pending registration or enrolment (`REFUSED_WHEN_REVOKED`). Winding down stays
open, since the people insured keep their rights: ending employment, contributions owed, the
certificate, and a clerk rejecting a pending task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts import clock
from contracts.bureaus import TARGET_DAYS
from contracts.codes import is_known_district, is_valid_resident_id
from contracts.contributions import INSURANCE_KINDS, Bounds, Policy, Rate
from contracts.events import Blocker, CompanyChanged
from contracts.form import Employee
from contracts.rpc import FieldError
from contracts.rpc.social_security import EmployeeEnrolment

FEN = Decimal("0.01")

# The three social insurances an employer registers for here. Medical insurance with maternity
# (国办发〔2019〕10号 merged them) is the 医疗保障局's since 2018 (services/medical_insurance), the
# housing fund the 住房公积金管理中心's (services/housing_fund).
INSURANCE_LABELS = {
    "pension": "养老保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
}

WORK_INJURY_UNCHECKED: dict[str, Any] = {}  # an employer registered before the class was recorded
TASK_EMPLOYER = "employer_registration"
TASK_EMPLOYEE = "employee_enrolment"
CLERK_WORKING_DAYS = TARGET_DAYS["social_security"]  # the manifest: one working day, the start-up targets two
MAX_START_AHEAD = timedelta(days=365)
EMPLOYEE_FIELDS = tuple(EmployeeEnrolment.model_fields)  # the contract the gateway validates too


# ---- numbers (our convention, DOMAIN.md §13) -------------------------------------------------


def employer_number(district_code: str, year: int, sequence: int) -> str:
    """单位社保登记号: 6-digit district + 4-digit year + 6-digit sequence per district and year."""
    if not 0 < sequence < 10**6:
        raise ValueError(f"employer sequence out of range: {sequence}")
    return f"{district_code}{year:04d}{sequence:06d}"


def record_number(employer_no: str, sequence: int) -> str:
    """个人参保记录号 (internal): employer number + 5-digit sequence within that employer.

    The person's social security number is their citizen ID number (社会保险法 art. 58); this record
    number identifies one enrolment and is safe to show and to put in events.
    """
    if not 0 < sequence < 10**5:
        raise ValueError(f"record sequence out of range: {sequence}")
    return f"{employer_no}{sequence:05d}"


def form_employee_id(application_id: str, index: int) -> str:
    """Deterministic id of the enrolment for the form's employee #index: a redelivered
    `licence_issued` maps to the same id, so it can never enrol that person twice."""
    return uuid5(NAMESPACE_URL, f"onestop:social_security:{application_id}:employee:{index}").hex


def request_employee_id(uscc: str, request_id: str) -> str:
    """Same (employer, request_id) -> same enrolment: a retried RPC returns the first result."""
    return uuid5(NAMESPACE_URL, f"onestop:social_security:{uscc}:request:{request_id}").hex


def employment_number(record_no: str) -> str:
    """就业登记编号 (our convention): JY + the enrolment's record number, so an enrolment and its
    employment registration are one record and can never be numbered apart."""
    return f"JY{record_no}"


def task_id(application_id: str, kind: str, index: int | None = None) -> str:
    suffix = "" if index is None else f":{index}"
    return uuid5(NAMESPACE_URL, f"onestop:social_security:{application_id}:{kind}{suffix}").hex


# ---- time ------------------------------------------------------------------------------------


def local_today(now: datetime | None = None) -> date:
    """The working day of a moment is its date in Asia/Shanghai (docs/interfaces.md)."""
    return clock.china_date(now or clock.now())


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


# ---- licence revocation ----------------------------------------------------------------------

# What a revoked company may no longer do here, keyed by the action (the RPC, or the kind of task a
# clerk would approve), worded as the end of the refusal the founder or clerk reads.
REFUSED_WHEN_REVOKED = {
    "enrol_employee": "不能再为员工办理参保登记",
    TASK_EMPLOYER: "不能再核准单位社保登记",
    TASK_EMPLOYEE: "不能再核准员工参保",
}


# ---- contributions ---------------------------------------------------------------------------


def contribution_base(monthly_wage: Decimal, bounds: Bounds) -> Decimal:
    """缴费基数: the wage clamped to the year's floor (下限) and ceiling (上限)."""
    return min(max(monthly_wage, bounds.floor), bounds.ceiling).quantize(FEN, ROUND_HALF_UP)


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, ROUND_HALF_UP)


def employee_contribution(monthly_wage: Decimal, policy: Policy, work_injury_rate: Decimal | None = None) -> dict[str, Any]:
    """One person's monthly contributions: per kind {base, employer, personal}, and both totals.

    Work injury is the employer's alone, at its industry risk class's rate (services/social_security/
    injury.py); the figure file's work-injury rate applies only to an employer without a recorded class."""
    kinds: dict[str, dict[str, Decimal]] = {}
    base = contribution_base(monthly_wage, policy.base)
    for kind in INSURANCE_KINDS:
        rate = policy.rates[kind]
        if kind == "work_injury" and work_injury_rate is not None:
            rate = Rate(employer=work_injury_rate, personal=Decimal(0))
        kinds[kind] = {"base": base, "employer": fen(base * rate.employer), "personal": fen(base * rate.personal)}
    return {
        "base": base,
        "kinds": kinds,
        "employer": sum((k["employer"] for k in kinds.values()), Decimal("0.00")),
        "personal": sum((k["personal"] for k in kinds.values()), Decimal("0.00")),
    }


def month_contributions(staff: list[dict[str, Any]], policy: Policy, work_injury: dict[str, Any] | None = None) -> dict[str, Any]:
    """Contributions for a month: `staff` are the people employed in it ({employee_id, name,
    monthly_wage}); returns per employee and totals, Decimals as strings (the wire is JSON)."""
    rows = []
    total_employer = total_personal = Decimal("0.00")
    for person in staff:
        owed = employee_contribution(Decimal(str(person["monthly_wage"])), policy,
                                     Decimal(work_injury["rate"]) if work_injury else None)
        total_employer += owed["employer"]
        total_personal += owed["personal"]
        rows.append({
            "employee_id": person["employee_id"],
            "name": person["name"],
            "contribution_base": str(owed["base"]),
            "kinds": {k: {p: str(v) for p, v in parts.items()} for k, parts in owed["kinds"].items()},
            "employer": str(owed["employer"]),
            "personal": str(owed["personal"]),
            "total": str(owed["employer"] + owed["personal"]),
        })
    return {
        "employees": rows,
        "totals": {
            "employer": str(total_employer),
            "personal": str(total_personal),
            "total": str(total_employer + total_personal),
            "headcount": len(rows),
        },
        "policy": policy.view(),
        "work_injury": work_injury,
        "provisional": policy.provisional,
    }


def change_answer(employer: dict[str, Any], event: CompanyChanged) -> tuple[str, dict, dict]:
    """A change of details at social security: the employer's registered items follow the licence;
    every district here is in the Wuhan pool, so the employer number and the staff's insurance stay.
    Returns (the founder's line, the answer's detail, the employer fields to set)."""
    licence = event.licence
    fields = {"company_name": licence.company_name, "district_code": licence.district_code,
              "domicile": licence.domicile, "licence_version": event.version}
    number = employer.get("employer_number")
    summary = f"单位社保登记信息已更新，单位编号{number}不变，在职员工参保关系不变" if number else \
        "单位社保登记信息已更新"
    return summary, {"employer_number": number, "district_code": licence.district_code}, fields


def clearance_blockers(active_staff: list[dict[str, Any]]) -> list[Blocker]:
    """A closing: every employee still insured must be ended first (减员)."""
    return [Blocker(item=f"职工{p.get('name', '')}仍在本单位参保", todo="为该职工办理减员（停止参保）后重新核查")
            for p in active_staff]
