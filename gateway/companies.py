"""After the licence: the founder's company at tax and the seal bureau, and public verification (staff
changes, which reach several bureaus, are gateway.staffing's)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from uuid import uuid4

from pydantic import ValidationError

from contracts import clock
from contracts.bureaus import LABELS
from contracts.calendar import aware
from contracts.changes import ChangeRequest, CreditorObjection, ObjectionAnswer
from contracts.closing import ClosingRequest, ObjectionRequest
from contracts.codes import is_valid_uscc
from contracts.form import pydantic_field_errors
from contracts.liquidation import LiquidationRequest, ReportRequest
from contracts.rpc import Forbidden, Invalid, NotFound, bank, tax
from contracts.rpc.seal import Signer, SignRequest
from gateway.applications import Download
from gateway.auth import Principal
from gateway.clients import Clients
from gateway.contact_verification import require_verified
from gateway.errors import TooManyRequests
from gateway.identities import holder_of
from gateway.store import GatewayStore
from gateway.views import current_name

# the request bodies are the bureaus' own RPC models: what the gateway accepts is what they accept
InvoiceRequest = tax.InvoiceRequest
RedLetterRequest = tax.RedLetterRequest
InvoiceUse = tax.InvoiceUse
RedLetterFormAnswer = tax.RedLetterFormAnswer
DeclarationRequest = tax.DeclarationRequest
AppointmentChoice = bank.AppointmentChoice


class CompanyService:
    def __init__(self, store: GatewayStore, clients: Clients):
        self.store = store
        self.clients = clients

    def _own(self, who: Principal, uscc: str) -> str:
        """Only the founder whose application got this USCC may act for the company."""
        doc = self.store.application_by_uscc(uscc) if is_valid_uscc(uscc) else None
        if doc is None or doc["founder_id"] != who.id:
            raise NotFound("没有找到您名下的这家企业")
        return uscc

    def move_bank_appointment(self, who: Principal, uscc: str, choice: AppointmentChoice) -> dict:
        """The bank appointment chosen or moved (while the account is reserved, not yet opened)."""
        return self.clients.bank.move_appointment(self._own(who, uscc), choice)

    def bank_account(self, who: Principal, uscc: str) -> dict:
        return self.clients.bank.get_account(self._own(who, uscc))

    def medical_members(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.medical_insurance.list_members(self._own(who, uscc))

    def issue_invoice(self, who: Principal, uscc: str, request: InvoiceRequest) -> dict:
        return self.clients.tax.issue_invoice(self._own(who, uscc), request)

    def red_letter(self, who: Principal, uscc: str, number: str, request: RedLetterRequest) -> dict:
        return self.clients.tax.red_letter(self._own(who, uscc), number, request)

    def list_invoices(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.tax.list_invoices(self._own(who, uscc))

    # ---- tax declarations (纳税申报): what a closing's 清税 checks (services/tax/workflow.py, domain/declarations.py)

    def file_declaration(self, who: Principal, uscc: str, declaration: DeclarationRequest) -> dict:
        return self.clients.tax.file_declaration(self._own(who, uscc), declaration)

    def list_declarations(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.tax.list_declarations(self._own(who, uscc))

    # ---- red-letter invoices on used invoices (国家税务总局公告2024年第11号): seller raises, buyer confirms

    def raise_red_letter_form(self, who: Principal, uscc: str, number: str, request: RedLetterRequest) -> dict:
        return self.clients.tax.raise_red_letter_form(self._own(who, uscc), number, request)

    def red_letter_forms(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.tax.red_letter_forms(self._own(who, uscc))

    def answer_red_letter_form(self, who: Principal, uscc: str, form_id: str, answer: RedLetterFormAnswer) -> dict:
        return self.clients.tax.answer_red_letter_form(self._own(who, uscc), form_id, answer.model_dump(mode="json"))

    def received_invoices(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.tax.received_invoices(self._own(who, uscc))

    def confirm_invoice_use(self, who: Principal, uscc: str, number: str, use: InvoiceUse) -> dict:
        return self.clients.tax.confirm_invoice_use(self._own(who, uscc), number, use.model_dump(mode="json"))

    # ---- electronic seals (the seal bureau keeps the keys; the founder asks it to sign)

    def sign_with_seal(self, who: Principal, uscc: str, code: str, pdf: bytes, placement: dict | None,
                       idempotency_key: str | None) -> dict:
        try:
            request = SignRequest(pdf_base64=base64.b64encode(pdf).decode(), placement=placement,
                                  idempotency_key=idempotency_key or None, signer=Signer(id=who.id, name=who.name or ""))
        except ValidationError as exc:
            raise Invalid.with_fields("签章请求有误", pydantic_field_errors(exc)) from None
        return self.clients.seal.sign_document(self._own(who, uscc), code, request).model_dump(mode="json")

    def list_seal_uses(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.seal.list_seal_uses(self._own(who, uscc))

    def report_seal_lost(self, who: Principal, uscc: str, code: str, reason: str) -> dict:
        return self.clients.seal.report_seal_lost(self._own(who, uscc), code, reason)

    def electronic_seal_data(self, who: Principal, uscc: str, code: str) -> Download:
        document = self.clients.seal.electronic_seal_data(self._own(who, uscc), code)
        return Download(base64.b64decode(document.data_base64), document.content_type, document.filename)

    # ---- change of details (变更登记): registration decides, every bureau answers ----------------

    def request_change(self, who: Principal, uscc: str, change: ChangeRequest, idempotency_key: str | None) -> dict:
        """Everyone the change names newly confirms it from their own account first, except the
        founder acting (their verified resident ID goes along so registration can tell)."""
        change_id = _request_id(who, idempotency_key)
        return self.clients.registration.request_change(self._own(who, uscc), who.id, change_id, change,
                                                        self._founder_rid(who))

    def _founder_rid(self, who: Principal) -> str | None:
        try:
            return holder_of(self.store, self.store.account(who.id) or {})
        except Forbidden:
            return None  # not verified: the founder confirms like anyone named

    def correct_change(self, who: Principal, uscc: str, change_id: str, change: ChangeRequest,
                       keep_others: bool = False) -> dict:
        """The founder's correction of a change the registration clerk sent back; back to that clerk.
        `keep_others`: the sections not given stay as requested (the page corrects some of them)."""
        return self.clients.registration.correct_change(self._own(who, uscc), who.id, change_id, change,
                                                        self._founder_rid(who), keep_others)

    def answer_objection(self, who: Principal, uscc: str, change_id: str, objection_id: str,
                         answer: ObjectionAnswer) -> dict:
        return self.clients.registration.answer_objection(self._own(who, uscc), who.id, change_id, objection_id, answer)

    def change_confirmations(self, who: Principal) -> list[dict]:
        """The changes waiting for my confirmation, by the resident ID my verified account holds."""
        return self.clients.registration.change_confirmations(holder_of(self.store, self.store.account(who.id) or {}))

    def decide_change(self, who: Principal, uscc: str, change_id: str, decision: dict) -> dict:
        rid = holder_of(self.store, self.store.account(who.id) or {})
        require_verified(self.store, who.id)  # the email/mobile answered a code (gateway/contact_verification.py)
        return self.clients.registration.decide_change(uscc, change_id, rid, decision)

    def registered_name(self, who: Principal, uscc: str) -> dict:
        """The parts of the company's current name: the newest registered name change's, else the form's."""
        renamed = [c["new_name"] for c in self.list_changes(who, uscc)
                   if c.get("new_name") and c["state"] in ("registered", "completed")]
        name = renamed[-1] if renamed else (self.store.application_by_uscc(uscc) or {}).get("form", {}).get("name", {})
        return {k: name.get(k, "") for k in ("division", "trade_name", "industry", "organisation_form")}

    def current_name(self, who: Principal, uscc: str) -> str:
        """The company's name as its newest licence has it (after a name change, the new one)."""
        return current_name(self.store.application_by_uscc(self._own(who, uscc)) or {})

    def list_changes(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.registration.list_changes(self._own(who, uscc), who.id)

    def change(self, who: Principal, uscc: str, change_id: str) -> dict:
        """The change as registration holds it, with its timeline: the events of this change as the
        tracker recorded them on the company's one timeline (registration's, then each bureau's answer)."""
        view = self.clients.registration.get_change(self._own(who, uscc), who.id, change_id)
        doc = self.store.application_by_uscc(uscc) or {}
        timeline = [{"at": e["at"], "source": e["source"], "type": e["type"], "summary": e["summary"],
                     **({"answer": e["data"].get("summary"), "detail": e["data"].get("detail")}
                        if e["type"] == "change_recorded" else {"version": e["data"].get("version")})}
                    for e in doc.get("timeline", [])
                    if e["type"] in CHANGE_EVENTS and e["data"].get("change_id") == change_id]
        # what registration itself recorded (a clerk's review, confirmations, creditors' objections)
        timeline += [{"at": aware(datetime.fromisoformat(e["at"])), "source": "registration", "type": "change_log",
                      "summary": e["summary"]} for e in view.get("log", [])]
        return {**view, "company_name": current_name(doc), "timeline": sorted(timeline, key=lambda e: aware(e["at"]))}


    # ---- closing (简易注销): registration notices, every bureau clears, registration deregisters -------

    def request_closure(self, who: Principal, uscc: str, request: ClosingRequest, idempotency_key: str | None) -> dict:
        closure_id = _request_id(who, idempotency_key)
        return self.clients.registration.request_closure(self._own(who, uscc), who.id, closure_id, request)

    def request_liquidation(self, who: Principal, uscc: str, request: LiquidationRequest,
                            idempotency_key: str | None) -> dict:
        closure_id = _request_id(who, idempotency_key)
        return self.clients.registration.request_liquidation(self._own(who, uscc), who.id, closure_id, request)

    def file_liquidation_report(self, who: Principal, uscc: str, closure_id: str, report: ReportRequest) -> dict:
        return self.clients.registration.file_liquidation_report(self._own(who, uscc), who.id, closure_id, report)

    def recheck_closure(self, who: Principal, uscc: str, closure_id: str) -> dict:
        return self.clients.registration.recheck_closure(self._own(who, uscc), who.id, closure_id)

    def list_closures(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.registration.list_closures(self._own(who, uscc), who.id)

    def closure(self, who: Principal, uscc: str, closure_id: str) -> dict:
        """The closure with its timeline (the notice, each bureau's check, the deregistration)."""
        view = self.clients.registration.get_closure(self._own(who, uscc), who.id, closure_id)
        doc = self.store.application_by_uscc(uscc) or {}
        timeline = [{"at": e["at"], "source": e["source"], "type": e["type"], "summary": _closing_line(e, view["kind"])}
                    for e in doc.get("timeline", [])
                    if e["type"] in CLOSING_EVENTS and e["data"].get("closure_id") == closure_id]
        return {**view, "company_name": current_name(doc), "timeline": sorted(timeline, key=lambda e: e["at"])}


def _closing_line(entry: dict, kind: str = "simplified") -> str:
    if entry["type"] == "clearance_requested" and kind == "general":
        return "清算组已备案，债权人公告已在国家企业信用信息公示系统发布（45日申报期），各部门开始清结核查"
    if entry["type"] != "clearance_answered":
        return entry["summary"]
    blockers = entry["data"].get("blockers") or []
    label = LABELS.get(entry["source"], entry["source"])
    return f"{label}核查完毕：有{len(blockers)}项未办结事项" if blockers else f"{label}核查完毕：已清结"


def _request_id(who: Principal, idempotency_key: str | None) -> str:
    """The same Idempotency-Key from the same founder is the same request (a retry, not a second one)."""
    return hashlib.sha256(f"{who.id}:{idempotency_key}".encode()).hexdigest()[:32] if idempotency_key else uuid4().hex


CHANGE_EVENTS = ("company_changed", "change_recorded")
CLOSING_EVENTS = ("clearance_requested", "clearance_answered", "company_deregistered")


# The public objection form (no login) is a write anyone may make: per client address and in all, per
# hour, as sign-ups are limited (a sliding window in the gateway's failure log). A real objector files
# one or two; a flood would bury registration's record of the real ones.
OBJECTIONS_PER_ADDRESS_PER_HOUR = 5
OBJECTIONS_PER_HOUR = 200


class VerifyService:
    """Anyone may check a licence or a seal (no login): what a counterparty does before signing."""

    def __init__(self, clients: Clients, store: GatewayStore | None = None):
        self.clients, self.store = clients, store

    def licence(self, uscc: str, version: int | None = None) -> dict:
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
        return self.clients.registration.verify(uscc, version)

    def object_to_closure(self, uscc: str, objection: ObjectionRequest, client: str | None = None) -> dict:
        self._check_objection(uscc, client)
        return self.clients.registration.record_objection(uscc, objection)

    def object_to_decrease(self, uscc: str, objection: CreditorObjection, client: str | None = None) -> dict:
        """A creditor's objection to a capital decrease (公司法 art. 224), limited as the closing's."""
        self._check_objection(uscc, client)
        return self.clients.registration.object_to_decrease(uscc, objection)

    def _check_objection(self, uscc: str, client: str | None) -> None:
        if self.store is not None:
            self._check_objection_rate(client)
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])

    def _check_objection_rate(self, client: str | None) -> None:
        # one budget for both kinds of public objection: a flood of either buries the real ones
        since = clock.now() - timedelta(hours=1)
        limits = {"objection:all": OBJECTIONS_PER_HOUR}
        if client:
            limits[f"objection:client:{client}"] = OBJECTIONS_PER_ADDRESS_PER_HOUR
        if any(self.store.failures_since(key, since) >= limit for key, limit in limits.items()):
            raise TooManyRequests("提交异议过于频繁，请一小时后再试；也可书面向登记机关提出")
        self.store.record_failure(list(limits))  # every attempt counts, a refused one too

    def seal(self, code: str) -> dict:
        if not (len(code) == 13 and code.isdigit()):
            raise Invalid.with_fields("印章编码无效", [{"field": "code", "message": "印章编码为13位数字"}])
        return self.clients.seal.lookup_seal(code)
