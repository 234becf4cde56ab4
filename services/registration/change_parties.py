"""A change that names someone new waits for them (本人确认), as start-up does since issue 20.

Every natural person a change names newly, or in a role they did not hold (contracts.changes.
new_parties), confirms it from their own verified account (the gateway finds them by the resident ID
their account holds, gateway/identities.py). Until then the change is `awaiting_confirmation`: open
(no other change or closing starts), nothing registered, no bureau told. The last confirmation
continues it (ChangeDesk.proceed: registered, or published if it decreases the capital); a decline
ends it with the reason for the founder. The case keeps `awaiting_confirmation` (the resident IDs
still awaited) so a person's open requests are one indexed query. Resident IDs never leave here
except to the gateway's own lookup; views carry masked names.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts import clock
from contracts.calendar import aware
from contracts.changes import CHANGE_LABELS, ChangeRequest, apply_change, parse_change
from contracts.form import ApplicationForm, pydantic_field_errors
from contracts.rpc import Conflict, Invalid, NotFound
from contracts.text import VisibleText
from contracts.timelimits import change_confirmation_deadline
from services.registration import views
from services.registration.change_review import describe, log_entry
from services.registration.store import RegistrationStore

log = logging.getLogger(__name__)

AWAITING = "awaiting_confirmation"
DECLINED, REFUSED, WITHDRAWN = "declined", "refused", "withdrawn"
PENDING, CONFIRMED = "pending", "confirmed"


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["confirm", "decline"]
    reason: VisibleText | None = Field(None, max_length=200)


def wait(store: RegistrationStore, case: dict, change_id: str, change: ChangeRequest,
         parties: list[dict[str, Any]]) -> dict | None:
    """Store the change as awaiting these people (one conditional write: none other open)."""
    now = clock.now()
    due = change_confirmation_deadline(clock.china_date(now)).due
    doc = {"id": change_id, "uscc": case["licence"]["uscc"], "state": AWAITING, "sections": change.sections(),
           "requested": change.model_dump(mode="json"), "created_at": now, "version": case.get("licence_version", 1) + 1,
           "awaiting": [], "answers": {}, "answer_count": 0,
           "confirmations": [{**p, "state": PENDING, "at": None} for p in parties],
           "confirm_by": due.isoformat(), "confirm_by_at": end_of(due),
           "log": [log_entry(f"等待{len(parties)}名相关人员本人确认，{due.isoformat()}前有效", now)]}
    return store.start_change(case["_id"], change_id, doc,
                              {"awaiting_confirmation": [p["resident_id"] for p in parties], "updated_at": now})


def end_of(day: date) -> datetime:
    """24:00 Beijing time on `day`, as an aware UTC instant (the confirmation deadline's end)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.CHINA).astimezone(UTC)


def expire_due(store: RegistrationStore, now: datetime, limit: int = 100) -> int:
    """The timer's sweep: a change still awaiting someone after its deadline is withdrawn, saying why
    (what start-up does with an application nobody confirmed in time)."""
    expired = 0
    for case in store.cases_awaiting_confirmation(limit):
        change = (case.get("changes") or {}).get(case.get("open_change") or "")
        if not change or change["state"] != AWAITING or not change.get("confirm_by_at") \
                or aware(change["confirm_by_at"]) > now:
            continue
        waiting = "、".join(views.masked(p["name"]) for p in change["confirmations"] if p["state"] == PENDING)
        why = f"{change['confirm_by']}前未获{waiting}本人确认，变更申请已撤回；如仍需变更，请重新申请"
        field = f"changes.{change['id']}"
        expired += store.update_change(
            case["_id"], change["id"], AWAITING, open_=True,
            set={f"{field}.state": WITHDRAWN, f"{field}.withdrawal": why, f"{field}.completed_at": now,
                 "open_change": None, "awaiting_confirmation": []},
            push={f"{field}.log": log_entry(why, now)}) is not None
    if expired:
        log.info("withdrew %d changes whose confirmations expired", expired)
    return expired


def awaiting_for(store: RegistrationStore, resident_id: str) -> list[dict[str, Any]]:
    """The open changes waiting for this person (what they see: the company, what changes, who is named)."""
    return [_person_view(case, resident_id) for case in store.cases_awaiting(resident_id, limit=100)]


def _person_view(case: dict, resident_id: str) -> dict[str, Any]:
    return views.change_confirmation_view(case, resident_id, _described(case, case["changes"][case["open_change"]]))


def _described(case: dict, change: dict) -> list[dict[str, str]]:
    """What the change makes of each section it touches, as the person named reads it (names, no IDs)."""
    if "form" not in case:
        return []
    try:
        after = apply_change(ApplicationForm.model_validate(case["form"]), parse_change(change["requested"]))
    except Invalid:  # a rule that moved since (a date passed): the labels say what changes
        return []
    return [{"label": CHANGE_LABELS[s], "after": describe(s, after)} for s in change["sections"]]


def decide(desk: Any, uscc: str, change_id: str, resident_id: str, raw: Any) -> dict[str, Any]:
    """One person's decision, once; the last confirmation continues the change (desk.proceed)."""
    try:
        body = Decision.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("确认内容有误", pydantic_field_errors(exc)) from None
    store: RegistrationStore = desk.store
    case = store.case_by_uscc(uscc) if isinstance(uscc, str) else None
    change = ((case or {}).get("changes") or {}).get(change_id) if isinstance(change_id, str) else None
    mine = next((p for p in (change or {}).get("confirmations", []) if p["resident_id"] == resident_id), None)
    if mine is None:
        raise NotFound("没有找到需要您确认的这项变更")
    state = CONFIRMED if body.decision == "confirm" else DECLINED
    if mine["state"] == state:
        return _person_view({**case, "open_change": change_id}, resident_id)  # a retry
    if mine["state"] != PENDING or change["state"] != AWAITING:
        raise Conflict("该变更已不再等待确认，或您已作出了不同的决定")
    now = clock.now()
    if change.get("confirm_by_at") and aware(change["confirm_by_at"]) <= now:
        raise Conflict(f"确认期限已于{change['confirm_by']}届满，该变更申请已撤回")
    i = change["confirmations"].index(mine)
    field = f"changes.{change_id}"
    update: dict[str, Any] = {f"{field}.confirmations.{i}.state": state, f"{field}.confirmations.{i}.at": now,
                              **({f"{field}.confirmations.{i}.reason": body.reason} if body.reason else {})}
    said = f"{views.masked(mine['name'])}已本人确认" if state == CONFIRMED else f"{views.masked(mine['name'])}拒绝确认，变更申请终止"
    if state == DECLINED:
        update.update({f"{field}.state": DECLINED, "open_change": None, "awaiting_confirmation": []})
    push = {f"{field}.log": log_entry(said, now)}
    new = store.update_change(case["_id"], change_id, AWAITING, where={f"confirmations.{i}.state": PENDING},
                              set=update, push=push,
                              pull={"awaiting_confirmation": resident_id} if state == CONFIRMED else None)
    if new is None:
        raise Conflict("该变更正在更新，请刷新后重试")
    if state == CONFIRMED and not new.get("awaiting_confirmation"):
        _continue(desk, new, change_id)
    return _person_view({**new, "open_change": change_id}, resident_id)


def _continue(desk: Any, case: dict, change_id: str) -> None:
    pending = case["changes"][change_id]
    change = parse_change(pending["requested"])
    form = ApplicationForm.model_validate(case["form"])
    try:
        after = apply_change(form, change, clock.china_today())
        desk.proceed(case, change_id, change, form, after, pending)
    except Invalid as exc:  # the register moved meanwhile (the new name taken): the change ends, saying why
        desk.store.update_change(case["_id"], change_id, AWAITING,
                                 set={f"changes.{change_id}.state": REFUSED, f"changes.{change_id}.refusal": str(exc),
                                      "open_change": None})
        log.info("change refused after its confirmations", extra={"application_id": case["_id"]})
