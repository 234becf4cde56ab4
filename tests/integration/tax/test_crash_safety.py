"""A worker that dies between reserving an invoice and storing it loses nothing and reuses no number:
a retry or the recovery timer finishes the same invoice. Runs the invoicing steps on the real database."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts.form import TaxpayerType
from contracts.rpc import Conflict
from services.tax import domain, workflow
from services.tax.offices import offices
from services.tax.rates import vat_rates
from services.tax.store import TaxStore
from tests.unit.tax.factories import BUYER, licence_issued

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
RATES = vat_rates()
REQUEST = {"request_id": "order-7", "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
           "items": [{"name": "服务费", "quantity": "1", "unit_price": "1000", "tax_rate": "0.01"}]}  # small-scale: 1 %


@pytest.fixture
def store(mongo_db):
    store = TaxStore(mongo_db)
    store.ensure_indexes()
    reg = domain.new_registration(licence_issued(), NOW, offices())
    store.insert_registration(reg, [])
    return store


def _die_after_reserving(store: TaxStore) -> str:
    """Steps 1-4 of `workflow.issue_invoice`, then the worker is gone: quota charged, number in the ledger."""
    reg = store.registration(licence_issued().licence.uscc)
    request = domain.parse_invoice_request(REQUEST, reg["uscc"], reg["invoice_kinds"],
                                           TaxpayerType(reg["taxpayer_type"]), domain.local_day(NOW), RATES)
    ledger = store.month(reg["uscc"], domain.month_key(NOW), reg["monthly_quota_fen"])
    number = domain.format_invoice_number(NOW, store.next_sequence(domain.number_counter_key(NOW)), RATES.issuing_channel)
    invoice = domain.build_invoice(reg, request, number, NOW, RATES) | {
        "fingerprint": domain.request_fingerprint(request.model_dump(mode="json"))}
    assert store.reserve(ledger, invoice, NOW)
    return number


def recover(store: TaxStore, now: datetime) -> int:
    """The timer's part that finishes invoices (nothing is in an outbox here)."""
    return workflow.relay_and_recover(store, now, lambda routing_key, payload: None)


def test_a_retry_finishes_the_reserved_invoice_with_the_same_number(store, mongo_db):
    number = _die_after_reserving(store)
    assert mongo_db["invoices"].count_documents({}) == 0
    uscc = licence_issued().licence.uscc
    again = workflow.issue_invoice(store, uscc, REQUEST, NOW + timedelta(seconds=3))
    assert again["number"] == number and again["total"] == "1010.00"
    assert workflow.issue_invoice(store, uscc, REQUEST, NOW + timedelta(seconds=4))["number"] == number
    ledger = mongo_db["months"].find_one()
    assert (ledger["used_fen"], ledger["issued"]) == (100_000, 1)  # charged once, without VAT
    assert mongo_db["counters"].find_one()["seq"] == 1  # no second number drawn
    assert mongo_db["skipped_numbers"].count_documents({}) == 0


def test_the_recovery_timer_finishes_it_when_nobody_retries(store, mongo_db):
    number = _die_after_reserving(store)
    assert recover(store, NOW + timedelta(seconds=5)) == 0  # the worker may still be busy
    assert recover(store, NOW + workflow.RECOVER_AFTER + timedelta(seconds=1)) == 1
    assert [i["number"] for i in store.invoices_of(uscc=licence_issued().licence.uscc)] == [number]
    assert mongo_db["months"].find_one()["allocations"] == []
    assert recover(store, NOW + timedelta(minutes=5)) == 0


def test_a_lost_race_for_the_last_quota_writes_the_drawn_number_down(store, mongo_db, monkeypatch):
    uscc = licence_issued().licence.uscc
    reg = store.registration(uscc)
    stale = store.month(uscc, domain.month_key(NOW), reg["monthly_quota_fen"])
    # another instance uses the quota up between this worker's read of the ledger and its reservation
    mongo_db["months"].update_one({"_id": stale["_id"]}, {"$set": {"used_fen": stale["limit_fen"] - 100}})
    reads = iter([stale])
    fresh = store.month
    monkeypatch.setattr(store, "month", lambda *args: next(reads, None) or fresh(*args))

    with pytest.raises(Conflict, match="剩余1.00元"):
        workflow.issue_invoice(store, uscc, REQUEST, NOW)
    [skipped] = mongo_db["skipped_numbers"].find()
    assert skipped["_id"] == domain.format_invoice_number(NOW, 1, RATES.issuing_channel)
    assert skipped["reason"] == "开票额度在分配号码后用尽"
    assert mongo_db["months"].find_one()["used_fen"] == stale["limit_fen"] - 100  # never above the limit
    assert mongo_db["invoices"].count_documents({}) == 0
