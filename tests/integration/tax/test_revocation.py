"""A revoked licence on the real RabbitMQ and database: licence_revoked is recorded once, new invoices and
a clerk's approval are refused with the reason, reversing, listing and documents still work, and a
revocation that overtakes licence_issued still blocks the company once it is registered."""

from decimal import Decimal

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts.rpc import Conflict, NotFound
from tests.unit.tax.factories import BUYER, licence_issued, licence_revoked

pytestmark = pytest.mark.integration

REFUSED_INVOICE = "营业执照已于2026-11-25被吊销（提交虚假材料取得公司登记），不能再开具发票"
SHOWN = {"revoked_at": "2026-11-24T17:30:00+00:00", "reason": "提交虚假材料取得公司登记"}


def _request(request_id, quantity="2", unit_price="50"):
    return {"request_id": request_id, "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
            "items": [{"name": "办公用品", "quantity": quantity, "unit_price": unit_price, "tax_rate": "0.01"}]}  # small-scale: 1 %


def _spent(mongo_db, uscc):
    """Everything issuing could consume: numbers drawn, quota charged, numbers written off, invoices."""
    return ([c["seq"] for c in mongo_db["counters"].find({}, {"seq": 1}).sort("_id")],
            [m["used_fen"] for m in mongo_db["months"].find({"uscc": uscc})],
            mongo_db["skipped_numbers"].count_documents({}), mongo_db["invoices"].count_documents({}))


def test_revoked_company_issues_no_new_invoice_but_can_reverse_list_and_print(bureau, mongo_db):
    event = licence_issued()
    uscc = event.licence.uscc
    bureau.publish_licence(event, wait_for="invoices_approved")
    with bureau.rpc() as tax:
        assert tax.get_registration(uscc)["licence_revoked"] is None
        first = tax.issue_invoice(uscc, _request("order-1"))
        second = tax.issue_invoice(uscc, _request("order-2", quantity="10"))

        bureau.publish_revocation(licence_revoked(event))
        before = _spent(mongo_db, uscc)
        with pytest.raises(Conflict) as err:
            tax.issue_invoice(uscc, _request("order-3"))
        assert str(err.value) == REFUSED_INVOICE
        assert _spent(mongo_db, uscc) == before  # refused before a number was drawn or quota charged

        # a client retrying a request answered before the revocation still gets that same invoice
        assert tax.issue_invoice(uscc, _request("order-1")) == first

        red = tax.red_letter(uscc, second["number"], {"request_id": "close-2", "reason_code": "sales_return", "reason": "公司清算"})
        assert (red["reverses"], red["total"]) == (second["number"], "-505.00")
        reg = tax.get_registration(uscc)
        assert reg["licence_revoked"] == SHOWN
        assert (reg["approval"], reg["quota_used"]) == ("approved", "100.00")  # without VAT
        assert reg["real_name"]["resident_id"] == "110***********002X"  # still masked
        assert [i["number"] for i in tax.list_invoices(uscc)] == [first["number"], second["number"], red["number"]]
        names = [d["name"] for d in tax.list_documents(event.application_id)]
        assert f"tax.invoice.{red['number']}" in names
        assert tax.get_document(event.application_id, "tax.registration_notice")["data_base64"]


def test_a_duplicate_revocation_changes_nothing(bureau, mongo_db):
    event = licence_issued()
    bureau.publish_licence(event, wait_for="invoices_approved")
    revoked = licence_revoked(event)
    bureau.publish_revocation(revoked)
    recorded = mongo_db["revocations"].find_one({"_id": event.licence.uscc})
    assert (recorded["event_id"], recorded["application_id"], recorded["reason"]) == \
        (revoked.event_id, event.application_id, "提交虚假材料取得公司登记")

    bureau.publish_revocation(revoked)  # at-least-once delivery
    bureau.publish_revocation(licence_revoked(event, reason="另一次吊销"))  # a second event for the same company
    assert list(mongo_db["revocations"].find()) == [recorded]
    with bureau.rpc() as tax:
        assert tax.get_registration(event.licence.uscc)["licence_revoked"] == SHOWN


def test_a_revocation_delivered_before_licence_issued_still_blocks_invoicing(bureau):
    event = licence_issued()
    uscc = event.licence.uscc
    bureau.publish_revocation(licence_revoked(event))
    with bureau.rpc() as tax:
        with pytest.raises(NotFound):
            tax.get_registration(uscc)

        bureau.publish_licence(event, wait_for="invoices_approved")
        assert bureau.events(event.application_id) == ["tax_registered", "invoices_approved"]
        assert tax.get_registration(uscc)["licence_revoked"] == SHOWN
        with pytest.raises(Conflict) as err:
            tax.issue_invoice(uscc, _request("order-1"))
        assert str(err.value) == REFUSED_INVOICE
        assert tax.list_invoices(uscc) == []


def test_a_clerk_cannot_approve_invoices_for_a_revoked_company_but_can_reject(bureau):
    event = licence_issued(monthly_invoice_estimate=Decimal("2000000"))
    bureau.publish_licence(event, wait_for="task_queued")
    bureau.publish_revocation(licence_revoked(event))
    with bureau.rpc() as tax:
        [task] = tax.list_tasks("open")
        assert tax.claim_task(task["id"], "clerk-li")["claimed_by"] == "clerk-li"
        with pytest.raises(Conflict) as err:
            tax.act_on_task(task["id"], "clerk-li", "approve", {})
        assert str(err.value) == \
            "营业执照已于2026-11-25被吊销（提交虚假材料取得公司登记），不能再核准发票申领，请驳回该任务"
        assert tax.get_task(task["id"])["state"] == "claimed"
        assert tax.get_registration(event.licence.uscc)["approval"] == "pending"

        def rejected(worker_ctx, result, exc_info):
            return result["type"] == "step_rejected"

        with entrypoint_waiter(bureau.listener, "on_step_rejected", callback=rejected, timeout=15):
            done = tax.act_on_task(task["id"], "clerk-li", "reject", {"reasons": ["营业执照已被吊销"]})
        assert done["state"] == "rejected"
        assert bureau.events(event.application_id) == ["tax_registered", "task_queued", "step_rejected"]
