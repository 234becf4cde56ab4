"""The tax bureau's RPC requests, validated by the gateway (its HTTP body and OpenAPI) and again by
the bureau: one definition, so what the gateway accepts is exactly what tax accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.form import InvoiceKind
from contracts.rpc import Moment, Money, Reply
from contracts.text import VisibleText

# Every VAT rate or levy rate an invoice line may carry (增值税法: 13%, 9%, 6%, 0; small-scale 3% and its reduction
# to 1%; the transitional 5%, 1.5%, 2%). Which of them a seller may use on which day is the tax bureau's check.
ALLOWED_TAX_RATES = frozenset(Decimal(r) for r in ("0.13", "0.09", "0.06", "0.05", "0.03", "0.02", "0.015", "0.01", "0"))
LEVY_RULES = ("real_estate_simplified", "housing_rental_to_individuals", "used_goods")
RATE_LABELS = "、".join(f"{(r * 100).normalize():f}%" for r in sorted(ALLOWED_TAX_RATES, reverse=True))
MAX_ITEMS = 100


class InvoiceItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: VisibleText = Field(min_length=1, max_length=100)
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=8)
    unit_price: Decimal = Field(gt=0, max_digits=18, decimal_places=8)  # excluding tax
    tax_rate: Decimal = Field(json_schema_extra={"enum": sorted(f"{r}" for r in ALLOWED_TAX_RATES)})
    # the transitional rule a 5 % / 1.5 % / 2 % line is issued under (services/tax/data/vat_rates.json)
    levy_rule: Literal[LEVY_RULES] | None = None  # type: ignore[valid-type]

    @field_validator("tax_rate")
    @classmethod
    def _allowed_rate(cls, rate: Decimal) -> Decimal:
        if rate not in ALLOWED_TAX_RATES:
            raise ValueError(f"税率只能为 {RATE_LABELS}")
        return rate


class InvoiceRequest(BaseModel):
    """`issue_invoice(uscc, request)`: unit prices exclude tax; `request_id` makes a retried request
    return the same invoice."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    request_id: str = Field(min_length=1, max_length=64)
    buyer_name: VisibleText = Field(min_length=2, max_length=100)
    # a USCC (the bureau checks its check character); empty for a natural person, who may get ordinary
    # invoices only: a special invoice needs the buyer's taxpayer id
    buyer_tax_id: str | None = Field(None, max_length=18)
    kind: InvoiceKind = InvoiceKind.vat_general
    items: list[InvoiceItem] = Field(min_length=1, max_length=MAX_ITEMS)


# The coded reasons a red-letter invoice is issued for (红字发票开具原因): 销货退回, 开票有误, 服务中止, 销售折让.
RED_LETTER_REASONS = {"sales_return": "销货退回", "invoicing_error": "开票有误", "service_stopped": "服务中止",
                      "sales_allowance": "销售折让"}
MAX_RED_LINES = MAX_ITEMS


class RedLine(BaseModel):
    """One line of a partial reversal: which line of the blue invoice (`line`, from 0) and how much of it,
    as a returned `quantity` (销货退回, 服务中止) or an `amount` excluding tax (销售折让, 服务中止)."""

    model_config = ConfigDict(extra="forbid")
    line: int = Field(ge=0, lt=MAX_ITEMS)
    quantity: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=8)
    amount: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=2)

    @model_validator(mode="after")
    def _one_measure(self) -> RedLine:
        if (self.quantity is None) == (self.amount is None):
            raise ValueError("每一行请填写退回数量（quantity）或冲红金额（amount）其中一项")
        return self


class RedLetterRequest(BaseModel):
    """`red_letter(uscc, invoice_number, request)`: a red-letter invoice for one of the coded reasons, of
    the whole blue invoice (no `lines`: what is left of it) or of part of it (`lines`). Several partial
    reversals add up; together they never exceed the blue invoice. The same `request_id` returns the same one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    request_id: str = Field(min_length=1, max_length=64)
    reason_code: Literal["sales_return", "invoicing_error", "service_stopped", "sales_allowance"]
    reason: str = Field("", max_length=200)  # the seller's own words, printed after the coded reason
    lines: list[RedLine] | None = Field(None, min_length=1, max_length=MAX_RED_LINES)


# 用途确认 (chosen for deduction, 抵扣勾选) or 入账确认 (entered in the books): either makes the blue
# invoice "used" by the buyer, and its reversal then needs the buyer's confirmation form.
INVOICE_USES = {"deduction": "用途确认（抵扣勾选）", "accounting": "入账确认"}


class InvoiceUse(BaseModel):
    """`confirm_invoice_use(buyer_uscc, number, use)`: the buyer records what it did with a received invoice."""

    model_config = ConfigDict(extra="forbid")
    purpose: Literal["deduction", "accounting"]


class RedLetterFormAnswer(BaseModel):
    """`answer_red_letter_form(buyer_uscc, form_id, answer)`: the buyer confirms or refuses the 确认单."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirm", "refuse"]


class DeclarationRequest(BaseModel):
    """`file_declaration(uscc, declaration)`: the company's 纳税申报 for one period (services/tax/
    domain/declarations.py): `period` "2026-11" (monthly, general taxpayers) or "2026-Q4" (quarterly,
    small-scale); `tax_due` the tax it declares (0 for a 零申报)."""

    model_config = ConfigDict(extra="forbid")
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")
    tax_due: Decimal = Field(ge=0, max_digits=15, decimal_places=2)


# ---- replies: what tax answers (services/tax/views.py builds them, gateway/clients.py reads them) ----


class Party(Reply):
    name: str
    tax_id: str | None  # None: a natural person as buyer


class InvoiceLine(Reply):
    """A line as issued: quantities and prices as written on the invoice (a discount's red line reverses
    no quantity: ""), amounts and tax to the fen, negative on a red-letter invoice."""

    name: str
    quantity: str
    unit_price: str
    tax_rate: str
    amount: Money
    tax: Money
    line: int | None = None  # a red-letter line: which line of the blue invoice it reverses


class BuyerUse(Reply):
    purpose: Literal["deduction", "accounting"]
    at: Moment


class Invoice(Reply):
    """An invoice as seller and buyer see it (`issue_invoice`, `red_letter`, `list_invoices`,
    `received_invoices`, `confirm_invoice_use`); the red-letter fields are None on a blue invoice."""

    number: str
    uscc: str
    application_id: str
    request_id: str
    kind: InvoiceKind
    title: str
    red: bool
    reverses: str | None
    reversed_by: str | None
    issued_at: Moment
    month: str
    quota_month: str
    seller: Party
    buyer: Party
    items: list[InvoiceLine]
    total_amount: Money
    total_tax: Money
    total: Money
    amount_in_words: str
    red_letters: list[str] = Field(default_factory=list)  # the red-letter invoices issued against it
    buyer_use: BuyerUse | None = None
    reason: str | None = None
    reason_code: Literal["sales_return", "invoicing_error", "service_stopped", "sales_allowance"] | None = None
    partial: bool | None = None
    final_reversal: bool | None = None


class RedLetterForm(Reply):
    """A 红字发票信息确认单 as seller and buyer see it, its state as of the answer (void once expired)."""

    id: str
    seller_uscc: str
    seller_name: str
    buyer_tax_id: str | None
    buyer_name: str
    invoice_number: str
    request_id: str
    reason: str
    reason_code: Literal["sales_return", "invoicing_error", "service_stopped", "sales_allowance"]
    items: list[InvoiceLine]
    lines: list[RedLine] | None  # what the seller asked to reverse; None: all that was left
    total_amount: Money
    total_tax: Money
    total: Money
    state: Literal["pending", "confirmed", "refused", "void"]
    state_label: str
    initiated_by: Literal["seller"]
    created_at: Moment
    expires_at: Moment
    answered_at: Moment | None
    red_number: str | None


class Declaration(Reply):
    """One period of the 纳税申报 listing (`list_declarations`), or the declaration just filed."""

    period: str
    label: str
    filed: bool
    tax_due: Money | None = None
    filed_at: Moment | None = None  # in China's time zone


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "issue_invoice": Invoice,
    "red_letter": Invoice,
    "list_invoices": list[Invoice],
    "received_invoices": list[Invoice],
    "confirm_invoice_use": Invoice,
    "raise_red_letter_form": RedLetterForm,
    "answer_red_letter_form": RedLetterForm,
    "red_letter_forms": list[RedLetterForm],
    "file_declaration": Declaration,
    "list_declarations": list[Declaration],
}
