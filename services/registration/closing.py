"""Closing a company (注销) by the simplified procedure (简易注销, contracts.closing): one request, a
20-day public notice, objections, every bureau's clearance, then deregistration.

The closure lives inside the company's case document (`closures.<id>`, `open_closure`), so opening the
notice, recording an answer or an objection, and deregistering (licence dead, closure done,
`company_deregistered` in the outbox) are each ONE conditional write: a replayed request, a
redelivered answer or a worker killed at any point leaves one closure and at most one deregistration.
The end of the notice is driven by the service's timer on contracts.clock (`settle_due`): after the
last notice day, an objection ends the closure (不予简易注销), all bureaus cleared deregisters, and
otherwise the closure waits for the founder to clear the blockers and ask for a new check.
The name then enters the period in which it cannot be reused (names.barred_until, 规定 art. 17).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from contracts import clock
from contracts.bureaus import CLOSING_ANSWERERS, bureau
from contracts.closing import (
    apply_by,
    notice_ends_on,
    notice_over,
    parse_closing,
    parse_objection,
)
from contracts.events import ClearanceAnswered, ClearanceRequested, CompanyDeregistered
from contracts.liquidation import claims_end_on, parse_liquidation, parse_report
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from kit.outbox import Dispatch, outbox_entry
from services.registration import views
from services.registration.changes import CHANGE_ID, MAX_ATTEMPTS, own_case
from services.registration.store import RegistrationStore

log = logging.getLogger(__name__)
OPEN = ("noticed", "awaiting_clearance", "liquidating", "awaiting_report")
LABELS_OF = views.CLOSURE_STATE_LABELS


def _check_id(closure_id: Any) -> None:
    if not isinstance(closure_id, str) or not CHANGE_ID.match(closure_id):
        raise Invalid.with_fields("注销申请编号无效", [FieldError(field="closure_id", message="8-64位字母、数字、-或_")])


def all_cleared(closure: dict) -> bool:
    answers = closure.get("answers") or {}
    return all(b in answers and answers[b]["attempt"] == closure["attempt"] and not answers[b]["blockers"]
               for b in closure["awaiting"])


class ClosingDesk:
    def __init__(self, store: RegistrationStore, dispatch: Dispatch):
        self.store, self.dispatch = store, dispatch

    def _case(self, uscc: str, founder_id: str) -> dict:
        return own_case(self.store, uscc, founder_id)

    # ---- the founder's request and new checks

    def request(self, uscc: str, founder_id: str, closure_id: str, raw: Any) -> dict[str, Any]:
        _check_id(closure_id)
        for _ in range(MAX_ATTEMPTS):
            case = self._case(uscc, founder_id)
            done = (case.get("closures") or {}).get(closure_id)
            if done is not None:
                return views.closure_view(done)  # the same request again: the same closure
            refuse_if_busy(case)
            request = parse_closing(raw)
            now = clock.now()
            published = clock.china_date(now)
            awaiting = [b for b in CLOSING_ANSWERERS if bureau(b).requested(case["form"])]
            closure = {"id": closure_id, "uscc": case["licence"]["uscc"], "kind": request.kind, "state": "noticed",
                       "commitment": True, "notice_from": published.isoformat(),
                       "notice_ends_on": notice_ends_on(published).isoformat(), "awaiting": awaiting, "attempt": 1,
                       "answers": {}, "objections": [], "created_at": now}
            view = self._open(case, closure)
            if view is not None:
                return view
        raise Conflict("企业登记信息正在更新，请稍后再提交")

    def request_general(self, uscc: str, founder_id: str, closure_id: str, raw: Any) -> dict[str, Any]:
        """一般注销: the liquidation group filed, the creditor notice published today, every bureau asked
        to check; the report follows the 45-day declaration period (contracts.liquidation)."""
        _check_id(closure_id)
        case = self._case(uscc, founder_id)
        done = (case.get("closures") or {}).get(closure_id)
        if done is not None:
            return views.closure_view(done)
        refuse_if_busy(case)
        now = clock.now()
        published = clock.china_date(now)
        request = parse_liquidation(raw, published)
        closure = {"id": closure_id, "uscc": case["licence"]["uscc"], "kind": "general", "state": "liquidating",
                   "liquidation": request.model_dump(mode="json"), "notice_from": published.isoformat(),
                   "notice_ends_on": claims_end_on(published).isoformat(),
                   "awaiting": [b for b in CLOSING_ANSWERERS if bureau(b).requested(case["form"])], "attempt": 1,
                   "answers": {}, "objections": [], "created_at": now}
        view = self._open(case, closure)
        if view is None:
            raise Conflict("企业登记信息正在更新，请稍后再提交")
        return view

    def _open(self, case: dict, closure: dict) -> dict[str, Any] | None:
        """The closure, its state and `clearance_requested` in one conditional write (nothing else open)."""
        closure_id = closure["id"]
        entry = outbox_entry(self._clearance(case, closure))
        new = self.store.open_closure(case["_id"], closure, entry)
        if new is None:
            return None
        self.store.flush(case["_id"], [entry], self.dispatch)
        log.info("closure opened (%s)", closure["kind"], extra={"application_id": case["_id"]})
        return views.closure_view(new["closures"][closure_id])

    def file_report(self, uscc: str, founder_id: str, closure_id: str, raw: Any) -> dict[str, Any]:
        """The liquidation report (art. 239), once the declaration period is over; deregisters at once
        when every bureau has cleared already."""
        case = self._case(uscc, founder_id)
        closure = _closure(case, closure_id)
        if closure["kind"] != "general":
            raise NotFound("简易注销无需报送清算报告")
        if closure.get("report"):
            return views.closure_view(closure)  # filed already
        if closure["state"] not in OPEN:
            raise Conflict(f"该注销申请已{LABELS_OF[closure['state']]}")
        report = parse_report(raw)
        now = clock.now()
        if not notice_over(date.fromisoformat(closure["notice_ends_on"]), clock.china_date(now)):
            raise Conflict(f"债权申报期至{closure['notice_ends_on']}届满，届满后才能报送清算报告（公司法第二百三十五条）")
        field = f"closures.{closure_id}"
        new = self.store.update_closure(case["_id"], closure_id, state=list(OPEN), without="report",
                                        set={f"{field}.report": {**report.model_dump(mode="json"), "at": now,
                                                                 "filed_on": clock.china_date(now).isoformat()}})
        if new is None:
            raise Conflict("该注销申请正在更新，请刷新后重试")
        self.settle(new, now)
        return views.closure_view(self.store.get_case(case["_id"])["closures"][closure_id])

    @staticmethod
    def _clearance(case: dict, closure: dict) -> ClearanceRequested:
        return ClearanceRequested(application_id=case["_id"], uscc=closure["uscc"], closure_id=closure["id"],
                                  attempt=closure["attempt"], notice_ends_on=date.fromisoformat(closure["notice_ends_on"]),
                                  answerers=closure["awaiting"])

    def recheck(self, uscc: str, founder_id: str, closure_id: str) -> dict[str, Any]:
        """The founder cleared blockers: every bureau checks again (attempt + 1)."""
        case = self._case(uscc, founder_id)
        closure = _closure(case, closure_id)
        if closure["state"] not in OPEN:
            raise Conflict(f"该注销申请已{LABELS_OF[closure['state']]}，不能重新核查")
        again = {**closure, "attempt": closure["attempt"] + 1}
        entry = outbox_entry(self._clearance(case, again))
        field = f"closures.{closure_id}"
        new = self.store.update_closure(case["_id"], closure_id, attempt=closure["attempt"],
                                        set={f"{field}.attempt": again["attempt"]}, push={"outbox": entry})
        if new is None:
            raise Conflict("该注销申请正在更新，请刷新后重试")
        self.store.flush(case["_id"], [entry], self.dispatch)
        return views.closure_view(new["closures"][closure_id])

    # ---- objections (anyone, during the notice)

    def object(self, uscc: str, raw: Any) -> dict[str, Any]:
        case = self.store.case_by_uscc(uscc) if isinstance(uscc, str) else None
        closure = (case or {}).get("closures", {}).get((case or {}).get("open_closure") or "")
        if closure is None or closure["state"] != "noticed":
            raise NotFound("该企业没有正在公示的简易注销")
        objection = parse_objection(raw)
        now = clock.now()
        if notice_over(date.fromisoformat(closure["notice_ends_on"]), clock.china_date(now)):
            raise Conflict(f"简易注销公示期已于{closure['notice_ends_on']}届满，异议须书面向登记机关提出")
        field = f"closures.{closure['id']}"
        new = self.store.update_closure(
            case["_id"], closure["id"], state="noticed",
            push={f"{field}.objections": {"at": now, "objector": objection.objector, "reason": objection.reason}})
        if new is None:
            raise Conflict("该注销申请正在更新，请稍后重试")
        return views.closure_objection_recorded(closure["id"], closure["notice_ends_on"])

    # ---- the bureaus' answers and the end of the notice

    def on_answer(self, event: ClearanceAnswered) -> None:
        answer = {"attempt": event.attempt, "blockers": [b.model_dump() for b in event.blockers], "at": event.occurred_at}
        new = self.store.record_clearance_answer(event.application_id, event.closure_id, event.bureau, event.attempt,
                                                 list(OPEN), answer)
        if new is None:
            log.info("clearance_answered ignored (repeated, stale or closed)",
                     extra={"application_id": event.application_id, "event_id": event.event_id})
            return
        self.settle(new, clock.now())

    def settle_due(self, now: datetime, limit: int = 100) -> int:
        """The timer's sweep: every open closure, and every deregistered name not yet barred."""
        settled = 0
        for case in self.store.cases_with_open_closure(limit):
            settled += self.settle(case, now)
        for case in self.store.deregistered_names_to_bar(limit):
            self._bar_name(case)
        return settled

    def settle(self, case: dict, now: datetime) -> int:
        closure = (case.get("closures") or {}).get(case.get("open_closure") or "")
        if closure is None or not notice_over(date.fromisoformat(closure["notice_ends_on"]), clock.china_date(now)):
            return 0
        field, today = f"closures.{closure['id']}", clock.china_date(now)

        def write(**what: Any) -> dict | None:  # if the closure is still as read: open, same attempt and state
            return self.store.update_closure(case["_id"], closure["id"], state=closure["state"],
                                             attempt=closure["attempt"], open_=True, **what)

        if closure["kind"] == "general" and not closure.get("report"):  # the period is over: the report is due
            if closure["state"] == "liquidating":
                write(set={f"{field}.state": "awaiting_report"})
            return 0
        if closure.get("objections"):  # 不予简易注销: the company stays; it may apply again later
            write(set={f"{field}.state": "objected", f"{field}.ended_at": now, "open_closure": None})
            return 1
        if not all_cleared(closure):
            if closure["state"] in ("noticed", "liquidating", "awaiting_report"):
                write(set={f"{field}.state": "awaiting_clearance"})
            elif closure["kind"] == "simplified" and notice_over(apply_by(date.fromisoformat(closure["notice_ends_on"])), today):
                # 条例 art. 33: the application after the notice is due within 20 日; a blocker left then ends it
                write(set={f"{field}.state": "lapsed", f"{field}.ended_at": now, "open_closure": None})
                return 1
            return 0
        event = CompanyDeregistered(application_id=case["_id"], uscc=closure["uscc"], closure_id=closure["id"],
                                    deregistered_on=today)
        entry = outbox_entry(event)
        new = write(in_force=True,
                    set={"licence_status": "deregistered", "deregistered_on": today.isoformat(), "open_closure": None,
                         f"{field}.state": "deregistered", f"{field}.deregistered_on": today.isoformat(),
                         f"{field}.ended_at": now},
                    push={"outbox": entry})
        if new is None:
            return 0
        self.store.flush(case["_id"], [entry], self.dispatch)
        log.info("company deregistered", extra={"application_id": case["_id"], "event_id": event.event_id})
        self._bar_name(new)
        return 1

    def _bar_name(self, case: dict) -> None:
        self.store.end_name(case["_id"], case["deregistered_on"])
        self.store.mark_name_barred(case["_id"])

    # ---- reading

    def get(self, uscc: str, founder_id: str, closure_id: str) -> dict[str, Any]:
        return views.closure_view(_closure(self._case(uscc, founder_id), closure_id))

    def list(self, uscc: str, founder_id: str) -> list[dict[str, Any]]:
        closures = (self._case(uscc, founder_id).get("closures") or {}).values()
        return [views.closure_view(c) for c in sorted(closures, key=lambda c: c["created_at"])]


def _closure(case: dict, closure_id: str) -> dict:
    closure = (case.get("closures") or {}).get(closure_id) if isinstance(closure_id, str) else None
    if closure is None:
        raise NotFound(f"没有这项注销申请：{closure_id}")
    return closure


def refuse_if_busy(case: dict) -> None:
    """One thing at a time: no closing while a change or another closing is open, none for a dead licence."""
    status = case.get("licence_status", "active") or "active"
    if status != "active":
        raise Conflict("营业执照已被吊销，不能办理" if status == "revoked" else "企业已注销，不能再办理")
    if case.get("open_change"):
        raise Conflict(f"该企业的变更登记 {case['open_change']} 尚未办结，办结后才能申请注销")
    if case.get("open_closure"):
        closure = case["closures"][case["open_closure"]]
        raise Conflict(f"该企业的注销申请 {closure['id']}（{LABELS_OF[closure['state']]}）尚未办结")
