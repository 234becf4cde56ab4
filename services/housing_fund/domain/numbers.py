"""The centre's fixed vocabulary, its numbers (our own convention: ONE function each) and the money rules."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from contracts.rpc import DocumentRef
from kit import unit_rules
from kit.unit_rules import form_employee_id, request_employee_id  # noqa: F401 - the centre's ids are kit's

BUREAU = "housing_fund"
TASK_KIND = "deposit_registration"
ACTIONS = unit_rules.ACTIONS
CERTIFICATE = DocumentRef(name="housing_fund.certificate", title="住房公积金单位缴存登记证明")
ACCOUNT_DIGITS = 4
UNIT_ACCOUNT_RE = re.compile(r"^GJJ\d{14}$")
REVOKED = "不能再办理住房公积金开户"
TERMS = unit_rules.Terms(
    bureau=BUREAU, task_kind=TASK_KIND, number_prefix="GJJ", number_name="unit account",
    records_full="单位账号{unit}的个人账户已满{most}个", not_found="未找到统一社会信用代码为{uscc}的住房公积金单位登记",
    not_registered="该单位住房公积金缴存登记尚未办结（{state}），暂不能办理增减员", revoked=REVOKED,
    not_configured="该地区住房公积金缴存基数仍未配置，请先载入缴存基数再核准", record_digits=ACCOUNT_DIGITS)


# ---- numbers (our own convention: ONE function each) -------------------------------------------


def unit_account(district_code: str, year: int, sequence: int) -> str:
    """GJJ + the 6-digit district + the 2-digit year + a 6-digit per-district, per-year sequence."""
    return unit_rules.unit_number(TERMS, district_code, year, sequence)


def personal_account(unit: str, sequence: int) -> str:
    """The unit account + a 4-digit sequence kept inside the unit."""
    return unit_rules.record_number(TERMS, unit, sequence)


# ---- money ----------------------------------------------------------------------------------------


def deposit_base(monthly_wage: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    return unit_rules.held_between(monthly_wage, floor, ceiling)


def monthly_deposit(base: Decimal, rate_percent: int) -> Decimal:
    return (base * rate_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
