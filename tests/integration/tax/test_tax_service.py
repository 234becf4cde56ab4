"""The tax bureau on the real RabbitMQ and database: licence_issued -> registered -> invoices approved,
the clerk path, invoicing with its typed errors, red-letter invoices and the invoice PDF."""

import base64
from decimal import Decimal
from io import BytesIO

import pytest
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from contracts.codes import make_uscc
from contracts.rpc import Conflict, Invalid, NotFound
from tests.support.events import as_published
from tests.support.outbox import pulled
from tests.unit.tax.factories import BUYER, licence_issued

pytestmark = pytest.mark.integration


def _request(request_id, quantity="2", unit_price="50", rate="0.13", **extra):
    return {"request_id": request_id, "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
            "items": [{"name": "办公用品", "quantity": quantity, "unit_price": unit_price, "tax_rate": rate}]} | extra


def test_licence_issued_registers_approves_and_ignores_a_duplicate(bureau, mongo_db):
    event = licence_issued()
    bureau.publish_licence(event, wait_for="invoices_approved")
    assert bureau.events(event.application_id) == ["tax_registered", "invoices_approved"]
    registered, approved = bureau.payloads(event.application_id)
    assert registered["taxpayer_id"] == event.licence.uscc
    assert registered["tax_office"] == "国家税务总局武汉市洪山区税务局"
    assert registered["documents"][0]["name"] == "tax.registration_notice"
    assert (approved["monthly_quota"], approved["invoice_kinds"]) == ("100000.00", ["vat_general"])

    # at-least-once delivery: the same event again registers nothing and announces nothing
    with entrypoint_waiter(bureau.tax, "on_licence_issued"):
        as_published(bureau.config)("registration", "licence_issued", event.model_dump(mode="json"))
    assert bureau.events(event.application_id) == ["tax_registered", "invoices_approved"]
    assert mongo_db["registrations"].count_documents({}) == 1
    assert pulled(mongo_db["registrations"], {})  # published, pulled at the next sweep

    with bureau.rpc() as tax:
        reg = tax.get_registration(event.licence.uscc)
        assert (reg["taxpayer_type"], reg["approval"], reg["monthly_quota"], reg["quota_used"],
                reg["quota_left"]) == ("small_scale", "approved", "100000.00", "0.00", "100000.00")
        assert reg["real_name"]["passed"] and reg["real_name"]["resident_id"] == "110***********002X"
        assert reg["real_name"]["method"] == "format_check_only"  # the embedded verifier, named honestly
        assert tax.health() == {"service": "tax", "status": "ok", "database": "ok", "checks": {}}


def test_invoicing_red_letter_documents_and_typed_errors(bureau):
    event = licence_issued(taxpayer_type="general")  # 13 % and 6 % are general taxpayers' rates (增值税法 art. 10)
    uscc = event.licence.uscc
    bureau.publish_licence(event, wait_for="invoices_approved")
    with bureau.rpc() as tax:
        inv = tax.issue_invoice(uscc, _request("order-1", quantity="3", unit_price="0.335"))
        assert (inv["total_amount"], inv["total_tax"], inv["total"]) == ("1.01", "0.13", "1.14")
        assert inv["amount_in_words"] == "壹元壹角肆分"
        assert len(inv["number"]) == 20 and inv["number"][2:4] == "42"
        assert tax.issue_invoice(uscc, _request("order-1", quantity="3", unit_price="0.335")) == inv
        with pytest.raises(Conflict):  # the same request_id with other content is a mistake, not a retry
            tax.issue_invoice(uscc, _request("order-1", quantity="4"))

        big = tax.issue_invoice(uscc, _request("order-2", quantity="10", unit_price="1234.56", rate="0.06"))
        assert (big["total_amount"], big["total_tax"], big["total"]) == ("12345.60", "740.74", "13086.34")
        assert tax.get_registration(uscc)["quota_used"] == "12346.61"  # without VAT

        pdf = tax.get_document(event.application_id, f"tax.invoice.{big['number']}")
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(base64.b64decode(pdf["data_base64"]))).pages)
        text = text.replace(" ", "")
        for shown in ("电子发票（普通发票）", big["number"], "¥12345.60", "¥740.74", "¥13086.34",
                      "壹万叁仟零捌拾陆元叁角肆分", BUYER, uscc, "武汉买方有限公司"):
            assert shown in text, shown
        names = [d["name"] for d in tax.list_documents(event.application_id)]
        assert names == ["tax.registration_notice", f"tax.invoice.{inv['number']}", f"tax.invoice.{big['number']}"]

        red = tax.red_letter(uscc, big["number"], {"request_id": "refund-2", "reason_code": "sales_return"})
        assert (red["total"], red["reverses"], red["red"]) == ("-13086.34", big["number"], True)
        assert red["amount_in_words"] == "负壹万叁仟零捌拾陆元叁角肆分"
        assert red["reason"] == "销货退回" and red["reason_code"] == "sales_return"
        assert tax.red_letter(uscc, big["number"], {"request_id": "refund-2", "reason_code": "sales_return"}) == red
        with pytest.raises(Conflict):
            tax.red_letter(uscc, big["number"], {"request_id": "refund-3", "reason_code": "invoicing_error"})
        assert tax.get_registration(uscc)["quota_used"] == "1.01"  # the reversal gave the quota back
        listed = tax.list_invoices(uscc)
        assert [i["number"] for i in listed] == [inv["number"], big["number"], red["number"]]
        assert listed[1]["reversed_by"] == red["number"]

        with pytest.raises(Invalid) as err:
            tax.issue_invoice(uscc, _request("bad", rate="0.17", buyer_tax_id="91420111000000018X"))
        assert {e.field for e in err.value.field_errors} == {"items.0.tax_rate"}
        with pytest.raises(Invalid) as err:
            tax.issue_invoice(uscc, _request("bad", buyer_tax_id="91420111000000018X"))
        assert [e.field for e in err.value.field_errors] == ["buyer_tax_id"]
        with pytest.raises(Conflict) as err:
            tax.issue_invoice(uscc, _request("too-much", quantity="1", unit_price="999999", rate="0"))
        assert "本月开票额度不足" in str(err.value)
        with pytest.raises(NotFound):
            tax.issue_invoice(make_uscc("420111", "00000099"), _request("x"))
        with pytest.raises(NotFound):
            tax.get_document(event.application_id, "tax.invoice.00000000000000000000")


def test_clerk_path_queue_claim_and_approve_with_adjusted_quota(bureau):
    event = licence_issued(monthly_invoice_estimate=Decimal("2000000"))
    uscc = event.licence.uscc
    bureau.publish_licence(event, wait_for="task_queued")
    assert bureau.events(event.application_id) == ["tax_registered", "task_queued"]
    with bureau.rpc() as tax:
        with pytest.raises(Conflict) as err:
            tax.issue_invoice(uscc, _request("early"))
        assert "审核" in str(err.value)
        [task] = tax.list_tasks("open")
        assert (task["kind"], task["bureau"], task["state"], task["actions"]) == \
            ("invoice_approval", "tax", "open", ["approve", "reject"])
        assert task["details"]["proposed_quota"] == "2000000.00"
        assert "超过自动核定上限" in task["reason"]

        assert tax.claim_task(task["id"], "clerk-li")["claimed_by"] == "clerk-li"
        with pytest.raises(Conflict):
            tax.claim_task(task["id"], "clerk-wang")
        with pytest.raises(Conflict):
            tax.act_on_task(task["id"], "clerk-wang", "approve", {})
        with pytest.raises(Conflict):
            tax.release_task(task["id"], "clerk-wang")  # only the holder gives it back
        assert tax.release_task(task["id"], "clerk-li")["state"] == "open"
        assert tax.claim_task(task["id"], "clerk-li")["claimed_by"] == "clerk-li"
        with pytest.raises(Invalid):
            tax.act_on_task(task["id"], "clerk-li", "mark_engraved", {"engraver": "测试用印章刻制单位"})
        with pytest.raises(Invalid) as err:
            tax.act_on_task(task["id"], "clerk-li", "approve", {"monthly_quota": "-5"})
        assert err.value.field_errors[0].field == "monthly_quota"

        def approved(worker_ctx, result, exc_info):
            return result["type"] == "invoices_approved"

        with entrypoint_waiter(bureau.listener, "on_invoices_approved", callback=approved, timeout=15):
            done = tax.act_on_task(task["id"], "clerk-li", "approve", {"monthly_quota": "1500000.00"})
        assert done["state"] == "done" and done["actions"] == []
        assert [h["action"] for h in done["history"]] == ["claim", "release", "claim", "approve"]
        assert bureau.events(event.application_id) == ["tax_registered", "task_queued", "invoices_approved"]
        assert bureau.payloads(event.application_id)[-1]["monthly_quota"] == "1500000.00"
        assert tax.list_tasks("open") == [] and len(tax.list_tasks("done")) == 1
        with pytest.raises(Conflict):
            tax.act_on_task(task["id"], "clerk-li", "reject", {"reasons": ["晚了"]})
        assert tax.get_registration(uscc)["monthly_quota"] == "1500000.00"
        assert tax.issue_invoice(uscc, _request("first", rate="0.01"))["total"] == "101.00"  # small-scale 1 %


def test_clerk_rejection_is_announced_and_blocks_invoicing(bureau):
    event = licence_issued(rep_id="110105194912310021")  # a resident ID with a wrong check digit
    bureau.publish_licence(event, wait_for="task_queued")
    with bureau.rpc() as tax:
        [task] = tax.list_tasks()
        assert "实名核验未通过" in task["reason"]
        with pytest.raises(Invalid):
            tax.act_on_task(task["id"], "clerk-li", "reject", {"reasons": []})

        def rejected(worker_ctx, result, exc_info):
            return result["type"] == "step_rejected"

        with entrypoint_waiter(bureau.listener, "on_step_rejected", callback=rejected, timeout=15):
            tax.act_on_task(task["id"], "clerk-li", "reject", {"reasons": ["法定代表人身份信息不符"]})
        assert bureau.payloads(event.application_id)[-1]["reasons"] == ["法定代表人身份信息不符"]
        with pytest.raises(Conflict):
            tax.issue_invoice(event.licence.uscc, _request("x"))
