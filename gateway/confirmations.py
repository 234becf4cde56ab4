"""Every natural person named on a form confirms it from their own verified account (本人确认 / 电子签名).

Real portals have each shareholder, director, supervisor, manager and the legal representative sign the
application themselves after real-name authentication; without it anyone could found a company in
anyone's name. Here:

- Submitting stores the application as `awaiting_confirmation` with one entry per person (their resident
  ID once, with every role they hold) and a deadline; `application_submitted` is NOT emitted yet, so no
  bureau sees the application. The founder's own part is confirmed implicitly when the founder's verified
  account holds one of the named resident IDs.
- Each person finds the applications waiting for them (`awaiting`) by the resident ID their account holds
  (gateway/identities.py: one account per number); someone named who has no account signs up with that
  number and then sees it.
- Confirming is one versioned single-document update; the last confirmation also appends
  `application_submitted` to the timeline and the outbox in the same write, so the automatic path starts
  exactly once. Declining withdraws the application with the reason for the founder; so does the deadline
  passing (`expire_due`, the tracker's timer, on contracts.clock).
- Beneficial owners are not asked: the filing is the company's declaration about them (order 3号), often
  people who hold no post, and naming one gives no power over the company. Employees are not parties.
- The timeline (and so webhooks) records each step with the person's roles and a masked name, never a
  resident ID; logs carry the application id only.

Deadline: GATEWAY_CONFIRMATION_DAYS working days after the day of submission, ending at 24:00 Beijing time
on the last one. ⚠️ Assumption (2026-12): no official figure was retrieved for how long portals wait for
co-signers; 5 working days is a choice, configurable.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

from pydantic import BaseModel, ConfigDict, Field

from contracts import clock
from contracts.calendar import aware, deadline
from contracts.clock import CHINA
from contracts.events import ApplicationSubmitted
from contracts.form import ApplicationForm
from contracts.rpc import Conflict, FieldError, Invalid, NotFound
from contracts.text import VisibleText
from gateway.auth import Principal
from gateway.contact_verification import require_verified
from gateway.identities import holder_of
from gateway.publisher import SOURCE, Publisher, publish_outbox
from gateway.recording import MAX_ATTEMPTS, Contended
from gateway.store import GatewayStore
from gateway.timeline import ROLE_LABELS as ROLES  # noqa: F401 - re-exported for pages
from gateway.timeline import derive, timeline_entry
from gateway.views import company_name
from kit.outbox import outbox_entry

log = logging.getLogger(__name__)

AWAITING = "awaiting_confirmation"
PENDING, CONFIRMED, DECLINED, IMPLICIT = "pending", "confirmed", "declined", "implicit"


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["confirm", "decline"]
    reason: VisibleText | None = Field(None, max_length=200)  # a decline's reason, shown to the founder


def parties(form: dict[str, Any], registered: list[dict] | tuple = ()) -> list[dict[str, Any]]:
    """The natural persons named on the form, once per resident ID, with every role, in form order; a
    corporate shareholder's legal representative too, named on the form or (`registered`) found in
    registration's record (gateway/corporate_parties.py)."""
    named: list[tuple[str, dict]] = [("legal_representative", form.get("legal_representative") or {})]
    named += [("shareholder", h) for h in form.get("shareholders") or [] if h.get("kind", "natural") == "natural"]
    named += [("corporate_representative", h["legal_representative"]) for h in form.get("shareholders") or []
              if h.get("kind") == "corporate" and h.get("legal_representative")]
    named += [("corporate_representative", p) for p in registered]
    named += [("director", p) for p in form.get("directors") or []]
    named += [("supervisor", p) for p in form.get("supervisors") or []]
    named += [("manager", form["manager"])] if form.get("manager") else []
    people: dict[str, dict[str, Any]] = {}
    for role, person in named:
        rid = person.get("resident_id")
        if not rid:
            continue
        entry = people.setdefault(rid, {"resident_id": rid, "name": person.get("name", ""), "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)
    return list(people.values())


def _rows(form: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field path, person) of every entry naming a natural person who confirms, in form order."""
    rows = [("legal_representative", form.get("legal_representative") or {})]
    rows += [(f"{key}.{i}", p) for key in ("shareholders", "directors", "supervisors")
             for i, p in enumerate(form.get(key) or [])]
    rows += [("manager", form["manager"])] if form.get("manager") else []
    rows += [(f"shareholders.{i}.legal_representative", h["legal_representative"])
             for i, h in enumerate(form.get("shareholders") or [])
             if h.get("kind") == "corporate" and h.get("legal_representative")]
    return [(path, person) for path, person in rows if person.get("resident_id")]


def _paths(form: dict[str, Any]) -> dict[str, str]:
    """resident ID -> the field path of its first appearance among the people who confirm."""
    paths: dict[str, str] = {}
    for path, person in _rows(form):
        paths.setdefault(person["resident_id"], f"{path}.resident_id")
    return paths


NAME_DIFFERS = "同一身份证号码在申请表中填写了不同的姓名：一个身份证号码只对应一个人，请核对姓名和号码"
NOT_YOUR_NAME = "这是您本人的身份证号码，姓名应与您账号的实名“{name}”一致"
NOT_NAMED_SO = "申请表中该身份证号码对应的姓名为“{named}”，与您账号的实名不一致：不能以他人名义确认，请联系申请人更正"


def real_name_errors(form: dict[str, Any], founder_rid: str | None, founder_name: str | None) -> list[FieldError]:
    """Real-name matching on the form: one resident ID carries one name everywhere, and an entry with the
    founder's own (verified) number carries the founder account's name."""
    errors, first = [], {}
    for path, person in _rows(form):
        rid, name = person["resident_id"], person.get("name", "")
        if founder_rid and founder_name and rid == founder_rid and name != founder_name:
            errors.append(FieldError(field=f"{path}.name", message=NOT_YOUR_NAME.format(name=founder_name)))
        elif first.setdefault(rid, name) != name:
            errors.append(FieldError(field=f"{path}.name", message=NAME_DIFFERS))
    return errors


def confirmer_name_error(form: dict[str, Any], rid: str, account_name: str,
                         registered: list[dict] | tuple = ()) -> Invalid | None:
    """The person confirming must be the person named: their account's name is the form's name for the number
    (or registration's, for a registered corporate shareholder's legal representative)."""
    named = {person.get("name", "") for _, person in _rows(form) if person["resident_id"] == rid}
    named |= {p["name"] for p in registered if p["resident_id"] == rid}
    if named == {account_name}:
        return None
    message = NOT_NAMED_SO.format(named="、".join(sorted(named)))
    return Invalid.with_fields("姓名与身份证号码不一致，不能确认", [FieldError(field="name", message=message)])


CHANGED_PARTY = "补正时不能新增人员或改变其身份（如董事改任监事）：该人员未就此确认。如需变更，请撤回后重新提交，由相关人员本人确认"


def correction_errors(doc: dict[str, Any], form: dict[str, Any], founder_rid: str | None) -> list[FieldError]:
    """A correction may not name anyone (or give anyone a post) they did not confirm: otherwise a founder
    could have the people confirm one form and then swap someone else's number in (the founder may)."""
    if "confirmations" in doc:
        agreed = {p["resident_id"]: p["roles"] for p in doc["confirmations"] if p["state"] in (CONFIRMED, IMPLICIT)}
    else:  # submitted before confirmations existed, or naming the founder alone: the form as it was
        agreed = {p["resident_id"]: p["roles"] for p in parties(doc["form"])}
    paths = _paths(form)
    errors = [FieldError(field=paths.get(p["resident_id"], "legal_representative"), message=CHANGED_PARTY)
              for p in parties(form)
              if p["resident_id"] != founder_rid and agreed.get(p["resident_id"]) != p["roles"]]
    # a corporate shareholder's representative confirmed for that company only: no other company comes in
    before = {h.get("uscc") for h in doc["form"].get("shareholders") or [] if h.get("kind") == "corporate"}
    errors += [FieldError(field=f"shareholders.{i}.uscc", message=CHANGED_PARTY)
               for i, h in enumerate(form.get("shareholders") or [])
               if h.get("kind") == "corporate" and h.get("uscc") not in before]
    return errors


def masked(name: str) -> str:
    """张* / 欧阳** : enough for the founder's timeline and webhooks to tell the people apart."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _public(party: dict[str, Any]) -> dict[str, Any]:
    return {"name": masked(party["name"]), "roles": party["roles"]}


def ends_at(due) -> datetime:
    """24:00 Beijing time on the due day, as an aware UTC instant."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=CHINA).astimezone(UTC)


def pending_fields(app_id: str, form: dict[str, Any], founder_rid: str | None, days: int,
                   registered: list[dict] | tuple = ()) -> dict[str, Any] | None:
    """What a new application stores while it waits (None: nobody but the founder is named)."""
    people = [{**p, "state": IMPLICIT if p["resident_id"] == founder_rid else PENDING, "at": None}
              for p in parties(form, registered)]
    waiting = [p for p in people if p["state"] == PENDING]
    if not waiting:
        return None
    now = clock.now()
    due = deadline(clock.china_date(now), days)
    payload = {"type": "confirmation_requested", "event_id": uuid5(NAMESPACE_URL, f"onestop:confirm:{app_id}").hex,
               "application_id": app_id, "occurred_at": now.isoformat(), "deadline": due.due.isoformat(),
               "deadline_provisional": due.provisional, "waiting_for": [_public(p) for p in waiting],
               "implicit": [_public(p) for p in people if p["state"] == IMPLICIT]}
    return {"confirmations": [{**p, "at": now if p["state"] == IMPLICIT else None} for p in people],
            "pending_confirmations": [p["resident_id"] for p in waiting],
            "confirmation_deadline": due.due.isoformat(), "confirmation_deadline_at": ends_at(due.due),
            "entry": timeline_entry(SOURCE, payload)}


class ConfirmationService:
    def __init__(self, store: GatewayStore, publish: Publisher, base_url: str):
        self.store, self.publish, self.base_url = store, publish, base_url

    def _me(self, who: Principal) -> str:
        return holder_of(self.store, self.store.account(who.id) or {})

    def awaiting(self, who: Principal) -> list[dict[str, Any]]:
        """The applications waiting for my confirmation, newest first."""
        rid = self._me(who)
        rows = self.store.applications.find({"pending_confirmations": rid, "status": AWAITING},
                                            {"outbox": 0, "timeline": 0}).sort("submitted_at", -1).limit(100)
        return [self._party_view(doc, rid) for doc in rows]

    def get(self, who: Principal, app_id: str) -> dict[str, Any]:
        rid = self._me(who)
        return self._party_view(self._named(app_id, rid), rid)

    def decide(self, who: Principal, app_id: str, body: Decision) -> dict[str, Any]:
        rid = self._me(who)
        require_verified(self.store, who.id)  # the email/mobile answered a code (gateway/contact_verification.py)
        my_name = (self.store.account(who.id) or {}).get("name", "")
        state = CONFIRMED if body.decision == "confirm" else DECLINED
        for _ in range(MAX_ATTEMPTS):
            doc = self._named(app_id, rid)
            mine = next(p for p in doc["confirmations"] if p["resident_id"] == rid)
            if mine["state"] == state:
                return self._party_view(doc, rid)  # a retry: already recorded
            if mine["state"] != PENDING:
                raise Conflict("您已对该申请作出了不同的决定，不能更改")
            if doc["status"] != AWAITING:
                raise Conflict("该申请已不再等待确认（已撤回或已提交）")
            ends = doc.get("confirmation_deadline_at")
            if ends is not None and clock.now() >= aware(ends):
                raise Conflict("确认期限已过，该申请将被撤回")
            mismatch = (confirmer_name_error(doc["form"], rid, my_name, doc.get("corporate_representatives") or [])
                        if state == CONFIRMED else None)
            if mismatch is not None:
                raise mismatch
            if self._write(doc, mine, state, body.reason):
                return self._party_view(self.store.application(app_id), rid)
        raise Contended(f"application {app_id}: {MAX_ATTEMPTS} concurrent confirmations")

    def _write(self, doc: dict[str, Any], mine: dict[str, Any], state: str, reason: str | None) -> bool:
        now, app_id = clock.now(), doc["_id"]
        people = [{**p, "state": state, "at": now, **({"reason": reason} if reason else {})}
                  if p["resident_id"] == mine["resident_id"] else p for p in doc["confirmations"]]
        kind = "party_confirmed" if state == CONFIRMED else "party_declined"
        payload = {"type": kind, "event_id": uuid5(NAMESPACE_URL, f"onestop:{kind}:{app_id}:{mine['resident_id']}").hex,
                   "application_id": app_id, "occurred_at": now.isoformat(), **_public(mine),
                   **({"reason": reason} if reason and state == DECLINED else {})}
        entries, outbox = [timeline_entry(SOURCE, payload)], []
        waiting = [p["resident_id"] for p in people if p["state"] == PENDING]
        if state == CONFIRMED and not waiting:  # the last one: the application goes to the bureaus now
            event = ApplicationSubmitted(application_id=app_id, founder_id=doc["founder_id"],
                                         form=ApplicationForm.model_validate(doc["form"]))
            entries.append(timeline_entry(SOURCE, event.model_dump(mode="json")))
            outbox.append(outbox_entry(event))
        open_ = state == CONFIRMED and bool(waiting)
        changes = {**derive(doc["form"], [*doc["timeline"], *entries], doc["submitted_at"]),
                   "confirmations": people, "pending_confirmations": waiting if open_ else [],
                   "confirmation_deadline_at": doc.get("confirmation_deadline_at") if open_ else None,
                   "updated_at": now}
        if not self.store.update_with_entries(app_id, doc["version"], changes, entries, outbox):
            return False
        log.info("%s (%d still awaited)", kind, len(waiting), extra={"application_id": app_id})
        if outbox:
            publish_outbox(self.store, self.publish, app_id, outbox)
        return True

    def _named(self, app_id: str, rid: str) -> dict[str, Any]:
        doc = self.store.application(app_id)
        if doc is None or not any(p["resident_id"] == rid for p in doc.get("confirmations") or []):
            raise NotFound("没有找到需要您确认的这份申请")
        return doc

    def _party_view(self, doc: dict[str, Any], rid: str) -> dict[str, Any]:
        """What a named person sees: the company and the people's names and posts, never anyone's number."""
        form = doc["form"]
        founder = self.store.account(doc["founder_id"]) or {}
        mine = next(p for p in doc["confirmations"] if p["resident_id"] == rid)
        return {
            "application_id": doc["_id"], "acceptance_no": doc.get("acceptance_no"),
            "company_name": doc.get("company_name") or company_name(form), "status": doc["status"],
            "submitted_at": doc["submitted_at"], "founder_name": founder.get("name", ""),
            "deadline": doc.get("confirmation_deadline"), "my_roles": mine["roles"], "my_state": mine["state"],
            "company_type": form.get("company_type"), "registered_capital": form.get("registered_capital"),
            "domicile": (form.get("domicile") or {}).get("detail"),
            "shareholders": [{"name": h.get("name"), "kind": h.get("kind"), "subscribed_amount": h.get("subscribed_amount")}
                             for h in form.get("shareholders") or []],
            "legal_representative": (form.get("legal_representative") or {}).get("name"),
            "directors": [p.get("name") for p in form.get("directors") or []],
            "supervisors": [p.get("name") for p in form.get("supervisors") or []],
            "manager": (form.get("manager") or {}).get("name"),
            "business_scope": form.get("business_scope") or [],
            # the names are on the page anyway (shareholders, officers): only the numbers stay out
            "parties": [{"name": p["name"], "roles": p["roles"], "state": p["state"]} for p in doc["confirmations"]],
        }


def expire_due(store: GatewayStore, limit: int = 200) -> int:
    """Withdraw every application whose confirmation deadline has passed (the tracker's timer); returns how many."""
    now = clock.now()
    due = store.applications.find({"status": AWAITING, "confirmation_deadline_at": {"$lte": now}},
                                  {"outbox": 0}).limit(limit)
    expired = 0
    for doc in due:
        waiting = [_public(p) for p in doc.get("confirmations") or [] if p["state"] == PENDING]
        payload = {"type": "confirmation_expired", "event_id": uuid5(NAMESPACE_URL, f"onestop:expired:{doc['_id']}").hex,
                   "application_id": doc["_id"], "occurred_at": now.isoformat(),
                   "deadline": doc.get("confirmation_deadline"), "waiting_for": waiting}
        entry = timeline_entry(SOURCE, payload)
        changes = {**derive(doc["form"], [*doc["timeline"], entry], doc["submitted_at"]),
                   "pending_confirmations": [], "confirmation_deadline_at": None, "updated_at": now}
        # versioned: a confirmation written meanwhile wins, and this application is looked at next time
        if store.update_with_entries(doc["_id"], doc["version"], changes, [entry]):
            expired += 1
            log.info("confirmation deadline passed: withdrawn", extra={"application_id": doc["_id"]})
    return expired
