"""The tax declarations (纳税申报) the bureau expects of a company, and what a closing (清税) finds missing.

《中华人民共和国税收征收管理法》第二十五条: 纳税人必须依照法律、行政法规规定或者税务机关依照法律、行政法规的规定
确定的申报期限、申报内容如实办理纳税申报. 《税收征收管理法实施细则》第十五条 (注销): before deregistering, the
taxpayer 结清应纳税款、多退（免）税款、滞纳金和罚款，缴销发票, so every declaration due must be on file; the 清税
(《国家税务总局关于深化"放管服"改革 更大力度推进优化税务注销办理程序工作的通知》税总发〔2019〕64号) checks it.

What is expected: one declaration per period from the period the tax registration falls in up to the last
period that has ended on the day of the check; the period still running is declared with the 清税申报
itself (not modelled). A period is a quarter for a small-scale taxpayer (增值税小规模纳税人 按季申报) and a
month for a general taxpayer. A 零申报 is a declaration. ⚠️ Simplified, said plainly: one declaration per
period stands for every tax of that period (VAT, surcharges, withheld IIT), the amount is what the company
states (nothing is computed or collected), and late filing records no 滞纳金. Stored in its own collection,
`declarations` (`_id` "<uscc>:<period>", services/tax/store.py); the use cases are in workflow.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contracts import clock
from contracts.events import Blocker
from contracts.rpc import Conflict, FieldError, Invalid
from contracts.rpc.tax import DeclarationRequest
from services.tax.domain.invoices import parse_model

QUARTERLY = "small_scale"


def quarterly(registration: dict[str, Any]) -> bool:
    return registration.get("taxpayer_type") == QUARTERLY


def period_of(day: date, by_quarter: bool) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if by_quarter else f"{day.year}-{day.month:02d}"


def next_period(period: str) -> str:
    year, part = period.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"{int(year) + (q == 4)}-Q{q % 4 + 1}"
    m = int(part)
    return f"{int(year) + (m == 12)}-{m % 12 + 1:02d}"


def label(period: str) -> str:
    year, part = period.split("-")
    return f"{year}年第{part[1:]}季度" if part.startswith("Q") else f"{year}年{int(part)}月"


def first_and_current(registration: dict[str, Any], today: date) -> tuple[str, str]:
    """The period the tax registration falls in (a day in China) and the one running today."""
    by_quarter = quarterly(registration)
    return period_of(clock.china_date(registration["registered_at"]), by_quarter), period_of(today, by_quarter)


def expected(registration: dict[str, Any], today: date) -> list[str]:
    """The periods that have ended since the tax registration: each needs a declaration."""
    period, current = first_and_current(registration, today)
    out = []
    while period < current:
        out.append(period)
        period = next_period(period)
    return out


def listed_periods(registration: dict[str, Any], filed: Iterable[str], today: date) -> list[str]:
    """What a listing shows: every period expected so far and any filed (the running one may be)."""
    return sorted(set(expected(registration, today)) | set(filed))


def missing(registration: dict[str, Any], filed: Iterable[str], today: date) -> list[Blocker]:
    """Every expected declaration not on file, as a closing's tax clearance names it."""
    on_file = set(filed)
    return [Blocker(item=f"{label(p)}的纳税申报尚未办理（《税收征收管理法》第二十五条）",
                    todo="请办理该期纳税申报（无应纳税额的作零申报），再申请重新核查")
            for p in expected(registration, today) if p not in on_file]


def parse_declaration(registration: dict[str, Any], raw: Any, today: date) -> DeclarationRequest:
    """The request, checked: a quarter for a small-scale taxpayer, a month for a general one, and a
    period from the registration's up to the one running today."""
    request = parse_model(DeclarationRequest, raw, "申报内容需要修改")
    by_quarter = quarterly(registration)
    if request.period[5:].startswith("Q") != by_quarter:
        raise Invalid.with_fields("申报期不符", [FieldError(field="period", message=(
            "小规模纳税人按季申报，如 2026-Q4" if by_quarter else "一般纳税人按月申报，如 2026-11"))])
    first, current = first_and_current(registration, today)
    if not first <= request.period <= current:
        raise Invalid.with_fields("申报期不在登记以来的期间内", [FieldError(
            field="period", message=f"可申报 {label(first)} 至 {label(current)}")])
    return request


def declaration_id(uscc: str, period: str) -> str:
    return f"{uscc}:{period}"


def new_declaration(registration: dict[str, Any], request: DeclarationRequest, now: datetime) -> dict[str, Any]:
    uscc = registration["_id"]
    return {"_id": declaration_id(uscc, request.period), "uscc": uscc, "period": request.period,
            "tax_due": str(request.tax_due), "filed_at": now}


def check_same_declaration(stored: dict[str, Any], request: DeclarationRequest) -> None:
    """A period is declared once: the same amount again is a retry, another amount a 更正申报 (not modelled)."""
    if Decimal(stored["tax_due"]) != request.tax_due:
        raise Conflict(f"{label(request.period)}已申报（应纳税额{stored['tax_due']}元），更正申报请到办税服务厅办理")
