"""Red-letter invoices on the real RabbitMQ and database (国家税务总局公告2024年第11号 二): partial reversals
that add up, the buyer's 用途确认 and the 红字发票信息确认单 it then needs, the quota exact after each."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from contracts.rpc import Conflict, Invalid, NotFound
from tests.unit.tax.factories import licence_issued

pytestmark = pytest.mark.integration


def _companies(bureau):
    seller = licence_issued(org_body="00000011", taxpayer_type="general")
    buyer = licence_issued(org_body="00000012", district="420102")
    bureau.publish_licence(seller, wait_for="invoices_approved")
    bureau.publish_licence(buyer, wait_for="invoices_approved")
    return seller.licence.uscc, buyer.licence.uscc


def _blue(tax, seller, buyer, request_id, quantity="10", unit_price="100", rate="0.13"):
    return tax.issue_invoice(seller, {"request_id": request_id, "buyer_name": "武汉买方有限公司", "buyer_tax_id": buyer,
                                      "items": [{"name": "办公桌", "quantity": quantity, "unit_price": unit_price,
                                                 "tax_rate": rate}]})


def test_partial_reversals_add_up_and_give_back_exactly_their_quota(bureau):
    seller, buyer = _companies(bureau)
    with bureau.rpc() as tax:
        blue = _blue(tax, seller, buyer, "blue-1")  # 1000.00 + 130.00
        assert tax.get_registration(seller)["quota_used"] == "1000.00"
        ret = tax.red_letter(seller, blue["number"], {"request_id": "ret-1", "reason_code": "sales_return",
                                                      "lines": [{"line": 0, "quantity": "3"}]})
        assert (ret["total_amount"], ret["total_tax"], ret["items"][0]["quantity"], ret["partial"]) == \
            ("-300.00", "-39.00", "-3", True)
        off = tax.red_letter(seller, blue["number"], {"request_id": "off-1", "reason_code": "sales_allowance",
                                                      "lines": [{"line": 0, "amount": "50.50"}]})
        assert (off["total_amount"], off["total_tax"], off["items"][0]["quantity"]) == ("-50.50", "-6.57", "")
        assert tax.get_registration(seller)["quota_used"] == "649.50"  # 1000 - 300 - 50.50
        with pytest.raises(Invalid) as err:  # 649.50 is left of the line
            tax.red_letter(seller, blue["number"], {"request_id": "off-2", "reason_code": "sales_allowance",
                                                    "lines": [{"line": 0, "amount": "649.51"}]})
        assert {e.field: e.message for e in err.value.field_errors} == {
            "lines.0.amount": "冲红金额超过该行尚未冲红的金额649.50元"}
        rest = tax.red_letter(seller, blue["number"], {"request_id": "rest", "reason_code": "service_stopped"})
        assert (rest["total_amount"], rest["total_tax"]) == ("-649.50", "-84.43")  # 130 - 39 - 6.57
        assert tax.get_registration(seller)["quota_used"] == "0.00"
        with pytest.raises(Conflict):
            tax.red_letter(seller, blue["number"], {"request_id": "more", "reason_code": "service_stopped"})
        listed = {i["number"]: i for i in tax.list_invoices(seller)}
        assert sorted(listed[blue["number"]]["red_letters"]) == sorted([ret["number"], off["number"], rest["number"]])
        assert listed[blue["number"]]["reversed_by"] == rest["number"]


def test_concurrent_partial_reversals_never_exceed_the_blue_invoice(two_instances):
    seller, buyer = _companies(two_instances)
    with two_instances.rpc() as tax:
        blue = _blue(tax, seller, buyer, "blue-c", quantity="5", unit_price="10", rate="0.06")

    def reverse(i):
        with two_instances.rpc() as tax:
            try:
                return tax.red_letter(seller, blue["number"], {"request_id": f"c-{i}", "reason_code": "sales_return",
                                                               "lines": [{"line": 0, "quantity": "1"}]})
            except (Invalid, Conflict) as exc:
                return exc

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(reverse, range(8)))
    reds = [r for r in results if isinstance(r, dict)]
    assert 1 <= len(reds) <= 5
    with two_instances.rpc() as tax:
        stored = [i for i in tax.list_invoices(seller) if i["red"]]
        assert sorted(r["number"] for r in reds) == sorted(i["number"] for i in stored)
        assert tax.get_registration(seller)["quota_used"] == f"{50 - 10 * len(reds)}.00"


def test_a_used_invoice_is_reversed_only_through_a_form_the_buyer_confirms(bureau):
    seller, buyer = _companies(bureau)
    with bureau.rpc() as tax:
        blue = _blue(tax, seller, buyer, "blue-u", quantity="4", unit_price="25")  # 100.00 + 13.00
        with pytest.raises(Conflict) as err:  # not used yet: no form, the seller reverses directly
            tax.raise_red_letter_form(seller, blue["number"], {"request_id": "f0", "reason_code": "sales_return"})
        assert "无需确认单" in str(err.value)
        with pytest.raises(NotFound):  # only the buyer named on the invoice confirms its use
            tax.confirm_invoice_use(seller, blue["number"], {"purpose": "deduction"})
        used = tax.confirm_invoice_use(buyer, blue["number"], {"purpose": "deduction"})
        assert used["buyer_use"]["purpose"] == "deduction"
        assert [i["number"] for i in tax.received_invoices(buyer)] == [blue["number"]]

        with pytest.raises(Conflict) as err:
            tax.red_letter(seller, blue["number"], {"request_id": "direct", "reason_code": "sales_return"})
        assert "红字发票信息确认单" in str(err.value)
        form = tax.raise_red_letter_form(seller, blue["number"], {
            "request_id": "f1", "reason_code": "sales_return", "lines": [{"line": 0, "quantity": "1"}]})
        assert (form["state"], form["total"], form["buyer_tax_id"]) == ("pending", "-28.25", buyer)
        assert tax.raise_red_letter_form(seller, blue["number"], {
            "request_id": "f1", "reason_code": "sales_return", "lines": [{"line": 0, "quantity": "1"}]})["id"] == form["id"]
        with pytest.raises(Conflict):  # one pending form per invoice
            tax.raise_red_letter_form(seller, blue["number"], {"request_id": "f2", "reason_code": "sales_return"})
        assert tax.get_registration(seller)["quota_used"] == "100.00"  # nothing reversed before the buyer answers
        with pytest.raises(NotFound):  # the seller cannot confirm its own form
            tax.answer_red_letter_form(seller, form["id"], {"decision": "confirm"})
        assert [f["id"] for f in tax.red_letter_forms(buyer)] == [form["id"]]

        done = tax.answer_red_letter_form(buyer, form["id"], {"decision": "confirm"})
        assert done["state"] == "confirmed" and done["red_number"]
        assert tax.answer_red_letter_form(buyer, form["id"], {"decision": "confirm"}) == done  # a retry
        assert tax.get_registration(seller)["quota_used"] == "75.00"
        red = {i["number"]: i for i in tax.list_invoices(seller)}[done["red_number"]]
        assert (red["total"], red["reverses"]) == ("-28.25", blue["number"])

        second = tax.raise_red_letter_form(seller, blue["number"], {"request_id": "f3", "reason_code": "sales_allowance",
                                                                    "lines": [{"line": 0, "amount": "5"}]})
        refused = tax.answer_red_letter_form(buyer, second["id"], {"decision": "refuse"})
        assert refused["state"] == "refused" and refused["red_number"] is None
        with pytest.raises(Conflict):
            tax.answer_red_letter_form(buyer, second["id"], {"decision": "confirm"})
        with pytest.raises(Invalid) as err:
            tax.answer_red_letter_form(buyer, second["id"], {"decision": "maybe"})
        assert [e.field for e in err.value.field_errors] == ["decision"]
        assert tax.get_registration(seller)["quota_used"] == "75.00"
