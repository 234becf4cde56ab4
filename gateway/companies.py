"""After the licence: the founder's company at tax and social security, and public verification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import is_valid_uscc
from contracts.rpc import Invalid, NotFound
from contracts.text import PersonName, VisibleText
from gateway.auth import Principal
from gateway.rpc import Bureaus
from gateway.store import GatewayStore

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, gt=0)]


class InvoiceItem(BaseModel):
    model_config = STRICT
    name: VisibleText = Field(min_length=1, max_length=100)
    quantity: Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=6)]
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=6)]
    tax_rate: Annotated[Decimal, Field(ge=0, lt=1, max_digits=4, decimal_places=3)]


class InvoiceRequest(BaseModel):
    """Unit prices exclude tax; `request_id` makes a retried request return the same invoice."""

    model_config = STRICT
    request_id: str = Field(min_length=1, max_length=100)
    buyer_name: VisibleText = Field(min_length=2, max_length=100)
    buyer_tax_id: str = Field(min_length=15, max_length=20)
    kind: Literal["vat_general", "vat_special"] | None = None
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)


class EmployeeRequest(BaseModel):
    model_config = STRICT
    name: PersonName
    resident_id: str = Field(min_length=18, max_length=18)
    start_date: date
    monthly_wage: Amount


class CompanyService:
    def __init__(self, store: GatewayStore, bureaus: Bureaus):
        self.store = store
        self.bureaus = bureaus

    def _own(self, who: Principal, uscc: str) -> str:
        """Only the founder whose application got this USCC may act for the company."""
        doc = self.store.application_by_uscc(uscc) if is_valid_uscc(uscc) else None
        if doc is None or doc["founder_id"] != who.id:
            raise NotFound("没有找到您名下的这家企业")
        return uscc

    def issue_invoice(self, who: Principal, uscc: str, request: InvoiceRequest) -> dict:
        payload = request.model_dump(mode="json", exclude_none=True)
        return self.bureaus.call("tax", "issue_invoice", self._own(who, uscc), payload)

    def list_invoices(self, who: Principal, uscc: str) -> list[dict]:
        return self.bureaus.call("tax", "list_invoices", self._own(who, uscc))

    def enrol_employee(self, who: Principal, uscc: str, employee: EmployeeRequest,
                       request_id: str | None = None) -> dict:
        return self.bureaus.call("social_security", "enrol_employee", self._own(who, uscc),
                                 employee.model_dump(mode="json"), request_id)

    def end_employment(self, who: Principal, uscc: str, employee_id: str, end_date: date | None = None) -> dict:
        return self.bureaus.call("social_security", "end_employment", self._own(who, uscc), employee_id,
                                 end_date.isoformat() if end_date else None)

    def list_staff(self, who: Principal, uscc: str) -> list[dict]:
        return self.bureaus.call("social_security", "list_staff", self._own(who, uscc))


class VerifyService:
    """Anyone may check a licence or a seal (no login): what a counterparty does before signing."""

    def __init__(self, bureaus: Bureaus):
        self.bureaus = bureaus

    def licence(self, uscc: str) -> dict:
        if not is_valid_uscc(uscc):
            raise Invalid.with_fields("统一社会信用代码无效", [{"field": "uscc", "message": "请核对18位代码及校验码"}])
        return self.bureaus.call("registration", "verify", uscc)

    def seal(self, code: str) -> dict:
        if not (len(code) == 13 and code.isdigit()):
            raise Invalid.with_fields("印章编码无效", [{"field": "code", "message": "印章编码为13位数字"}])
        return self.bureaus.call("seal", "lookup_seal", code)
