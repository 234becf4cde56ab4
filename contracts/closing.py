"""Closing a company (注销) by the simplified procedure (简易注销): the request, the notice period and
objections. Pure: no I/O.

《市场主体登记管理条例》 (国务院令第746号) art. 33: a company with no debts (or debts settled), no unpaid
liquidation costs, wages, social insurance, compensation or taxes, whose investors all commit in writing
that this is true, may deregister by the simplified procedure; the commitment and the application are
published on 国家企业信用信息公示系统 for **20 日**, and when no department, creditor or other interested
party objects in that period, the company may apply for deregistration within 20 日 of its end.
The 条例 says 工作日 where it means working days (art. 19: 3个工作日内予以登记), so 20 日 here are calendar
days; counted from the day after publication (民法典 art. 201), and a period whose last day is a statutory
rest day ends on the next working day (民法典 art. 203). ⚠️ The 实施细则 (总局令第52号) articles on the
simplified procedure (objections through the 公示系统, a 3-working-day decision after the notice) were read
in third-party summaries only. The founder's one request here is both the published application and the
application after the notice: registration deregisters as soon as the notice is over and every bureau
has cleared. A company still blocked then has the second window of art. 33 to clear (`apply_by`: 20
日 from the notice's end, counted like the notice); when it passes with a blocker left, the simplified
closing lapses (the company stays registered and may start again, or take the general procedure).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from contracts.calendar import is_working_day
from contracts.form import STRICT, pydantic_field_errors
from contracts.rpc import FieldError, Invalid
from contracts.text import VisibleText

NOTICE_DAYS = 20  # 条例 art. 33: 公示期为20日 (calendar days)
APPLY_WITHIN_DAYS = 20  # 条例 art. 33: 公示期届满之日起20日内 may apply

STATE_LABELS = {
    "noticed": "公示中", "awaiting_clearance": "公示期满，待各部门清结", "deregistered": "已注销",
    "objected": "公示期内有异议，不予简易注销",
    "lapsed": "公示期满后20日内未清结，简易注销申请失效",
}


class ClosingRequest(BaseModel):
    model_config = STRICT
    kind: Literal["simplified"] = "simplified"
    # 全体投资人承诺书: no debts, wages, social insurance or taxes outstanding (条例 art. 33)
    commitment: bool


class ObjectionRequest(BaseModel):
    model_config = STRICT
    objector: VisibleText  # a department, creditor or other interested party (kept by registration only)
    reason: VisibleText


def parse_closing(data: Any) -> ClosingRequest:
    request = parse_model(ClosingRequest, data, "注销申请有内容需要修改")
    if not request.commitment:
        raise Invalid.with_fields("简易注销须全体投资人承诺", [FieldError(
            field="commitment", message="请确认全体投资人承诺：未发生债权债务或已清偿完结，无未结清的工资、社会保险费、税款（条例第三十三条）")])
    return request


def parse_objection(data: Any) -> ObjectionRequest:
    objection = parse_model(ObjectionRequest, data, "异议有内容需要修改")
    if not (1 <= len(objection.objector) <= 60):
        raise Invalid.with_fields("异议人无效", [FieldError(field="objector", message="请填写异议人名称（60字以内）")])
    if not (2 <= len(objection.reason) <= 500):
        raise Invalid.with_fields("异议理由无效", [FieldError(field="reason", message="请简要说明异议理由（2-500字）")])
    return objection


def parse_model(model: type[BaseModel], data: Any, message: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid.with_fields(message, pydantic_field_errors(exc)) from None


def period_ends_on(published_on: date, days: int) -> date:
    """The last day of a period of `days` calendar days counted from the day after publication (民法典
    art. 201), moved to the next working day when it is a statutory rest day (art. 203)."""
    last = published_on + timedelta(days=days)
    while not is_working_day(last):
        last += timedelta(days=1)
    return last


def notice_ends_on(published_on: date) -> date:
    """The notice period's last day: 20 calendar days from the day after publication, moved past rest days."""
    return period_ends_on(published_on, NOTICE_DAYS)


def apply_by(notice_ends: date) -> date:
    """The last day to apply after the notice (条例 art. 33: 公示期届满之日起20日内)."""
    return period_ends_on(notice_ends, APPLY_WITHIN_DAYS)


def notice_over(ends_on: date, today: date) -> bool:
    return today > ends_on
