"""After the licence: the founder's company at tax and the seal bureau, and public verification (staff
changes, which reach several bureaus, are gateway.staffing's)."""

from __future__ import annotations

import base64

from contracts.codes import is_valid_uscc
from contracts.rpc import Invalid, NotFound, tax
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


class VerifyService:
    """Anyone may check a licence or a seal (no login): what a counterparty does before signing."""

    def __init__(self, clients: Clients):
        self.clients = clients

    def licence(self, uscc: str) -> dict:
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
        return self.clients.registration.verify(uscc)

    def seal(self, code: str) -> dict:
        if not (len(code) == 13 and code.isdigit()):
            raise Invalid.with_fields("印章编码无效", [{"field": "code", "message": "印章编码为13位数字"}])
        return self.clients.seal.lookup_seal(code)
