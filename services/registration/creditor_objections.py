"""Creditors' objections to a capital decrease during its notice (《公司法》2023 第二百二十四条).

A creditor not notified may, within 45 days of the publication, demand that the company repay its debt
or provide a guarantee (notified creditors have 30 days from the notice, which falls inside that).
Anyone may file one on the public notice (no login; the gateway limits how often). It is kept on the
change (creditor and reason for the company only; the change's log says "a creditor objected"), and
the decrease is not registered (`ChangeDesk.settle_due`) until the company has recorded how it
answered every objection: debt settled or guarantee provided. Each write is conditional on the change
still being in its notice, so a late objection cannot slip in after the registration.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from contracts import clock
from contracts.changes import DEMANDS, OUTCOMES, parse_creditor_objection, parse_objection_answer
from contracts.closing import notice_over
from contracts.rpc import Conflict, NotFound
from services.registration import views
from services.registration.change_review import log_entry
from services.registration.store import RegistrationStore

NOTICED = "noticed"


def unanswered(change: dict) -> list[dict[str, Any]]:
    return [o for o in change.get("objections", []) if o.get("answer") is None]


def record(store: RegistrationStore, uscc: str, raw: Any) -> dict[str, Any]:
    """A creditor's objection to the company's open capital decrease (public: the answer says only
    that it was recorded and until when objections are taken)."""
    case = store.case_by_uscc(uscc) if isinstance(uscc, str) else None
    change = ((case or {}).get("changes") or {}).get((case or {}).get("open_change") or "")
    if change is None or change["state"] != NOTICED:
        raise NotFound("该企业没有正在公告的减少注册资本")
    objection = parse_creditor_objection(raw)
    now = clock.now()
    ends = change["creditor_period_ends_on"]
    if notice_over(date.fromisoformat(ends), clock.china_date(now)):
        raise Conflict(f"减资公告的债权申报期已于{ends}届满")
    field = f"changes.{change['id']}"
    entry = {"id": uuid4().hex[:12], "at": now, **objection.model_dump(), "answer": None}
    new = store.update_change(case["_id"], change["id"], NOTICED, open_=True, push={
        f"{field}.objections": entry,
        f"{field}.log": log_entry(f"有债权人提出异议（{DEMANDS[objection.demand]}），公司答复前不予办理减资登记", now)})
    if new is None:
        raise Conflict("该变更正在更新，请稍后重试")
    return views.creditor_objection_recorded(change["id"], ends)


def answer(store: RegistrationStore, case: dict, change_id: str, objection_id: str, raw: Any) -> dict:
    """The company records how it answered one objection (once); the change as it is now."""
    change = (case.get("changes") or {}).get(change_id)
    if change is None:
        raise NotFound(f"没有这项变更登记：{change_id}")
    objections = change.get("objections", [])
    i = next((n for n, o in enumerate(objections) if o["id"] == objection_id), None)
    if i is None:
        raise NotFound("没有这条债权人异议")
    body = parse_objection_answer(raw)
    if objections[i].get("answer") is not None:
        if objections[i]["answer"]["outcome"] == body.outcome:
            return change  # a retry
        raise Conflict("该异议已答复，不能更改")
    if change["state"] != NOTICED:
        raise Conflict("该变更已不在减资公告期，不能再答复异议")
    now = clock.now()
    field = f"changes.{change_id}"
    new = store.update_change(case["_id"], change_id, NOTICED, where={f"objections.{i}.answer": None},
                              set={f"{field}.objections.{i}.answer": {**body.model_dump(), "at": now}},
                              push={f"{field}.log": log_entry(f"公司答复债权人异议：{OUTCOMES[body.outcome]}", now)})
    if new is None:
        raise Conflict("该变更正在更新，请刷新后重试")
    return new["changes"][change_id]
