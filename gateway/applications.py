"""The application service layer: submit, correct, follow, download. No HTTP in here, so the JSON
API and server-rendered pages share it; every function takes the calling `Principal` first.

Another founder's application is NotFound (not Forbidden): its existence is nobody else's business.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from contracts import clock
from contracts.events import ApplicationCorrected, ApplicationSubmitted
from contracts.form import ApplicationForm, collect_errors, unchanged_fields, validate_form
from contracts.rpc import BUREAUS, Conflict, FieldError, Forbidden, Invalid, NotFound
from gateway import replies
from gateway.auth import Principal
from gateway.bankslot import slot_errors
from gateway.clients import Clients
from gateway.confirmations import correction_errors, pending_fields, real_name_errors
from gateway.contact_verification import require_verified_account
from gateway.corporate_parties import representatives
from gateway.identities import holder_of
from gateway.namecheck import name_errors
from gateway.publisher import SOURCE, Publisher, publish_outbox
from gateway.quotas import Quotas
from gateway.recording import record
from gateway.store import GatewayStore
from gateway.timeline import derive, timeline_entry
from gateway.views import application_view, company_name, summary_view
from kit.outbox import outbox_entry

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY = 200
UNCHANGED = "登记机关要求修改的内容没有改动"
UNCHANGED_FIELD = "登记机关要求修改此项，但内容与上次提交的相同；如确认无需修改，请勾选“无需修改”的确认后再提交"


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str


class ApplicationService:
    def __init__(self, store: GatewayStore, clients: Clients, publish: Publisher, base_url: str,
                 confirmation_days: int = 5, quotas: Quotas | None = None):
        self.confirmation_days = confirmation_days  # gateway/confirmations.py
        self.quotas = quotas  # per-founder limits (gateway/quotas.py); None: none
        self.store = store
        self.clients = clients
        self.publish = publish
        self.base_url = base_url

    # ---- submit and correct

    def submit(self, who: Principal, body: Any, idempotency_key: str | None = None) -> tuple[dict, bool]:
        """Store the application with its event in ONE insert, then publish. (view, created?)"""
        if who.role != "founder":
            raise Forbidden("只有创业者账号可以提交开办申请")
        account = self.store.account(who.id) or {}  # read once: verification, the number and the name
        require_verified_account(account)  # the email/mobile answered a code (gateway/contact_verification.py)
        key = _check_key(idempotency_key)
        # A retry of a stored submit is recognised without a valid body and costs no allowance: on any
        # refusal below the key is looked up; a valid retry is found by the insert's unique key (and its
        # allowance given back). Issue 23: no read before the insert on the common first submit.
        try:
            form = self._validated(body)
            form_json = form.model_dump(mode="json")
            founder_rid = self._founder_resident_id(account)
            if errors := self._real_name_errors(account, form_json, founder_rid):
                raise Invalid.with_fields(f"申请表有{len(errors)}处姓名与身份证号码不一致", errors)
            # a corporate shareholder confirms through its legal representative (gateway/corporate_parties.py)
            registered, errors = representatives(self.clients, who.id, form_json)
            if errors:
                raise Invalid.with_fields(f"申请表有{len(errors)}处企业股东的法定代表人需要修改", errors)
            give_back = self.quotas.take(who, "submission") if self.quotas else None  # an invalid form costs nothing
        except Exception:  # a refusal, or a bureau down for the name check: a stored retry still replays
            existing = self.store.application_by_idempotency(f"{who.id}:{key}") if key else None
            if existing is None:
                raise
            return self._replay(existing, body), False
        app_id = uuid.uuid4().hex
        now = clock.now()
        # every other person named confirms first (gateway/confirmations.py); only then the bureaus hear of it
        waiting = pending_fields(app_id, form_json, founder_rid, self.confirmation_days, registered)
        if waiting is None:
            # occurred_at = submitted_at: the tracker rebuilds the inserted document from this event
            event = ApplicationSubmitted(application_id=app_id, founder_id=who.id, form=form, occurred_at=now)
            entry, outbox = timeline_entry(SOURCE, event.model_dump(mode="json")), [outbox_entry(event)]
        else:
            entry, outbox = waiting.pop("entry"), []
        doc = {
            "_id": app_id,
            "acceptance_no": self._acceptance_no(),
            "founder_id": who.id,
            "idempotency": f"{who.id}:{key}" if key else f"{who.id}:auto:{app_id}",
            "request_hash": _hash(form_json),
            "company_name": company_name(form_json),
            "form": form_json,
            "revision": 0,
            "version": 0,
            "submitted_at": now,
            "updated_at": now,
            "timeline": [entry],
            "outbox": outbox,
            **(waiting or {}),
            **({"corporate_representatives": registered} if registered else {}),
            **derive(form_json, [entry], now),
        }
        if self.store.insert_application(doc) is None:  # a retry, or a concurrent one with the same key won
            existing = self.store.application_by_idempotency(doc["idempotency"])
            if give_back:
                give_back()
            return self._replay(existing, body), False
        log.info("application submitted%s", " (awaiting confirmations)" if waiting else "",
                 extra={"application_id": app_id, "event_id": entry["event_id"]})
        if outbox:
            self._flush(app_id, outbox)
        return application_view(doc, self.base_url), True

    def correct(self, who: Principal, app_id: str, body: Any, confirm_unchanged: bool = False,
                reply: tuple[str, replies.Upload | None] | None = None) -> dict:
        """The corrected form. A field the clerk flagged and sent back unchanged is a field error
        unless the founder confirms it needs no change (`confirm_unchanged`): never accepted silently.
        `reply`: the founder's words and file for the clerk, kept with this revision; its problems are
        reported together with the form's."""
        doc = self._owned(who, app_id, founder_only=True)
        _awaiting_correction(doc)
        checked, reply_errors = None, []
        try:
            checked = replies.checked(*reply) if reply else None
        except Invalid as exc:
            reply_errors = exc.field_errors
        try:
            form = self._validated(body, app_id)
        except Invalid as exc:
            raise Invalid.with_fields(exc.message, [*exc.field_errors, *reply_errors]) from None
        form_json = form.model_dump(mode="json")
        account = self.store.account(who.id) or {}  # read once: the number and the name both come from it
        founder_rid = self._founder_resident_id(account)
        if errors := self._real_name_errors(account, form_json, founder_rid):
            raise Invalid.with_fields("姓名与身份证号码不一致", [*errors, *reply_errors])
        if errors := correction_errors(doc, form_json, founder_rid):
            raise Invalid.with_fields("补正不能变更需本人确认的人员", [*errors, *reply_errors])
        flagged = (doc.get("steps", {}).get("registration") or {}).get("fields") or []
        same = unchanged_fields(flagged, doc["form"], form_json)
        if same and not confirm_unchanged:
            raise Invalid.with_fields(UNCHANGED, [*(FieldError(field=f, message=UNCHANGED_FIELD) for f in same),
                                                  *reply_errors])
        if reply_errors:
            raise Invalid.with_fields("补正说明或附件有误", reply_errors)
        revision = doc.get("revision", 0) + 1
        event = ApplicationCorrected(application_id=app_id, revision=revision, form=form)
        out = outbox_entry(event)
        changes = {"form": form_json, "revision": revision, "company_name": company_name(form_json),
                   "request_hash": _hash(form_json)}
        if checked and (kept := replies.prepare(self.store, revision, *checked, who)):
            changes["replies"] = [*replies.replies_of(doc), kept]
        # the same versioned single-document update as the tracker: state, timeline and outbox at once
        # a concurrent second correction fails the guard, re-checked against the document it writes
        record(self.store, SOURCE, event.model_dump(mode="json"), outbox=out, changes=changes,
               guard=_awaiting_correction)
        self._flush(app_id, [out])
        return application_view(self.store.application(app_id), self.base_url)

    def _real_name_errors(self, account: dict, form_json: dict, founder_rid: str | None) -> list[FieldError]:
        """One number, one name on the form; the founder's own number with the account's own name."""
        return real_name_errors(form_json, founder_rid, account.get("name") if founder_rid else None)

    def _founder_resident_id(self, account: dict) -> str | None:
        """The number the founder's own verified account holds: that person's confirmation is implicit."""
        try:
            return holder_of(self.store, account)
        except Forbidden:  # unverified or disputed: the founder confirms like anyone else (and cannot yet)
            return None

    def _acceptance_no(self) -> str:
        """受理编号, given at submission: WH + the day in China + that day's sequence (WH2026120200017).
        A submit that loses an idempotency race skips its number; none is ever given twice."""
        day = clock.china_today()
        return f"WH{day:%Y%m%d}{self.store.next_number(f'acceptance:{day:%Y%m%d}'):05d}"

    def _validated(self, body: Any, app_id: str | None = None) -> ApplicationForm:
        """The form, or `Invalid` with EVERY error at once: the form's own and the name check's
        error-level problems (a name that can only be rejected never reaches a clerk's queue)."""
        result = collect_errors(body)
        errors = [] if isinstance(result, ApplicationForm) else list(result)
        taken = {e.field for e in errors}
        if self.clients is not None:  # None: a service layer built without bureaus (tools, tests)
            errors += [e for e in name_errors(self.clients.registration, body, app_id) if e.field not in taken]
            errors += [e for e in slot_errors(self.clients.bank, body) if e.field not in taken]
        if errors:
            raise Invalid.with_fields(f"申请表有{len(errors)}处需要修改", errors)
        return result

    def _replay(self, existing: dict, body: Any) -> dict:
        try:
            same = _hash(validate_form(body).model_dump(mode="json")) == existing["request_hash"]
        except Invalid:
            same = False
        if not same:
            raise Conflict("Idempotency-Key 已用于另一份不同的申请，请换一个")
        return application_view(existing, self.base_url)

    def _flush(self, app_id: str, entries: list[dict]) -> None:
        """Publish at once; if the broker is down the tracker's relay publishes it later."""
        publish_outbox(self.store, self.publish, app_id, entries)

    # ---- follow

    def get(self, who: Principal, app_id: str) -> dict:
        return application_view(self._owned(who, app_id), self.base_url)

    def list(self, who: Principal) -> list[dict]:
        if who.role == "clerk":
            raise Forbidden("工作人员请在本部门待办中查看")
        rows = self.store.list_applications(None if who.is_operator else who.id)
        return [summary_view(row) for row in rows]

    def document(self, who: Principal, app_id: str, name: str) -> Download:
        doc = self._owned(who, app_id)
        if name not in {d["name"] for d in doc.get("documents", [])}:
            raise NotFound("没有这份文件")
        bureau = name.split(".", 1)[0]
        if bureau not in BUREAUS:
            raise NotFound("没有这份文件")
        if self.quotas:
            self.quotas.take(who, "download")
        document = self.clients.of(bureau).document(app_id, name)
        return Download(base64.b64decode(document.data_base64), document.content_type, document.filename)

    def for_clerk(self, who: Principal, bureau: str, app_id: str) -> dict:
        """The submitted form, for a registration clerk deciding that application's review task
        (every application passes registration, so this shows them nothing beyond their work)."""
        doc = self.store.application(app_id)
        if doc is None or bureau != "registration" or not who.is_clerk_of(bureau):
            raise NotFound("没有找到这份申请")
        return {"id": doc["_id"], "company_name": doc.get("company_name", ""), "status": doc["status"],
                "revision": doc.get("revision", 0), "form": doc["form"], "replies": replies.replies_of(doc)}

    def _owned(self, who: Principal, app_id: str, founder_only: bool = False) -> dict:
        doc = self.store.application(app_id)
        allowed = doc is not None and (doc["founder_id"] == who.id or (who.is_operator and not founder_only))
        if not allowed:
            raise NotFound("没有找到这份申请")
        return doc


def _awaiting_correction(doc: dict) -> None:
    if doc["status"] != "correction_requested":
        raise Conflict("该申请当前不需要补正")


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise Invalid.with_fields("Idempotency-Key 无效",
                                  [{"field": "Idempotency-Key", "message": f"1-{MAX_IDEMPOTENCY_KEY}个可见字符"}])
    return key


def _hash(form_json: dict) -> str:
    return hashlib.sha256(json.dumps(form_json, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
