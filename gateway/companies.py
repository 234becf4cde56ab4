"""After the licence: the founder's company at tax and the seal bureau, and public verification (staff
changes, which reach several bureaus, are gateway.staffing's)."""

from __future__ import annotations

import base64
import hashlib
from uuid import uuid4

from contracts.bureaus import LABELS
from contracts.changes import ChangeRequest
from contracts.closing import ClosingRequest, ObjectionRequest
from contracts.codes import is_valid_uscc
from contracts.rpc import Invalid, NotFound, tax
from gateway.applications import Download
from gateway.auth import Principal
from gateway.clients import Clients
from gateway.store import GatewayStore

# the request bodies are the bureaus' own RPC models: what the gateway accepts is what they accept
InvoiceRequest = tax.InvoiceRequest
RedLetterRequest = tax.RedLetterRequest


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

    def issue_invoice(self, who: Principal, uscc: str, request: InvoiceRequest) -> dict:
        return self.clients.tax.issue_invoice(self._own(who, uscc), request)

    def red_letter(self, who: Principal, uscc: str, number: str, request: RedLetterRequest) -> dict:
        return self.clients.tax.red_letter(self._own(who, uscc), number, request)

    def list_invoices(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.tax.list_invoices(self._own(who, uscc))

    # ---- electronic seals (the seal bureau keeps the keys; the founder asks it to sign)

    def sign_with_seal(self, who: Principal, uscc: str, code: str, pdf: bytes, placement: dict | None,
                       idempotency_key: str | None) -> dict:
        request = {"pdf_base64": base64.b64encode(pdf).decode(), "placement": placement,
                   "idempotency_key": idempotency_key, "signer": {"id": who.id, "name": who.name}}
        return self.clients.seal.sign_document(self._own(who, uscc), code, request)

    def list_seal_uses(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.seal.list_seal_uses(self._own(who, uscc))

    def report_seal_lost(self, who: Principal, uscc: str, code: str, reason: str) -> dict:
        return self.clients.seal.report_seal_lost(self._own(who, uscc), code, reason)

    def electronic_seal_data(self, who: Principal, uscc: str, code: str) -> Download:
        document = self.clients.seal.electronic_seal_data(self._own(who, uscc), code)
        return Download(base64.b64decode(document.data_base64), document.content_type, document.filename)

    # ---- change of details (变更登记): registration decides, every bureau answers ----------------

    def request_change(self, who: Principal, uscc: str, change: ChangeRequest, idempotency_key: str | None) -> dict:
        change_id = _request_id(who, idempotency_key)
        return self.clients.registration.request_change(self._own(who, uscc), who.id, change_id, change)

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
        return {**view, "timeline": sorted(timeline, key=lambda e: e["at"])}


    # ---- closing (简易注销): registration notices, every bureau clears, registration deregisters -------

    def request_closure(self, who: Principal, uscc: str, request: ClosingRequest, idempotency_key: str | None) -> dict:
        closure_id = _request_id(who, idempotency_key)
        return self.clients.registration.request_closure(self._own(who, uscc), who.id, closure_id, request)

    def recheck_closure(self, who: Principal, uscc: str, closure_id: str) -> dict:
        return self.clients.registration.recheck_closure(self._own(who, uscc), who.id, closure_id)

    def list_closures(self, who: Principal, uscc: str) -> list[dict]:
        return self.clients.registration.list_closures(self._own(who, uscc), who.id)

    def closure(self, who: Principal, uscc: str, closure_id: str) -> dict:
        """The closure with its timeline (the notice, each bureau's check, the deregistration)."""
        view = self.clients.registration.get_closure(self._own(who, uscc), who.id, closure_id)
        doc = self.store.application_by_uscc(uscc) or {}
        timeline = [{"at": e["at"], "source": e["source"], "type": e["type"], "summary": _closing_line(e)}
                    for e in doc.get("timeline", [])
                    if e["type"] in CLOSING_EVENTS and e["data"].get("closure_id") == closure_id]
        return {**view, "timeline": sorted(timeline, key=lambda e: e["at"])}


def _closing_line(entry: dict) -> str:
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


class VerifyService:
    """Anyone may check a licence or a seal (no login): what a counterparty does before signing."""

    def __init__(self, clients: Clients):
        self.clients = clients

    def licence(self, uscc: str, version: int | None = None) -> dict:
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
        return self.clients.registration.verify(uscc, version)

    def object_to_closure(self, uscc: str, objection: ObjectionRequest) -> dict:
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
        return self.clients.registration.record_objection(uscc, objection)

    def seal(self, code: str) -> dict:
        if not (len(code) == 13 and code.isdigit()):
            raise Invalid.with_fields("印章编码无效", [{"field": "code", "message": "印章编码为13位数字"}])
        return self.clients.seal.lookup_seal(code)
