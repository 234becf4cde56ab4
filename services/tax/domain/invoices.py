"""Invoices (数电发票) and red-letter invoices: parsing a request against the day's rates, pricing,
numbering, and the stored invoice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from contracts import clock
from contracts.calendar import aware
from contracts.clock import CHINA
from contracts.codes import is_valid_uscc
from contracts.form import (
    InvoiceKind,
    TaxpayerType,
    pydantic_field_errors,
)
from contracts.rpc import Conflict, FieldError, Invalid
from contracts.rpc.tax import (
    InvoiceItem,
    InvoiceRequest,
    RedLetterRequest,
)
from services.tax.domain import redletter
from services.tax.domain.money import INVOICE_KIND_LABELS, amount_in_words, from_fen, round_fen, to_fen, yuan
from services.tax.domain.rates import AllowedRates, VatRates

# ---- invoices ----------------------------------------------------------------------------------


def parse_invoice_request(raw: Any, seller_uscc: str, approved_kinds: list[str],
                          taxpayer_type: TaxpayerType, day: date, rates: VatRates) -> InvoiceRequest:
    """Parse and check an invoice request; `Invalid` lists every field that is wrong.

    The rates follow the seller's taxpayer type on the day of issue, both given by the caller, and the
    table (services/tax/rates.py reads it)."""
    try:
        request = InvoiceRequest.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("开票信息有误", pydantic_field_errors(exc)) from None
    errors = []
    if not request.buyer_tax_id:
        if request.kind is InvoiceKind.vat_special:
            errors.append(FieldError(field="buyer_tax_id",
                                     message="增值税专用发票不得开具给自然人：请填写购买方纳税人识别号（统一社会信用代码）"))
    elif not is_valid_uscc(request.buyer_tax_id):
        errors.append(FieldError(field="buyer_tax_id", message="购买方纳税人识别号（统一社会信用代码）无效"))
    elif request.buyer_tax_id == seller_uscc:
        errors.append(FieldError(field="buyer_tax_id", message="购买方不能是销售方本身"))
    if request.kind.value not in approved_kinds:
        label = INVOICE_KIND_LABELS[request.kind]
        errors.append(FieldError(field="kind", message=f"未核准开具{label}"))
    allowed = rates.allowed(taxpayer_type, request.kind, day)
    for i, item in enumerate(request.items):
        amount = round_fen(item.quantity * item.unit_price)
        if amount <= 0:
            errors.append(FieldError(field=f"items.{i}", message="金额不足一分钱"))
        message = _rate_error(item, taxpayer_type, allowed, rates)
        if message:
            errors.append(FieldError(field=f"items.{i}.tax_rate", message=message))
    if errors:
        raise Invalid.with_fields("开票信息有误", errors)
    return request


def _rate_error(item: InvoiceItem, taxpayer_type: TaxpayerType, allowed: AllowedRates, rates: VatRates) -> str | None:
    if item.levy_rule:
        rule = rates.transitional_rule(item.levy_rule)
        if taxpayer_type.value not in rule["taxpayer_types"] or Decimal(rule["rate"]) != item.tax_rate:
            return f"{rule['label']}应按{(Decimal(rule['rate']) * 100).normalize():f}%开具"
        return None
    if item.tax_rate in allowed.rates:
        return None
    shown = "、".join(f"{(r * 100).normalize():f}%" for r in sorted(allowed.rates, reverse=True))
    return f"税率应为{shown}：{allowed.why}"


def check_may_invoice(registration: dict[str, Any]) -> None:
    """Invoices only once the invoice use (数电发票) is approved."""
    state = registration["approval"]
    if state == "pending":
        raise Conflict("发票申领正在税务人员审核中，核准后才能开票")
    if state == "rejected":
        raise Conflict("发票申领未获核准，不能开票")


def check_reversible(original: dict[str, Any]) -> None:
    if original["red"]:
        raise Conflict(f"发票 {original['number']} 本身是红字发票，不能再冲红")


def quota_exceeded(ledger: dict[str, Any], quota_fen: int) -> Conflict:
    left = from_fen(ledger["limit_fen"] - ledger["used_fen"])
    return Conflict(f"本月开票额度不足：剩余{yuan(left)}元，本张发票价税合计{yuan(from_fen(quota_fen))}元")


def request_fingerprint(request: dict[str, Any]) -> str:
    """What makes a retried request the same request: its canonical JSON, hashed."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_same_request(answered: dict[str, Any], fingerprint: str) -> None:
    """A request_id already answered may only come back with the same content."""
    if answered.get("fingerprint") != fingerprint:
        raise Conflict(f"request_id {answered['request_id']} 已用于开具另一张内容不同的发票 {answered['number']}")


def parse_red_letter_request(raw: Any) -> RedLetterRequest:
    return parse_model(RedLetterRequest, raw, "红字发票信息有误")


def parse_model(model, raw: Any, message: str):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields(message, pydantic_field_errors(exc)) from None


@dataclass(frozen=True)
class Line:
    name: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal  # quantity x unit price, to the fen
    tax: Decimal  # amount x rate, to the fen

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "quantity": _plain(self.quantity), "unit_price": _plain(self.unit_price),
                "tax_rate": _plain(self.tax_rate), "amount": yuan(self.amount), "tax": yuan(self.tax)}


@dataclass(frozen=True)
class Totals:
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


def price_line(name: str, quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> Line:
    """One invoice line: amount and tax each rounded half-up to the fen, exactly, in Decimal."""
    amount = round_fen(quantity * unit_price)
    return Line(name, quantity, unit_price, tax_rate, amount, round_fen(amount * tax_rate))


def price(items: list[InvoiceItem]) -> Totals:
    return Totals(tuple(price_line(i.name, i.quantity, i.unit_price, i.tax_rate) for i in items))


def local_day(moment: datetime) -> date:
    """The working day a moment belongs to: its date in Asia/Shanghai."""
    return clock.china_date(moment)


def month_key(moment: datetime) -> str:
    """The calendar month (Asia/Shanghai) whose quota an invoice issued at this moment uses."""
    return aware(moment).astimezone(CHINA).strftime("%Y-%m")


INVOICE_PROVINCE = "42"  # 湖北


def number_counter_key(moment: datetime, province: str = INVOICE_PROVINCE) -> str:
    return f"invoice:{aware(moment).astimezone(CHINA).year % 100:02d}{province}"


def format_invoice_number(moment: datetime, sequence: int, channel: str, province: str = INVOICE_PROVINCE) -> str:
    """The 20-digit 数电发票 number: year 2 (Asia/Shanghai) + province 2 + issuing channel 1 + sequence 15.

    The layout is the national one (vat_rates.json says where from); the channel digit's value is an
    assumption the table dates (VatRates.issuing_channel).
    """
    if not (len(province) == 2 and province.isdigit()):
        raise ValueError(f"province must be 2 digits: {province!r}")
    if not (len(channel) == 1 and channel.isdigit()):
        raise ValueError(f"issuing channel must be 1 digit: {channel!r}")
    if not 0 < sequence < 10**15:
        raise ValueError("invoice sequence out of range")
    return f"{aware(moment).astimezone(CHINA).year % 100:02d}{province}{channel}{sequence:015d}"


def quota_fen(totals: Totals, rates: VatRates) -> int:
    """What an invoice uses of the monthly 发票总额度: its amount without VAT, or with it (data: invoice_quota)."""
    return to_fen(totals.total if rates.quota_counts_vat else totals.amount)


def build_invoice(registration: dict[str, Any], request: InvoiceRequest, number: str,
                  issued_at: datetime, rates: VatRates) -> dict[str, Any]:
    """The invoice as stored, returned over RPC and printed; `quota_fen` is what it charges to the month."""
    totals = price(request.items)
    return _invoice_doc(
        registration, number, issued_at, request.request_id, request.kind.value,
        buyer={"name": request.buyer_name, "tax_id": request.buyer_tax_id},
        lines=[line.as_dict() for line in totals.lines],
        amount=totals.amount, tax=totals.tax, total=totals.total, rates=rates,
    )


def build_red_letter(registration: dict[str, Any], original: dict[str, Any], request: RedLetterRequest,
                     parts: list[redletter.RedPart], number: str, issued_at: datetime,
                     rates: VatRates) -> dict[str, Any]:
    """A reversing (红字) invoice of the parts given (all of what is left, or some lines in part)."""
    amount = -from_fen(sum(p.amount_fen for p in parts))
    tax = -from_fen(sum(p.tax_fen for p in parts))
    doc = _invoice_doc(
        registration, number, issued_at, request.request_id, original["kind"], buyer=original["buyer"],
        lines=redletter.red_items(original, parts), amount=amount, tax=tax, total=amount + tax,
        rates=rates,
    )
    doc.update(red=True, reverses=original["number"], reason=redletter.reason_text(request),
               reason_code=request.reason_code, partial=request.lines is not None,
               quota_month=original["quota_month"])  # the reversal gives back the original month's quota
    return doc


def _invoice_doc(registration, number, issued_at, request_id, kind, buyer, lines, amount, tax, total, rates):
    return {
        "number": number,
        "uscc": registration["uscc"],
        "application_id": registration["application_id"],
        "request_id": request_id,
        "kind": kind,
        "title": INVOICE_KIND_LABELS[InvoiceKind(kind)],
        "red": False,
        "reverses": None,
        "reversed_by": None,
        "issued_at": issued_at,
        "month": month_key(issued_at),
        "quota_month": month_key(issued_at),
        "seller": {"name": registration["company_name"], "tax_id": registration["taxpayer_id"]},
        "buyer": buyer,
        "items": lines,
        "total_amount": yuan(amount),
        "total_tax": yuan(tax),
        "total": yuan(total),
        "amount_in_words": amount_in_words(total),
        "quota_fen": to_fen(total if rates.quota_counts_vat else amount),  # vat_rates.json: invoice_quota
    }


def _plain(value: Decimal) -> str:
    """A decimal string without exponent or trailing zeros: 1.50000000 -> 1.5, 1E+1 -> 10."""
    return format(value.normalize(), "f")
