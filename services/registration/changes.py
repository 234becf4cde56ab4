"""Change of details (变更登记): one request, one new licence version, every bureau's answer.

The change lives inside the company's case document (`changes.<id>`), so accepting it, replacing the
licence (same USCC, version + 1, the old version kept in `licence_history` with its validity period),
updating the registered form and queueing `company_changed` (the outbox) are ONE conditional write:
a replayed request, a redelivered event or a worker killed at any point leaves exactly one licence
version per change. `open_change` names the change still waiting for bureau answers; a second change
is refused while it is set (the write's condition, so two racing requests cannot both pass).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

from contracts import clock
from contracts.bureaus import CHANGE_ANSWERERS, bureau
from contracts.capital import creditor_period_ends_on, is_decrease
from contracts.changes import (
    CHANGE_LABELS,
    ChangeRequest,
    apply_change,
    licensed_items,
    new_parties,
    parse_change,
)
from contracts.closing import notice_over
from contracts.events import ChangeRecorded, CompanyChanged, Licence
from contracts.form import ApplicationForm
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from kit.outbox import Dispatch, outbox_entry
from services.registration import (
    change_parties,
    change_review,
    creditor_objections,
    domain,
    name_change,
    views,
)
from services.registration.store import RegistrationStore

log = logging.getLogger(__name__)

CHANGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # a key inside the case document: no dots, no $
NOTICED, REGISTERED, COMPLETED = "noticed", "registered", "completed"  # noticed: a capital decrease's creditor period
MAX_ATTEMPTS = 5


def new_version(case: dict, after: ApplicationForm, now: datetime) -> Licence:
    """The next licence: same USCC and establishment date, the changed items, the (new) district's
    registering authority, issued now."""
    old = Licence.model_validate(case["licence"])
    return domain.build_licence(after, old.uscc, now).model_copy(update={"established_on": old.established_on})


def _answerers(case: dict) -> list[str]:
    # a bureau the founder did not use at start-up (no seals ordered) has nothing to update
    return [b for b in CHANGE_ANSWERERS if bureau(b).requested(case["form"])]


def history_entry(case: dict, change_id: str, now: datetime) -> dict[str, Any]:
    """The licence being replaced, with the period it was the valid one."""
    return {"version": case.get("licence_version", 1), "licence": case["licence"],
            "valid_from": case.get("licence_valid_from") or case["licence"]["issued_at"],
            "valid_to": now, "superseded_by_change": change_id}


def own_case(store: RegistrationStore, uscc: str, founder_id: str) -> dict:
    """The company's case, for its own founder only (anyone else: not found, as if it did not exist)."""
    case = store.case_by_uscc(uscc) if isinstance(uscc, str) else None
    if case is None or case.get("founder_id") != founder_id:
        raise NotFound("没有找到您名下的这家企业")
    return case


class ChangeDesk:
    answerers = staticmethod(_answerers)

    def __init__(self, store: RegistrationStore, dispatch: Dispatch, check_name: name_change.NameChecker):
        self.store, self.dispatch, self.check_name = store, dispatch, check_name

    def registered_uscc(self, uscc: str) -> bool:
        """Whether OneStop's register holds this company, not deregistered (a corporate shareholder's check)."""
        case = self.store.case_by_uscc(uscc)
        return case is not None and (case.get("licence_status") or "active") == "active"

    def _case(self, uscc: str, founder_id: str) -> dict:
        return own_case(self.store, uscc, founder_id)

    def request(self, uscc: str, founder_id: str, change_id: str, raw: Any,
                founder_resident_id: str | None = None) -> dict[str, Any]:
        """Register the change at once (standard changes need no clerk) or refuse it with its reasons;
        a change naming someone new waits for their confirmation first (change_parties.py)."""
        if not isinstance(change_id, str) or not CHANGE_ID.match(change_id):
            raise Invalid.with_fields("变更申请编号无效", [FieldError(field="change_id", message="8-64位字母、数字、-或_")])
        case = self._case(uscc, founder_id)
        for _ in range(MAX_ATTEMPTS):
            done = (case.get("changes") or {}).get(change_id)
            if done is not None:
                return views.change_view(done)  # the same request again: the same change
            self._refuse_if_closed(case)
            change = parse_change(raw)
            form = ApplicationForm.model_validate(case["form"])
            after = apply_change(form, change, clock.china_today())
            parties = new_parties(form, after, founder_resident_id)
            new = (change_parties.wait(self.store, case, change_id, change, parties) if parties
                   else self.proceed(case, change_id, change, form, after))
            if new is not None:
                return views.change_view(new["changes"][change_id])
            case = self._case(uscc, founder_id)  # someone else wrote first: decide again on what is there
        raise Conflict("企业登记信息正在更新，请稍后再提交")

    def proceed(self, case: dict, change_id: str, change: ChangeRequest, form: ApplicationForm,
                after: ApplicationForm, pending: dict | None = None) -> dict | None:
        """Publish a capital decrease, send a change the rules cannot decide to a clerk, or register
        it (a new name held first); `pending`: the stored change this continues (every person named
        confirmed). None: someone wrote first."""
        if is_decrease(form.registered_capital, after.registered_capital):
            return self._notice(case, change_id, change, pending)
        warnings = name_change.reserve(self.store, self.check_name, case, change_id, after) if change.name else None
        why = change_review.reasons(licensed_items(change, form), warnings,
                                    change_review.unregistered_corporate_holders(change, form, self.registered_uscc))
        if why:
            new = change_review.queue(self, case, change_id, change, form, after, warnings, why, pending)
            if new is None and change.name:
                self.store.release_changed_name(case["_id"], change_id)
            return new
        new = self._register(case, change_id, change.sections(), change.model_dump(mode="json"), after, warnings,
                             pending)
        if new is not None and change.name:
            name_change.settle(self.store, case["_id"], change_id, clock.china_date(
                new["changes"][change_id]["registered_at"]).isoformat())
        elif new is None and change.name:
            self.store.release_changed_name(case["_id"], change_id)
        return new

    @staticmethod
    def _refuse_if_closed(case: dict) -> None:
        status = case.get("licence_status", "active") or "active"
        if status != "active":
            raise Conflict("营业执照已被吊销，不能办理变更登记" if status == "revoked" else "企业已注销，不能办理变更登记")
        if case.get("open_closure"):
            raise Conflict(f"该企业的注销申请 {case['open_closure']} 尚未办结，不能办理变更登记")
        if case.get("open_change"):
            open_change = case["changes"][case["open_change"]]
            labels = "、".join(CHANGE_LABELS[s] for s in open_change["sections"])
            raise Conflict(f"该企业的变更登记 {case['open_change']}（{labels}）尚未办结，办结后才能提交新的变更")

    def _notice(self, case: dict, change_id: str, change: ChangeRequest, pending: dict | None) -> dict | None:
        """A capital decrease: published today, registered when the creditor period is over
        (contracts.capital; `settle_due`). Open meanwhile, so no other change or closing starts."""
        if change.name is not None:
            raise Invalid.with_fields("减少注册资本须公告期满后登记", [FieldError(
                field="name.trade_name", message="减少注册资本须经45日公告期，请将名称变更另行申请")])
        now = clock.now()
        published = clock.china_date(now)
        noticed = {**(pending or {}), "id": change_id, "uscc": case["licence"]["uscc"], "state": NOTICED,
                   "sections": change.sections(), "requested": change.model_dump(mode="json"),
                   "created_at": (pending or {}).get("created_at", now),
                   "version": case.get("licence_version", 1) + 1, "awaiting": _answerers(case), "answers": {},
                   "answer_count": 0, "notice_from": published.isoformat(),
                   "creditor_period_ends_on": creditor_period_ends_on(published).isoformat()}
        new = self.store.start_change(case["_id"], change_id, noticed, {"awaiting_confirmation": [], "updated_at": now},
                                      pending=pending)
        if new is not None:
            log.info("capital decrease noticed", extra={"application_id": case["_id"]})
        return new

    def settle_due(self, now: datetime, limit: int = 100) -> int:
        """The timer's sweep: every noticed change whose creditor period is over is registered now."""
        today, settled = clock.china_date(now), 0
        for case in self.store.cases_with_open_change(limit):
            noticed = case["changes"][case["open_change"]]
            if noticed["state"] != NOTICED or not notice_over(date.fromisoformat(noticed["creditor_period_ends_on"]), today):
                continue
            if creditor_objections.unanswered(noticed):  # 公司法 art. 224: repaid or guaranteed first
                continue
            after = apply_change(ApplicationForm.model_validate(case["form"]), parse_change(noticed["requested"]), today)
            settled += self._register(case, noticed["id"], noticed["sections"], noticed["requested"], after, None,
                                      noticed) is not None
        return settled

    def _register(self, case: dict, change_id: str, sections: list[str], requested: dict,
                  after: ApplicationForm, name_warnings: list[str] | None, noticed: dict | None = None,
                  clerk_task: tuple[str, str, datetime] | None = None, also: dict | None = None,
                  push: dict | None = None) -> dict | None:
        """The new licence version, the form and `company_changed` in one write; `noticed`: the
        change as stored (published, or approved by a clerk: `clerk_task` (task id, clerk, now) is
        the condition the task is still theirs, `also`, `push` the task's fields, in the same write)."""
        now = clock.now()
        licence = new_version(case, after, now)
        version = case.get("licence_version", 1) + 1
        awaiting = _answerers(case)
        change = {**(noticed or {}), "id": change_id, "uscc": licence.uscc, "state": REGISTERED if awaiting else COMPLETED,
                  "sections": sections, "requested": requested, "created_at": (noticed or {}).get("created_at", now),
                  "registered_at": now,
                  "version": version, "awaiting": awaiting, "answers": {}, "answer_count": 0,
                  **({"name_warnings": name_warnings} if name_warnings is not None else {}),
                  **({} if awaiting else {"completed_at": now})}
        rep = after.legal_representative if "legal_representative" in sections else None
        event = CompanyChanged(application_id=case["_id"], uscc=licence.uscc, change_id=change_id, version=version,
                               changed=sections, licence=licence, previous_district_code=case["licence"]["district_code"],
                               legal_representative=rep, answerers=awaiting)
        entry = outbox_entry(event)
        new = self.store.register_change(
            case["_id"], change_id, case["licence"]["issued_at"], noticed,
            {**(also or {}), "licence": licence.model_dump(mode="json"), "licence_version": version,
             "licence_valid_from": now, "form": after.model_dump(mode="json"),
             "district_code": after.domicile.district_code, "open_change": change_id if awaiting else None,
             "name": after.name.full,
             **({"name_change_pending": change_id} if name_warnings is not None else {}),
             f"changes.{change_id}": change, "awaiting_confirmation": [], "updated_at": now},
            {**(push or {}), "licence_history": history_entry(case, change_id, now), "outbox": entry},
            clerk_task=clerk_task)
        if new is not None:
            self.store.flush(case["_id"], [entry], self.dispatch)
            log.info("change registered", extra={"application_id": case["_id"], "event_id": event.event_id})
        return new

    def on_answer(self, event: ChangeRecorded) -> None:
        """Record one bureau's answer once; the last one closes the change."""
        field = f"changes.{event.change_id}"
        for _ in range(MAX_ATTEMPTS):
            case = self.store.get_case(event.application_id)
            change = (case or {}).get("changes", {}).get(event.change_id)
            if change is None or event.bureau in change["answers"] or event.bureau not in change["awaiting"]:
                log.info("change_recorded ignored (unknown change, repeated or not expected)",
                         extra={"application_id": event.application_id, "event_id": event.event_id})
                return
            count = change["answer_count"]
            fields: dict[str, Any] = {f"{field}.answers.{event.bureau}": {
                "summary": event.summary, "detail": event.detail, "at": event.occurred_at}}
            if count + 1 == len(change["awaiting"]):
                fields.update({f"{field}.state": COMPLETED, f"{field}.completed_at": clock.now(), "open_change": None})
            if self.store.record_change_answer(case["_id"], event.change_id, count, fields) is not None:
                return
        raise RuntimeError(f"change {event.change_id}: {MAX_ATTEMPTS} concurrent answers")  # redelivered

    def correct(self, uscc: str, founder_id: str, change_id: str, raw: Any,
                founder_resident_id: str | None = None, keep_others: bool = False) -> dict[str, Any]:
        """The founder's correction of a change a clerk sent back (change_review.py)."""
        return views.change_view(change_review.correct(self, self._case(uscc, founder_id), change_id, raw,
                                                 founder_resident_id, keep_others))

    def answer_objection(self, uscc: str, founder_id: str, change_id: str, objection_id: str,
                         raw: Any) -> dict[str, Any]:
        """The company's answer to a creditor's objection to its capital decrease."""
        case = self._case(uscc, founder_id)
        return views.change_view(creditor_objections.answer(self.store, case, change_id, objection_id, raw))

    def get(self, uscc: str, founder_id: str, change_id: str) -> dict[str, Any]:
        change = (self._case(uscc, founder_id).get("changes") or {}).get(change_id)
        if change is None:
            raise NotFound(f"没有这项变更登记：{change_id}")
        return views.change_view(change)

    def list(self, uscc: str, founder_id: str) -> list[dict[str, Any]]:
        changes = (self._case(uscc, founder_id).get("changes") or {}).values()
        return [views.change_view(c) for c in sorted(changes, key=lambda c: c["created_at"])]


def verification(case: dict, version: int | None) -> dict[str, Any]:
    """The public answer for a licence: the version asked for, the current one by default (views.licence_check)."""
    if version is None or version == case.get("licence_version", 1):
        return views.licence_check(case, None)
    old = next((h for h in case.get("licence_history", []) if h["version"] == version), None)
    if old is None:
        raise NotFound(f"该营业执照没有第{version}版")
    return views.licence_check(case, old)
