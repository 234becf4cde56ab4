"""Red-letter (红字) 数电发票: what may be reversed, by whom and how much.

The rule followed is 国家税务总局公告2024年第11号 (数电发票 nationwide from 2024-12-01), part 二 (一)/(二),
as quoted by retrieved copies of its text:
- a blue invoice the buyer has not used (no 用途确认, no 入账确认) is reversed by the seller directly;
- once the buyer has used it, "开票方或受票方均可发起红冲流程，并经对方确认《红字发票信息确认单》（以下简称
  《确认单》）后，由开票方开具红字数电发票。《确认单》发起后72小时内未经确认的，自动作废。"
The coded reasons (销货退回, 开票有误, 服务中止, 销售折让) are the platform's 红冲原因; partial reversal
(部分红冲) is how returns of part of the goods and discounts are invoiced. What each reason allows
(`REASON_RULES`) is an assumption, marked in services/tax/data/vat_rates.json ("red_letter").

The amounts reversed so far are kept per blue invoice line in the quota ledger (`reds.<number>`, with a
version for compare-and-set), so several partial reversals add up and never exceed the blue invoice,
however many requests race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from contracts.calendar import aware
from contracts.rpc import Conflict, FieldError, Invalid
from contracts.rpc.tax import RED_LETTER_REASONS, RedLetterRequest
from services.tax.domain.money import round_fen
from services.tax.domain.rates import VatRates

QTY_SCALE = 10**8  # quantities carry up to 8 decimal places: kept as integers of 1e-8


@dataclass(frozen=True)
class ReasonRule:
    partial: bool  # may reverse part of the invoice
    measures: tuple[str, ...]  # how a partial line is measured: "quantity" and/or "amount"
    why: str


REASON_RULES = {
    "invoicing_error": ReasonRule(False, (), "开票有误须将蓝字发票全额红冲后重新开具"),
    "sales_return": ReasonRule(True, ("quantity",), "销货退回按退回数量红冲"),
    "service_stopped": ReasonRule(True, ("quantity", "amount"), "服务中止按未提供部分的数量或金额红冲"),
    "sales_allowance": ReasonRule(True, ("amount",), "销售折让只冲减金额，不退回数量"),
}
MEASURE_LABELS = {"quantity": "退回数量", "amount": "冲红金额"}


def buyer_used(invoice: dict[str, Any]) -> bool:
    """Has the buyer confirmed its use (用途确认) or entered it in its books (入账确认)?"""
    return bool(invoice.get("buyer_use"))


# ---- what is left of a blue invoice -----------------------------------------------------------------


def _fen(text: str) -> int:
    return int((Decimal(text) * 100).to_integral_value())


def _qty(text: str) -> int:
    return int((Decimal(text) * QTY_SCALE).to_integral_value())


def ledger_key(number: str) -> str:
    """A blue invoice's key under the ledger's `reds` (a letter first: a key of digits only could be
    read as an array index in an update path)."""
    return f"n{number}"


def reversed_so_far(ledger: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """The amounts, taxes and quantities already reversed per line of `original` (zeros at first)."""
    state = (ledger.get("reds") or {}).get(ledger_key(original["number"]))
    if state is not None:
        return state
    n = len(original["items"])
    return {"v": 0, "amount_fen": [0] * n, "tax_fen": [0] * n, "qty_e8": [0] * n}


def remaining(original: dict[str, Any], state: dict[str, Any]) -> list[dict[str, int]]:
    """Per line: amount, tax (fen) and quantity (1e-8) still reversible."""
    return [{"amount": _fen(line["amount"]) - state["amount_fen"][i], "tax": _fen(line["tax"]) - state["tax_fen"][i],
             "qty": _qty(line["quantity"]) - state["qty_e8"][i]} for i, line in enumerate(original["items"])]


def fully_reversed(original: dict[str, Any], state: dict[str, Any]) -> bool:
    return all(r["amount"] == 0 and r["tax"] == 0 for r in remaining(original, state))


# ---- the red lines of one request ---------------------------------------------------------------------


@dataclass(frozen=True)
class RedPart:
    line: int
    amount_fen: int
    tax_fen: int
    qty_e8: int


def red_parts(original: dict[str, Any], request: RedLetterRequest, state: dict[str, Any]) -> list[RedPart]:
    """What this request reverses of each line, checked against what is left; `Invalid` names the field.

    A reversal that takes the rest of a line's amount takes the rest of its tax too, so the reds of a
    line add up to the blue line exactly, whatever the rounding of each."""
    left = remaining(original, state)
    if all(r["amount"] <= 0 and r["tax"] <= 0 for r in left):
        raise Conflict(f"发票 {original['number']} 已全额开具红字发票，没有可冲红的金额")
    rule = REASON_RULES[request.reason_code]
    if request.lines is None:
        if any(s for s in state["amount_fen"]) and not rule.partial:
            raise Invalid.with_fields("红字发票信息有误", [FieldError(
                field="reason_code", message=f"{rule.why}：该发票已部分红冲，请按其他原因冲红剩余部分")])
        return [RedPart(i, r["amount"], r["tax"], r["qty"]) for i, r in enumerate(left) if r["amount"] or r["tax"]]
    if not rule.partial:
        raise Invalid.with_fields("红字发票信息有误", [FieldError(field="lines", message=rule.why + "，不能部分红冲")])
    errors, parts, seen = [], [], set()
    for k, asked in enumerate(request.lines):
        field = f"lines.{k}"
        if asked.line >= len(left):
            errors.append(FieldError(field=f"{field}.line", message=f"蓝字发票只有{len(left)}行（从0起编号）"))
            continue
        if asked.line in seen:
            errors.append(FieldError(field=f"{field}.line", message="同一行只能填写一次"))
            continue
        seen.add(asked.line)
        measure = "quantity" if asked.quantity is not None else "amount"
        if measure not in rule.measures:
            shown = "或".join(MEASURE_LABELS[m] for m in rule.measures)
            errors.append(FieldError(field=f"{field}.{measure}", message=f"{rule.why}：请填写{shown}"))
            continue
        part = _part(original["items"][asked.line], asked, left[asked.line], measure)
        if isinstance(part, FieldError):
            errors.append(FieldError(field=f"{field}.{measure}", message=part.message))
        else:
            parts.append(part)
    if errors:
        raise Invalid.with_fields("红字发票信息有误", errors)
    return parts


def _part(blue: dict[str, str], asked, left: dict[str, int], measure: str) -> RedPart | FieldError:
    rate, price = Decimal(blue["tax_rate"]), Decimal(blue["unit_price"])
    if measure == "quantity":
        qty = _qty(str(asked.quantity))
        if qty > left["qty"]:
            return FieldError(field="", message=f"退回数量超过该行尚未冲红的数量{_shown_qty(left['qty'])}")
        amount = left["amount"] if qty == left["qty"] else _fen(str(round_fen(asked.quantity * price)))
    else:
        qty, amount = 0, _fen(str(asked.amount))
    if amount > left["amount"]:
        return FieldError(field="", message=f"冲红金额超过该行尚未冲红的金额{_shown_fen(left['amount'])}元")
    if amount <= 0:
        return FieldError(field="", message="冲红金额不足一分钱")
    tax = left["tax"] if amount == left["amount"] else min(left["tax"], _fen(str(round_fen(Decimal(amount) / 100 * rate))))
    return RedPart(asked.line, amount, tax, qty)


def _shown_fen(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def _shown_qty(qty_e8: int) -> str:
    return format((Decimal(qty_e8) / QTY_SCALE).normalize(), "f")


def after(state: dict[str, Any], parts: list[RedPart]) -> dict[str, Any]:
    """The ledger's reversed amounts once these parts are issued (the version moves on)."""
    new = {"v": state["v"] + 1, **{k: list(state[k]) for k in ("amount_fen", "tax_fen", "qty_e8")}}
    for p in parts:
        new["amount_fen"][p.line] += p.amount_fen
        new["tax_fen"][p.line] += p.tax_fen
        new["qty_e8"][p.line] += p.qty_e8
    return new


def red_items(original: dict[str, Any], parts: list[RedPart]) -> list[dict[str, Any]]:
    """The red invoice's lines: negative amounts and taxes; a discount line reverses no quantity."""
    lines = []
    for p in parts:
        blue = original["items"][p.line]
        qty = f"-{_shown_qty(p.qty_e8)}" if p.qty_e8 else ""
        lines.append({**blue, "line": p.line, "quantity": qty, "amount": f"-{_shown_fen(p.amount_fen)}",
                      "tax": f"-{_shown_fen(p.tax_fen)}"})
    return lines


def reason_text(request: RedLetterRequest) -> str:
    return RED_LETTER_REASONS[request.reason_code] + (f"：{request.reason}" if request.reason else "")


# ---- the confirmation form (红字发票信息确认单) -------------------------------------------------------


def new_form(form_id: str, original: dict[str, Any], request: RedLetterRequest, parts: list[RedPart],
             fingerprint: str, now: datetime, rates: VatRates) -> dict[str, Any]:
    """A 确认单 the seller raises on a blue invoice the buyer has used; it waits for the buyer the hours
    the rates table says (`red_letter.confirmation_hours`: 72 in 公告2024年第11号)."""
    amount, tax = sum(p.amount_fen for p in parts), sum(p.tax_fen for p in parts)
    return {
        "_id": form_id, "id": form_id, "seller_uscc": original["uscc"], "seller_name": original["seller"]["name"],
        "buyer_tax_id": original["buyer"]["tax_id"], "buyer_name": original["buyer"]["name"],
        "invoice_number": original["number"], "request": request.model_dump(mode="json"),
        "request_id": request.request_id, "fingerprint": fingerprint, "reason": reason_text(request),
        "items": red_items(original, parts), "total_amount": f"-{_shown_fen(amount)}",
        "total_tax": f"-{_shown_fen(tax)}", "total": f"-{_shown_fen(amount + tax)}",
        "state": "pending", "initiated_by": "seller", "created_at": now,
        "expires_at": now + timedelta(hours=rates.confirmation_hours), "answered_at": None, "red_number": None,
    }


FORM_STATE_LABELS = {"pending": "待受票方确认", "confirmed": "受票方已确认，已开具红字发票",
                     "refused": "受票方不同意", "void": "{hours}小时内未确认，已自动作废"}


def confirmation_hours(form: dict[str, Any]) -> int:
    """The window this form was raised with (its own expiry, so a later change of the table does not
    rewrite what an older form said)."""
    return round((aware(form["expires_at"]) - aware(form["created_at"])).total_seconds() / 3600)


def state_label(form: dict[str, Any], state: str) -> str:
    return FORM_STATE_LABELS[state].format(hours=confirmation_hours(form))


def form_state(form: dict[str, Any], now: datetime) -> str:
    """A pending form past its expiry is void, whether or not anyone has written that down yet."""
    if form["state"] == "pending" and aware(form["expires_at"]) <= now:
        return "void"
    return form["state"]
