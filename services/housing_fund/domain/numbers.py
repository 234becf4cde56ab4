"""The centre's fixed vocabulary, its numbers (our own convention: ONE function each) and the money rules."""

from __future__ import annotations

import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal

from contracts.rpc import Conflict, DocumentRef

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
