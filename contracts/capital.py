"""Registered capital decreases (减少注册资本): the creditor notice period the change must wait out.

《中华人民共和国公司法》 (2023修订, in force 2024-07-01) art. 224: a company that decreases its registered
capital draws up a balance sheet and an inventory of assets; it notifies its creditors within 10 日 of the
shareholders' resolution and publishes a notice in a newspaper or on 国家企业信用信息公示系统 within 30 日;
creditors may demand payment or a guarantee within 30 日 of the notification or, not notified, within
**45 日** of the publication. The decrease is registered only after that period (the registration
authority's practice: the application carries the notice and the 债务清偿或担保情况说明 once it has run).
Here registration publishes the notice on the day of the request (the 公示系统 is its own), and
registers the change when the 45 days after publication are over: calendar days (the law says 工作日
where it means working days), counted from the day after publication and moved past a rest day
(民法典 arts. 201, 203), on the injectable clock. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.closing import period_ends_on

NOTIFY_CREDITORS_DAYS = 10  # art. 224: 自股东会作出减少注册资本决议之日起十日内通知债权人
PUBLISH_WITHIN_DAYS = 30  # art. 224: 并于三十日内在报纸上或者国家企业信用信息公示系统公告
CLAIM_DAYS_NOTIFIED = 30  # art. 224: 债权人自接到通知之日起三十日内
CLAIM_DAYS_PUBLISHED = 45  # art. 224: 未接到通知的自公告之日起四十五日内


def is_decrease(before: Decimal, after: Decimal) -> bool:
    return after < before


def creditor_period_ends_on(published_on: date) -> date:
    """The last day creditors not notified may still claim (45 days from the publication)."""
    return period_ends_on(published_on, CLAIM_DAYS_PUBLISHED)
