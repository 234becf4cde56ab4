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
states (nothing is computed or collected), and late filing records no 滞纳金. Kept small beside domain.py:
its own collection, `declarations` (`_id` "<uscc>:<period>").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from contracts import clock
from contracts.events import Blocker
from contracts.form import pydantic_field_errors
from contracts.rpc import Conflict, FieldError, Invalid
from contracts.rpc.tax import DeclarationRequest

if TYPE_CHECKING:
    from services.tax.store import TaxStore

QUARTERLY = "small_scale"


def _period_of(day: date, quarterly: bool) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if quarterly else f"{day.year}-{day.month:02d}"


def _next(period: str) -> str:
    year, part = period.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"{int(year) + (q == 4)}-Q{q % 4 + 1}"
    m = int(part)
    return f"{int(year) + (m == 12)}-{m % 12 + 1:02d}"


def label(period: str) -> str:
    year, part = period.split("-")
    return f"{year}年第{part[1:]}季度" if part.startswith("Q") else f"{year}年{int(part)}月"


def expected(registration: dict[str, Any], today: date) -> list[str]:
    """The periods that have ended since the tax registration: each needs a declaration."""
    quarterly = registration.get("taxpayer_type") == QUARTERLY
    period, current = _period_of(clock.china_date(registration["registered_at"]), quarterly), _period_of(today, quarterly)
    out = []
    while period != current and period < current:
        out.append(period)
        period = _next(period)
    return out


def listing(store: TaxStore, registration: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Every period expected so far (and any filed), with whether it is on file."""
    filed = store.declarations_of(registration["_id"])
    periods = sorted(set(expected(registration, today)) | set(filed))
    return [{"period": p, "label": label(p), "filed": p in filed,
             **({"tax_due": str(filed[p]["tax_due"]), "filed_at": clock.in_china(filed[p]["filed_at"]).isoformat()}
                if p in filed else {})} for p in periods]


def blockers(store: TaxStore, registration: dict[str, Any] | None, today: date) -> list[Blocker]:
    """Every expected declaration not on file, for a closing's tax clearance."""
    if registration is None:
        return []
    filed = store.declarations_of(registration["_id"])
    return [Blocker(item=f"{label(p)}的纳税申报尚未办理（《税收征收管理法》第二十五条）",
                    todo="请办理该期纳税申报（无应纳税额的作零申报），再申请重新核查")
            for p in expected(registration, today) if p not in filed]


def file(store: TaxStore, registration: dict[str, Any], raw: Any, today: date) -> dict[str, Any]:
    """One period's declaration, once (the same again is a retry; a different amount a 409: 更正申报
    is not modelled)."""
    try:
        request = DeclarationRequest.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("申报内容需要修改", pydantic_field_errors(exc)) from None
    quarterly = registration.get("taxpayer_type") == QUARTERLY
    if request.period[5:].startswith("Q") != quarterly:
        raise Invalid.with_fields("申报期不符", [FieldError(field="period", message=(
            "小规模纳税人按季申报，如 2026-Q4" if quarterly else "一般纳税人按月申报，如 2026-11"))])
    first, current = _period_of(clock.china_date(registration["registered_at"]), quarterly), _period_of(today, quarterly)
    if not first <= request.period <= current:
        raise Invalid.with_fields("申报期不在登记以来的期间内", [FieldError(
            field="period", message=f"可申报 {label(first)} 至 {label(current)}")])
    key = f"{registration['_id']}:{request.period}"
    doc = {"_id": key, "uscc": registration["_id"], "period": request.period,
           "tax_due": str(request.tax_due), "filed_at": clock.now()}
    stored = store.file_declaration(doc)
    if Decimal(stored["tax_due"]) != request.tax_due:
        raise Conflict(f"{label(request.period)}已申报（应纳税额{stored['tax_due']}元），更正申报请到办税服务厅办理")
    return {"period": stored["period"], "label": label(stored["period"]), "filed": True,
            "tax_due": stored["tax_due"], "filed_at": clock.in_china(stored["filed_at"]).isoformat()}
