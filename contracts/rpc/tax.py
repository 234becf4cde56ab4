"""The tax bureau's RPC requests, validated by the gateway (its HTTP body and OpenAPI) and again by
the bureau: one definition, so what the gateway accepts is exactly what tax accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.form import InvoiceKind
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
