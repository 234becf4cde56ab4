"""The tax bureau's vocabulary (taxpayer types, invoice kinds, quota rules) and its money: Decimal at
the edges, integer fen (分) wherever it moves atomically, amounts in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from contracts.bureaus import TARGET_DAYS
from contracts.form import (
    InvoiceKind,
    TaxpayerType,
)

FEN = Decimal("0.01")
BUREAU = "tax"
TASK_KIND = "invoice_approval"
APPROVAL_WORKING_DAYS = TARGET_DAYS["tax"]  # the manifest: 国办发〔2018〕32号, invoices within 2 working days

TAXPAYER_TYPE_LABELS = {TaxpayerType.small_scale: "小规模纳税人", TaxpayerType.general: "一般纳税人"}
INVOICE_KIND_LABELS = {
    InvoiceKind.vat_general: "电子发票（普通发票）",
    InvoiceKind.vat_special: "电子发票（增值税专用发票）",
}
MAX_QUOTA = Decimal("100000000")  # a clerk may not grant more than 1亿 a month


@dataclass(frozen=True)
class QuotaRule:
    """Automatic 授信额度 for a new taxpayer: a default, raised in steps to cover the estimate, up to a cap."""

    default: Decimal
    auto_cap: Decimal
    step: Decimal = Decimal("10000")


QUOTA_RULES = {
    TaxpayerType.small_scale: QuotaRule(default=Decimal("100000"), auto_cap=Decimal("1000000")),
    TaxpayerType.general: QuotaRule(default=Decimal("1000000"), auto_cap=Decimal("10000000")),
}
# A general taxpayer asking for special invoices (which carry deductible input VAT) above this monthly
# estimate is looked at by a person: that is where invoice fraud concentrates.
SPECIAL_INVOICE_REVIEW_ESTIMATE = Decimal("1000000")


# ---- money -------------------------------------------------------------------------------------


def to_fen(amount: Decimal) -> int:
    """Exact integer fen of an amount already rounded to the fen (raises if it is not)."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def yuan(amount: Decimal) -> str:
    """Wire form of money: a decimal string with exactly two places."""
    return str(amount.quantize(FEN, rounding=ROUND_HALF_UP))


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _integer_in_words(n: int) -> str:
    """Chinese capital numerals for a whole number: one 零 for each run of zeros inside it."""
    if n == 0:
        return "零"
    digits = str(n)
    if len(digits) > 16:
        raise ValueError("amount too large to write in words")
    out: list[str] = []
    zero_pending = False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i
        small, group = place % 4, place // 4
        if ch == "0":
            zero_pending = True
        else:
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            out.append(_DIGITS[int(ch)] + _SMALL_UNITS[small])
        if small == 0 and group > 0:
            group_digits = digits[max(0, i - 3): i + 1]
            if group_digits.strip("0"):
                out.append(_GROUP_UNITS[group])
    return "".join(out)


def amount_in_words(amount: Decimal) -> str:
    """The 大写 amount printed on invoices (会计基础工作规范 art. 52): 壹仟贰佰叁拾肆元伍角陆分.

    整 follows an amount ending at 元 or 角; none follows 分. A zero 角 before a non-zero 分 is written
    零 (壹元零伍分). Negative amounts (red-letter invoices) start with 负.
    """
    amount = round_fen(amount)
    if amount < 0:
        return "负" + amount_in_words(-amount)
    fen_total = to_fen(amount)
    whole, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    words = _integer_in_words(whole) + "元" if whole or not cents else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and whole:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return words
