"""Social security's vocabulary and its numbers (our convention, DOMAIN.md §13: ONE function each), ids included."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts.bureaus import TARGET_DAYS
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


def employer_of_record(record_no: str) -> str:
    """The employer number a record number was made from (`record_number`'s inverse)."""
    return record_no[:-5]


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
