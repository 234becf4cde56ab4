"""General deregistration (一般注销): liquidation (清算) by a liquidation group, then deregistration.

《中华人民共和国公司法》 (2023修订):
- art. 232: the directors (清算义务人) form the liquidation group (清算组) within **15 日** of the cause of
  dissolution;
- art. 235: the group notifies the creditors within **10 日** of its formation and publishes a notice in a
  newspaper or on 国家企业信用信息公示系统 within **60 日**; creditors declare their claims within 30 日 of
  the notification or, not notified, within **45 日** of the publication;
- art. 236: no distribution to shareholders before the debts are paid;
- art. 239: when the liquidation is over the group makes a liquidation report (清算报告), has it confirmed
  by the shareholders' meeting (or the court), and submits it to the registration authority to apply
  for deregistration.
Here the founder files the group with registration (清算组备案), which publishes the creditor notice on
the 公示系统 the same day; the 45-day declaration period runs on the injectable clock (counted like the
simplified notice: contracts.closing.period_ends_on); every bureau checks its records meanwhile; the
report is accepted only after the period; registration deregisters once the report is in and every
bureau has cleared. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from contracts.closing import parse_model, period_ends_on
from contracts.form import STRICT
from contracts.rpc import FieldError, Invalid
from contracts.text import VisibleText

GROUP_WITHIN_DAYS = 15  # art. 232: 应当在解散事由出现之日起十五日内组成清算组
NOTIFY_WITHIN_DAYS = 10  # art. 235: 自成立之日起十日内通知债权人
PUBLISH_WITHIN_DAYS = 60  # art. 235: 并于六十日内在报纸上或者国家企业信用信息公示系统公告
CLAIM_DAYS_NOTIFIED = 30  # art. 235: 债权人应当自接到通知之日起三十日内
CLAIM_DAYS_PUBLISHED = 45  # art. 235: 未接到通知的自公告之日起四十五日内，向清算组申报其债权

STATE_LABELS = {"liquidating": "清算中（债权申报期）", "awaiting_report": "债权申报期满，待报送清算报告"}


class LiquidationRequest(BaseModel):
    model_config = STRICT
    dissolved_on: date  # 解散事由出现之日 (e.g. the shareholders' resolution to dissolve)
    formed_on: date  # 清算组成立之日
    members: list[VisibleText] = Field(min_length=1, max_length=9)  # 清算组成员
    leader: VisibleText  # 清算组负责人
    creditors_notified: bool  # the known creditors notified (or to be, within 10 日 of the formation)


class ReportRequest(BaseModel):
    model_config = STRICT
    shareholders_confirmed: bool  # art. 239: 报股东会确认
    summary: VisibleText = Field(min_length=2, max_length=2000)  # what was paid, to whom, what is left


def parse_liquidation(data: Any, today: date) -> LiquidationRequest:
    request = parse_model(LiquidationRequest, data, "清算组备案有内容需要修改")
    errors = []
    if request.dissolved_on > today:
        errors.append(FieldError(field="dissolved_on", message="解散事由出现之日不能晚于今天"))
    if request.formed_on < request.dissolved_on or request.formed_on > today:
        errors.append(FieldError(field="formed_on", message="清算组成立之日应在解散事由出现之后、今天之前"))
    elif request.formed_on > request.dissolved_on + timedelta(days=GROUP_WITHIN_DAYS):
        errors.append(FieldError(field="formed_on", message=(
            f"清算组应当在解散事由出现之日起{GROUP_WITHIN_DAYS}日内组成（公司法第二百三十二条），已逾期的请向人民法院申请指定清算组")))
    if request.leader not in request.members:
        errors.append(FieldError(field="leader", message="清算组负责人应为清算组成员之一"))
    if not request.creditors_notified:
        errors.append(FieldError(field="creditors_notified", message=(
            f"清算组应当自成立之日起{NOTIFY_WITHIN_DAYS}日内通知债权人（公司法第二百三十五条）：请确认已通知")))
    if errors:
        raise Invalid.with_fields(f"清算组备案有{len(errors)}处需要修改", errors)
    return request


def parse_report(data: Any) -> ReportRequest:
    report = parse_model(ReportRequest, data, "清算报告有内容需要修改")
    if not report.shareholders_confirmed:
        raise Invalid.with_fields("清算报告须经股东会确认", [FieldError(
            field="shareholders_confirmed", message="清算报告应当报股东会确认后报送登记机关（公司法第二百三十九条）")])
    return report


def claims_end_on(published_on: date) -> date:
    """The last day creditors not notified may declare (45 日 from the publication)."""
    return period_ends_on(published_on, CLAIM_DAYS_PUBLISHED)


def steps(liquidation: dict[str, Any], published_on: date, report_on: str | None,
          deregistered_on: str | None) -> list[dict[str, Any]]:
    """The liquidation's steps for the founder's timeline: each with its legal deadline and when done."""
    dissolved, formed = date.fromisoformat(liquidation["dissolved_on"]), date.fromisoformat(liquidation["formed_on"])
    claims = claims_end_on(published_on)
    return [
        {"step": "group_formed", "label": "组成清算组（第二百三十二条）", "due": dissolved + timedelta(days=GROUP_WITHIN_DAYS),
         "done_on": formed},
        # the group affirmed it at the filing (the notices themselves are the group's, not registration's)
        {"step": "creditors_notified", "label": "通知债权人（第二百三十五条，清算组已确认）",
         "due": formed + timedelta(days=NOTIFY_WITHIN_DAYS), "done_on": published_on},
        {"step": "notice_published", "label": "国家企业信用信息公示系统公告（第二百三十五条）",
         "due": formed + timedelta(days=PUBLISH_WITHIN_DAYS), "done_on": published_on},
        {"step": "claims_period", "label": f"债权申报期（公告之日起{CLAIM_DAYS_PUBLISHED}日）", "due": claims, "done_on": None},
        {"step": "report", "label": "清算报告经股东会确认后报送（第二百三十九条）", "due": None,
         "done_on": date.fromisoformat(report_on) if report_on else None},
        {"step": "deregistered", "label": "注销登记", "due": None,
         "done_on": date.fromisoformat(deregistered_on) if deregistered_on else None},
    ]
