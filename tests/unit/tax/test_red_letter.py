"""Red-letter 数电发票 as 国家税务总局公告2024年第11号 sets them out (services/tax/redletter.py).

Quoted, part 二 (二): "蓝字数电发票已进行用途确认或入账确认的……开票方或受票方均可发起红冲流程，并经对方确认
《红字发票信息确认单》（以下简称《确认单》）后，由开票方开具红字数电发票。《确认单》发起后72小时内未经确认的，
自动作废。" The coded reasons are the platform's 红冲原因 (销货退回, 开票有误, 服务中止, 销售折让); partial
reversal (部分红冲) of amount and tax never exceeds what is left of the blue invoice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.form import TaxpayerType
from contracts.rpc import Conflict, Invalid
from contracts.rpc.tax import RedLetterRequest
from services.tax import domain
from services.tax.domain import redletter
from services.tax.offices import offices
from services.tax.rates import vat_rates
from tests.unit.tax.factories import BUYER, licence_issued

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
RATES = vat_rates()
SELLER = licence_issued().licence.uscc


def blue(*lines: tuple[str, str, str]) -> dict:
    """A stored blue invoice with lines (quantity, unit price, rate)."""
    reg = domain.new_registration(licence_issued(taxpayer_type="general"), NOW, offices())
    items = [{"name": f"货物{i}", "quantity": q, "unit_price": p, "tax_rate": r} for i, (q, p, r) in enumerate(lines)]
    request = domain.parse_invoice_request({"request_id": "b", "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
                                            "items": items}, SELLER, ["vat_general"],
                                           TaxpayerType.general, domain.local_day(NOW), RATES)
    return domain.build_invoice(reg, request, "26421000000000000001", NOW, RATES)


def ask(reason: str, lines=None, request_id: str = "r") -> RedLetterRequest:
    return RedLetterRequest(request_id=request_id, reason_code=reason, lines=lines)


def fields(caught) -> dict[str, str]:
    return {e.field: e.message for e in caught.value.field_errors}


def test_an_unused_blue_invoice_is_reversed_directly_a_used_one_needs_the_buyers_confirmation():
    """公告2024年第11号 二(一)/(二): unused -> the seller reverses it; 用途确认 or 入账确认 -> a 确认单."""
    invoice = blue(("2", "50", "0.13"))
    assert not redletter.buyer_used(invoice)
    assert redletter.buyer_used(invoice | {"buyer_use": {"purpose": "deduction", "at": NOW}})
    assert redletter.buyer_used(invoice | {"buyer_use": {"purpose": "accounting", "at": NOW}})


def test_a_confirmation_form_unconfirmed_for_72_hours_is_void():
    """"《确认单》发起后72小时内未经确认的，自动作废。" (公告2024年第11号 二(二))"""
    invoice = blue(("2", "50", "0.13"))
    request = ask("sales_return")
    parts = redletter.red_parts(invoice, request, redletter.reversed_so_far({}, invoice))
    form = redletter.new_form("f1", invoice, request, parts, "fp", NOW, RATES)
    assert (form["buyer_tax_id"], form["total"], form["state"]) == (BUYER, "-113.00", "pending")
    assert redletter.form_state(form, NOW + timedelta(hours=71, minutes=59)) == "pending"
    assert redletter.form_state(form, NOW + timedelta(hours=72)) == "void"
    assert redletter.state_label(form, "void") == "72小时内未确认，已自动作废"
    assert redletter.form_state(form | {"state": "confirmed"}, NOW + timedelta(days=9)) == "confirmed"


def test_the_confirmation_window_is_the_rates_tables_and_a_form_keeps_the_one_it_was_raised_with():
    """vat_rates.json `red_letter.confirmation_hours` is the only place the 72 hours are written."""
    assert RATES.confirmation_hours == RATES.table["red_letter"]["confirmation_hours"] == 72
    shorter = domain.VatRates({**RATES.table, "red_letter": {**RATES.table["red_letter"], "confirmation_hours": 48}})
    invoice = blue(("2", "50", "0.13"))
    request = ask("sales_return")
    parts = redletter.red_parts(invoice, request, redletter.reversed_so_far({}, invoice))
    form = redletter.new_form("f1", invoice, request, parts, "fp", NOW, shorter)
    assert form["expires_at"] == NOW + timedelta(hours=48)
    assert redletter.form_state(form, NOW + timedelta(hours=48)) == "void"
    assert redletter.state_label(form, "void") == "48小时内未确认，已自动作废"
    older = redletter.new_form("f0", invoice, request, parts, "fp", NOW, RATES)
    assert redletter.state_label(older, "void") == "72小时内未确认，已自动作废"  # raised under the old table


def test_invoicing_error_reverses_the_whole_invoice_only():
    """开票有误: the blue invoice is reversed in full and issued again (ASSUMPTION, vat_rates.json red_letter)."""
    invoice = blue(("2", "50", "0.13"), ("1", "10", "0.06"))
    parts = redletter.red_parts(invoice, ask("invoicing_error"), redletter.reversed_so_far({}, invoice))
    assert [(p.line, p.amount_fen, p.tax_fen) for p in parts] == [(0, 10000, 1300), (1, 1000, 60)]
    with pytest.raises(Invalid) as caught:
        redletter.red_parts(invoice, ask("invoicing_error", [{"line": 0, "amount": "10"}]),
                            redletter.reversed_so_far({}, invoice))
    assert fields(caught) == {"lines": "开票有误须将蓝字发票全额红冲后重新开具，不能部分红冲"}


def test_a_sales_allowance_reduces_the_amount_never_the_quantity():
    """销售折让: a discount reverses amount and its tax, no goods come back."""
    invoice = blue(("10", "100", "0.13"))
    parts = redletter.red_parts(invoice, ask("sales_allowance", [{"line": 0, "amount": "150"}]),
                                redletter.reversed_so_far({}, invoice))
    assert [(p.amount_fen, p.tax_fen, p.qty_e8) for p in parts] == [(15000, 1950, 0)]
    assert redletter.red_items(invoice, parts)[0]["quantity"] == ""
    with pytest.raises(Invalid) as caught:
        redletter.red_parts(invoice, ask("sales_allowance", [{"line": 0, "quantity": "1"}]),
                            redletter.reversed_so_far({}, invoice))
    assert fields(caught) == {"lines.0.quantity": "销售折让只冲减金额，不退回数量：请填写冲红金额"}


def test_a_partial_return_reverses_the_returned_quantity_and_never_more_than_is_left():
    """销货退回 of part of the goods: quantity x unit price, its tax; the rest of a line takes the rest exactly."""
    invoice = blue(("3", "0.335", "0.13"))  # amount 1.01, tax 0.13
    state = redletter.reversed_so_far({}, invoice)
    first = redletter.red_parts(invoice, ask("sales_return", [{"line": 0, "quantity": "1"}]), state)
    assert [(p.amount_fen, p.tax_fen) for p in first] == [(34, 4)]  # 0.335 -> 0.34, tax 0.0442 -> 0.04
    state = redletter.after(state, first)
    with pytest.raises(Invalid) as caught:
        redletter.red_parts(invoice, ask("sales_return", [{"line": 0, "quantity": "2.5"}]), state)
    assert fields(caught) == {"lines.0.quantity": "退回数量超过该行尚未冲红的数量2"}
    rest = redletter.red_parts(invoice, ask("sales_return", [{"line": 0, "quantity": "2"}]), state)
    assert [(p.amount_fen, p.tax_fen) for p in rest] == [(67, 9)]  # 1.01 - 0.34 and 0.13 - 0.04, not round(0.67 x 13 %)
    state = redletter.after(state, rest)
    assert redletter.fully_reversed(invoice, state)
    with pytest.raises(Conflict):
        redletter.red_parts(invoice, ask("service_stopped"), state)


def test_an_amount_above_what_is_left_of_the_line_is_refused_on_its_field():
    invoice = blue(("1", "100", "0.06"), ("1", "50", "0.06"))
    state = redletter.after(redletter.reversed_so_far({}, invoice), [redletter.RedPart(0, 6000, 360, 0)])
    with pytest.raises(Invalid) as caught:
        redletter.red_parts(invoice, ask("service_stopped", [{"line": 0, "amount": "40.01"}, {"line": 5, "amount": "1"},
                                                             {"line": 1, "amount": "50"}]), state)
    assert fields(caught) == {"lines.0.amount": "冲红金额超过该行尚未冲红的金额40.00元",
                              "lines.1.line": "蓝字发票只有2行（从0起编号）"}
    # no lines: what is left of every line (a full reversal after a partial one)
    parts = redletter.red_parts(invoice, ask("service_stopped"), state)
    assert [(p.line, p.amount_fen, p.tax_fen) for p in parts] == [(0, 4000, 240), (1, 5000, 300)]


def test_a_line_measures_either_a_quantity_or_an_amount():
    with pytest.raises(ValueError, match="其中一项"):
        ask("service_stopped", [{"line": 0, "quantity": "1", "amount": "1"}])
    with pytest.raises(ValueError, match="其中一项"):
        ask("service_stopped", [{"line": 0}])


@settings(max_examples=60, deadline=None)
@given(qty=st.integers(1, 40), price=st.decimals("0.01", "999.99", places=2), rate=st.sampled_from(["0.13", "0.09", "0.06"]),
       cuts=st.lists(st.integers(1, 40), min_size=1, max_size=8), by_amount=st.booleans())
def test_partial_reversals_add_up_to_at_most_the_blue_invoice_and_exactly_to_it_when_all_is_reversed(
        qty, price, rate, cuts, by_amount):
    """Whatever the pieces, the reds of a line never exceed its amount or its tax, and a final full
    reversal brings both to zero exactly: the quota given back equals the quota charged."""
    invoice = blue((str(qty), str(price), rate))
    state = redletter.reversed_so_far({}, invoice)
    reason = "sales_allowance" if by_amount else "sales_return"
    for cut in cuts:
        left = redletter.remaining(invoice, state)[0]
        if by_amount:
            piece = {"line": 0, "amount": str(Decimal(min(cut * 37, left["amount"])) / 100)} if left["amount"] else None
        else:
            piece = {"line": 0, "quantity": str(min(cut, left["qty"] // redletter.QTY_SCALE))} if left["qty"] else None
        if not piece or Decimal(next(iter(v for k, v in piece.items() if k != "line"))) <= 0:
            break
        state = redletter.after(state, redletter.red_parts(invoice, ask(reason, [piece]), state))
        left = redletter.remaining(invoice, state)[0]
        assert left["amount"] >= 0 and left["tax"] >= 0
    if not redletter.fully_reversed(invoice, state):
        state = redletter.after(state, redletter.red_parts(invoice, ask("service_stopped"), state))
    left = redletter.remaining(invoice, state)[0]
    assert (left["amount"], left["tax"]) == (0, 0)
    assert sum(state["amount_fen"]) == domain.to_fen(Decimal(invoice["total_amount"]))
    assert sum(state["tax_fen"]) == domain.to_fen(Decimal(invoice["total_tax"]))
