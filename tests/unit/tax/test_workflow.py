"""Tax's use cases (services/tax/workflow.py), one test or more per function, on `TaxStore.in_memory()`.

No broker, no database: the events a use case publishes are caught by `Published`; the crash and
concurrency cases stay in tests/integration/tax against the real database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.events import BankAccountReserved, ClearanceRequested, CompanyChanged
from contracts.rpc import Conflict, Invalid, NotFound
from services.tax import clerk, documents, domain, workflow
from services.tax.store import TaxStore
from tests.unit.tax.factories import BUYER, licence_issued, licence_revoked

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Wuhan
TODAY = date(2026, 3, 2)
DECLARED = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)  # in 2026-Q2: the first quarter has ended
TODAY_DECLARED = date(2026, 5, 6)
ITEM = {"name": "服务费", "quantity": "1", "unit_price": "1000", "tax_rate": "0.01"}  # small-scale: 1 %


def order(request_id: str = "order-1", **item) -> dict:
    return {"request_id": request_id, "buyer_name": "武汉买方有限公司", "buyer_tax_id": BUYER,
            "items": [ITEM | item]}


class Published(list):
    """The dispatcher: (routing key, payload) as they go out."""

    def __call__(self, routing_key: str, payload: dict) -> None:
        self.append((routing_key, payload))

    def types(self) -> list[str]:
        return [payload["type"] for _, payload in self]


@pytest.fixture
def store() -> TaxStore:
    return TaxStore.in_memory()


@pytest.fixture
def seller(store) -> str:
    event = licence_issued()
    workflow.register(store, event.model_dump(mode="json"), NOW, Published())
    return event.licence.uscc


@pytest.fixture
def buyer(store) -> str:
    event = licence_issued(org_body="00000777", district="420102")
    workflow.register(store, event.model_dump(mode="json"), NOW, Published())
    assert event.licence.uscc == BUYER
    return BUYER


# ---- registration ---------------------------------------------------------------------------------


def test_register_stores_the_registration_publishes_it_once_and_a_redelivery_changes_nothing(store):
    event, sent = licence_issued(), Published()
    assert workflow.register(store, event.model_dump(mode="json"), NOW, sent) is True
    assert sent.types() == ["tax_registered", "invoices_approved"]  # the standard case is approved automatically
    assert store.registrations.find_one({"_id": event.licence.uscc})["outbox"] == []  # flushed

    again = Published()
    assert workflow.register(store, event.model_dump(mode="json"), NOW + timedelta(minutes=1), again) is False
    assert again == [] and len(list(store.registrations.find({}))) == 1


def test_a_registration_a_clerk_must_approve_is_queued_and_the_clerk_queue_approves_it(store):
    event = licence_issued(monthly_invoice_estimate=Decimal("1200000"))  # over the small-scale automatic cap
    sent = Published()
    workflow.register(store, event.model_dump(mode="json"), NOW, sent)
    assert sent.types() == ["tax_registered", "task_queued"]
    queue = clerk.ClerkQueue(store, lambda uscc, entries: None)
    [task] = queue.list(("open",), NOW)
    assert queue.claim(task.id, "tax.clerk", NOW).claimed_by == "tax.clerk"
    with pytest.raises(Conflict):
        queue.claim(task.id, "other.clerk", NOW + timedelta(minutes=1))
    assert queue.act(task.id, "tax.clerk", "approve", {}, NOW + timedelta(minutes=2)).state == "done"
    assert workflow.registration(store, event.licence.uscc, NOW)["approval"] == "approved"


def test_registration_shows_the_months_quota_and_an_unknown_company_is_not_found(store, seller):
    view = workflow.registration(store, seller, NOW)
    assert view["month"] == "2026-03" and view["quota_used"] == "0.00"
    assert view["quota_left"] == view["monthly_quota"] == "100000.00"  # the small-scale default
    assert view["bank_account"] is None  # no account from the bank yet
    with pytest.raises(NotFound):
        workflow.registration(store, "91420111MA4K99999X", NOW)


def test_record_revocation_stops_new_invoices_and_shows_on_the_registration(store, seller):
    workflow.record_revocation(store, licence_revoked(licence_issued()).model_dump(mode="json"), NOW)
    workflow.record_revocation(store, licence_revoked(licence_issued()).model_dump(mode="json"), NOW)  # again
    assert workflow.registration(store, seller, NOW)["licence_revoked"]
    with pytest.raises(Conflict):
        workflow.issue_invoice(store, seller, order(), NOW)


def test_answer_company_change_moves_the_company_to_the_new_districts_office_once(store, seller):
    reg = store.registration(seller)
    licence = licence_issued().licence.model_copy(update={"district_code": "420106",
                                                          "domicile": "湖北省武汉市武昌区中南路99号"})
    change = CompanyChanged(application_id=reg["application_id"], uscc=seller, change_id="change-0001", version=2,
                            changed=["domicile"], licence=licence, previous_district_code="420111", answerers=["tax"])
    sent = Published()
    workflow.answer_company_change(store, change.model_dump(mode="json"), sent)
    workflow.answer_company_change(store, change.model_dump(mode="json"), sent)  # a redelivery says nothing new
    assert sent.types() == ["change_recorded"]
    assert store.registration(seller)["tax_office"] == "国家税务总局武汉市武昌区税务局"


def test_clearance_is_blocked_by_an_undeclared_period_and_answered_once(store, seller):
    today = date(2026, 5, 6)  # the first quarter is due and undeclared
    assert workflow.clearance_blockers(store, seller, today)
    request = ClearanceRequested(application_id=store.registration(seller)["application_id"], uscc=seller,
                                 closure_id="closure-1", attempt=1, notice_ends_on=date(2026, 5, 26),
                                 answerers=["tax"])
    sent = Published()
    workflow.answer_clearance_request(store, request.model_dump(mode="json"), today, sent)
    workflow.answer_clearance_request(store, request.model_dump(mode="json"), today, sent)
    [(_, answer)] = sent
    assert answer["type"] == "clearance_answered" and answer["blockers"]


def test_receive_bank_account_records_the_three_party_agreements_account_once(store, seller):
    event = BankAccountReserved(application_id=store.registration(seller)["application_id"], uscc=seller,
                                company_name="武汉海陆空商贸有限公司", bank_name="中国工商银行",
                                branch_id="icbc-hs", branch_name="洪山支行", branch_address="武汉市洪山区珞喻路2号",
                                account_number="3202000000000000001")
    workflow.receive_bank_account(store, event.model_dump(mode="json"), NOW)
    workflow.receive_bank_account(store, event.model_dump(mode="json"), NOW + timedelta(seconds=1))
    account = workflow.registration(store, seller, NOW)["bank_account"]
    assert account["account_number"] == "3202000000000000001"


def test_relay_and_recover_publishes_what_a_dead_worker_left_in_the_outbox(store):
    def broker_down(routing_key: str, payload: dict) -> None:
        raise ConnectionError("broker unreachable")

    event = licence_issued()
    with clock.using(clock.fixed_at(NOW)), pytest.raises(ConnectionError):
        workflow.register(store, event.model_dump(mode="json"), NOW, broker_down)
    assert len(store.registrations.find_one({"_id": event.licence.uscc})["outbox"]) == 2  # stored, not sent

    sent, later = Published(), NOW + timedelta(minutes=5)
    with clock.using(clock.fixed_at(later)):
        workflow.relay_and_recover(store, later, sent)
    assert sent.types() == ["tax_registered", "invoices_approved"]
    assert store.registrations.find_one({"_id": event.licence.uscc})["outbox"] == []


def test_relay_and_recover_finishes_an_invoice_a_dead_worker_left_reserved(store, seller):
    invoice = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    stored = store.invoices.find_one({"number": invoice["number"]}, {"_id": 0})
    store.invoices.docs.clear()  # the worker died between reserving (step 4) and materialising (step 5)
    store.months.update_one({"uscc": seller}, {"$push": {"allocations": stored | {"allocated_at": NOW}}})
    assert workflow.relay_and_recover(store, NOW + timedelta(seconds=5), Published()) == 0  # may still be busy
    later = NOW + timedelta(minutes=5)
    assert workflow.relay_and_recover(store, later, Published()) == 1
    assert [i["number"] for i in workflow.list_invoices(store, seller)] == [invoice["number"]]
    assert store.months.find_one({"uscc": seller})["allocations"] == []  # tidied
    assert workflow.relay_and_recover(store, later, Published()) == 0


def test_the_in_memory_store_keeps_the_unique_indexes_and_the_quota_condition(store, seller):
    """What the workflow relies on the database for: unique keys, and the conditional quota charge."""
    invoice = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    with pytest.raises(DuplicateKeyError):
        store.invoices.insert_one(store.invoices.find_one({"number": invoice["number"]}, {"_id": 0}))
    with pytest.raises(DuplicateKeyError):  # (uscc, request_id) is unique too
        store.invoices.insert_one(store.invoices.find_one({}, {"_id": 0}) | {"number": "other"})
    ledger = store.month(seller, "2026-03", 0)
    too_big = {"quota_fen": ledger["limit_fen"] - ledger["used_fen"] + 1, "request_id": "o-2"}
    assert store.reserve(ledger, too_big, NOW) is False
    assert store.reserve(ledger, too_big | {"quota_fen": 1}, NOW) is True
    assert store.reserve(ledger, too_big | {"quota_fen": 1}, NOW) is False  # this request has its allocation


# ---- invoices -------------------------------------------------------------------------------------


def test_issue_invoice_numbers_charges_the_quota_and_a_retry_returns_the_same_invoice(store, seller):
    first = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    assert workflow.issue_invoice(store, seller, order("o-1"), NOW + timedelta(seconds=5)) == first
    second = workflow.issue_invoice(store, seller, order("o-2"), NOW)
    assert second["number"] != first["number"]
    assert workflow.registration(store, seller, NOW)["quota_used"] == "2000.00"  # the amounts before tax
    with pytest.raises(Conflict):  # the same request_id with other content
        workflow.issue_invoice(store, seller, order("o-1", quantity="2"), NOW)


def test_issue_invoice_refuses_what_exceeds_the_months_quota_and_a_bad_rate_per_field(store, seller):
    quota = Decimal(workflow.registration(store, seller, NOW)["monthly_quota"])
    with pytest.raises(Conflict):
        workflow.issue_invoice(store, seller, order("big", unit_price=str(quota + 1)), NOW)
    with pytest.raises(Invalid) as caught:
        workflow.issue_invoice(store, seller, order("rate", tax_rate="0.05"), NOW)
    assert caught.value.field_errors
    assert workflow.list_invoices(store, seller) == []


def test_red_letter_reverses_an_unused_invoice_and_gives_the_quota_back(store, seller):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    red = workflow.red_letter(store, seller, blue["number"], {"request_id": "r-1", "reason_code": "sales_return"}, NOW)
    assert red["red"] and red["reverses"] == blue["number"]
    assert [i["number"] for i in workflow.list_invoices(store, seller)] == sorted([blue["number"], red["number"]])
    assert workflow.registration(store, seller, NOW)["quota_used"] == "0.00"
    with pytest.raises(Conflict):
        workflow.red_letter(store, seller, red["number"], {"request_id": "r-2", "reason_code": "sales_return"}, NOW)


def test_a_used_invoice_needs_a_form_the_buyer_confirms_then_the_red_invoice_is_issued(store, seller, buyer):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    assert [i["number"] for i in workflow.received_invoices(store, buyer)] == [blue["number"]]
    used = workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "accounting"}, NOW)
    assert used["buyer_use"]["purpose"] == "accounting"
    ask = {"request_id": "r-1", "reason_code": "sales_return"}
    with pytest.raises(Conflict):  # 公告2024年第11号 二(二): no longer reversed directly
        workflow.red_letter(store, seller, blue["number"], ask, NOW)

    form = workflow.raise_red_letter_form(store, seller, blue["number"], ask, NOW)
    assert workflow.raise_red_letter_form(store, seller, blue["number"], ask, NOW)["id"] == form["id"]
    assert [f["id"] for f in workflow.red_letter_forms(store, buyer, NOW)] == [form["id"]]
    answered = workflow.answer_red_letter_form(store, buyer, form["id"], {"decision": "confirm"}, NOW + timedelta(hours=1))
    assert answered["state"] == "confirmed" and answered["red_number"]
    assert [i["red"] for i in workflow.list_invoices(store, seller)] == [False, True]


def test_a_form_unanswered_for_72_hours_is_void(store, seller, buyer):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "deduction"}, NOW)
    form = workflow.raise_red_letter_form(store, seller, blue["number"],
                                          {"request_id": "r-1", "reason_code": "sales_return"}, NOW)
    with pytest.raises(Conflict, match="发起后72小时内未经确认，已自动作废"):
        workflow.answer_red_letter_form(store, buyer, form["id"], {"decision": "confirm"}, NOW + timedelta(hours=73))
    with pytest.raises(NotFound):  # only the buyer answers
        workflow.answer_red_letter_form(store, seller, form["id"], {"decision": "confirm"}, NOW)


def test_the_forms_window_comes_from_the_rates_table(store, seller, buyer, monkeypatch):
    table = workflow.vat_rates().table
    shorter = domain.VatRates({**table, "red_letter": {**table["red_letter"], "confirmation_hours": 24}})
    monkeypatch.setattr(workflow, "vat_rates", lambda: shorter)
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "deduction"}, NOW)
    form = workflow.raise_red_letter_form(store, seller, blue["number"],
                                          {"request_id": "r-1", "reason_code": "sales_return"}, NOW)
    assert form["expires_at"] == (NOW + timedelta(hours=24)).isoformat()
    with pytest.raises(Conflict, match="发起后24小时内未经确认"):
        workflow.answer_red_letter_form(store, buyer, form["id"], {"decision": "confirm"}, NOW + timedelta(hours=24))
    [shown] = workflow.red_letter_forms(store, seller, NOW + timedelta(hours=25))
    assert (shown["state"], shown["state_label"]) == ("void", "24小时内未确认，已自动作废")


def test_issue_invoice_waits_for_the_clerk_and_refuses_after_a_rejection(store):
    event = licence_issued(monthly_invoice_estimate=Decimal("1200000"))  # a clerk must approve
    workflow.register(store, event.model_dump(mode="json"), NOW, Published())
    uscc = event.licence.uscc
    with pytest.raises(Conflict, match="审核中"):
        workflow.issue_invoice(store, uscc, order(), NOW)
    queue = clerk.ClerkQueue(store, lambda uscc, entries: None)
    [task] = queue.list(("open",), NOW)
    queue.act(task.id, "tax.clerk", "reject", {"reasons": ["经营地址核实不符"]}, NOW)
    with pytest.raises(Conflict, match="未获核准"):
        workflow.issue_invoice(store, uscc, order(), NOW)
    assert store.counters.find_one({}) is None  # refused before a number is drawn


def test_after_a_revocation_only_a_retry_of_an_answered_request_gets_its_invoice(store, seller):
    first = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    workflow.record_revocation(store, licence_revoked(licence_issued()).model_dump(mode="json"), NOW)
    assert workflow.issue_invoice(store, seller, order("o-1"), NOW + timedelta(days=1)) == first
    with pytest.raises(Conflict):  # the same request_id with other content is not a retry
        workflow.issue_invoice(store, seller, order("o-1", quantity="2"), NOW + timedelta(days=1))
    with pytest.raises(Conflict, match="不能再开具发票"):
        workflow.issue_invoice(store, seller, order("o-2"), NOW + timedelta(days=1))
    assert [i["number"] for i in workflow.list_invoices(store, seller)] == [first["number"]]


def test_a_retry_finishes_the_invoice_a_dead_worker_reserved_with_the_same_number(store, seller):
    first = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    stored = store.invoices.find_one({"number": first["number"]}, {"_id": 0})
    store.invoices.docs.clear()  # reserved (step 4), never materialised (step 5)
    store.months.update_one({"uscc": seller}, {"$push": {"allocations": stored | {"allocated_at": NOW}}})
    assert workflow.issue_invoice(store, seller, order("o-1"), NOW + timedelta(seconds=1)) == first
    assert store.counters.find_one({})["seq"] == 1 and store.skipped.find_one({}) is None


def test_a_quota_used_up_between_the_read_and_the_charge_writes_the_drawn_number_down(store, seller, monkeypatch):
    stale = store.month(seller, "2026-03", store.registration(seller)["monthly_quota_fen"])
    store.months.update_one({"_id": stale["_id"]}, {"$set": {"used_fen": stale["limit_fen"] - 100}})
    reads, fresh = iter([stale]), store.month
    monkeypatch.setattr(store, "month", lambda *args: next(reads, None) or fresh(*args))
    with pytest.raises(Conflict, match="剩余1.00元"):
        workflow.issue_invoice(store, seller, order("o-1"), NOW)
    [skipped] = store.skipped.find({})
    assert skipped["reason"] == "开票额度在分配号码后用尽" and workflow.list_invoices(store, seller) == []


def test_a_red_letter_invoice_that_keeps_losing_its_race_gives_up_and_writes_its_number_down(
        store, seller, monkeypatch):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    attempts = []
    monkeypatch.setattr(store, "reserve_reversal", lambda *args: attempts.append(args[0]["number"]) and False)
    with pytest.raises(Conflict, match="正在开具其他红字发票"):
        workflow.red_letter(store, seller, blue["number"], {"request_id": "r-1", "reason_code": "sales_return"}, NOW)
    assert len(attempts) == workflow.RED_LETTER_ATTEMPTS and len(set(attempts)) == 1  # one number, drawn once
    [skipped] = store.skipped.find({})
    assert skipped["_id"] == attempts[0] and workflow.registration(store, seller, NOW)["quota_used"] == "1000.00"


def test_confirm_invoice_use_once_and_never_on_a_red_or_fully_reversed_invoice(store, seller, buyer):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    used = workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "deduction"}, NOW)
    again = workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "accounting"}, NOW + timedelta(hours=1))
    assert again == used and again["buyer_use"]["purpose"] == "deduction"  # the first answer stands
    other = workflow.issue_invoice(store, seller, order("o-2"), NOW)
    red = workflow.red_letter(store, seller, other["number"], {"request_id": "r-1", "reason_code": "invoicing_error"}, NOW)
    with pytest.raises(Conflict, match="已全额开具红字发票"):
        workflow.confirm_invoice_use(store, buyer, other["number"], {"purpose": "deduction"}, NOW)
    with pytest.raises(Conflict, match="是红字发票"):
        workflow.confirm_invoice_use(store, buyer, red["number"], {"purpose": "deduction"}, NOW)
    with pytest.raises(Invalid):
        workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "resale"}, NOW)


def test_a_form_is_only_for_a_used_invoice_one_pending_at_a_time_and_a_refusal_is_final(store, seller, buyer):
    blue = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    ask = {"request_id": "r-1", "reason_code": "sales_return"}
    with pytest.raises(Conflict, match="无需确认单"):  # not used yet: reversed directly
        workflow.raise_red_letter_form(store, seller, blue["number"], ask, NOW)
    workflow.confirm_invoice_use(store, buyer, blue["number"], {"purpose": "accounting"}, NOW)
    form = workflow.raise_red_letter_form(store, seller, blue["number"], ask, NOW)
    with pytest.raises(Conflict, match="已有待受票方确认"):
        workflow.raise_red_letter_form(store, seller, blue["number"], ask | {"request_id": "r-2"}, NOW)
    with pytest.raises(Conflict):  # the same request_id with other content
        workflow.raise_red_letter_form(store, seller, blue["number"], ask | {"reason_code": "service_stopped"}, NOW)
    refused = workflow.answer_red_letter_form(store, buyer, form["id"], {"decision": "refuse"}, NOW)
    assert refused["state"] == "refused"
    with pytest.raises(Conflict, match="不能再答复"):
        workflow.answer_red_letter_form(store, buyer, form["id"], {"decision": "confirm"}, NOW)
    # a form left unanswered past 72 hours is void and makes way for a new one
    late = workflow.raise_red_letter_form(store, seller, blue["number"], ask | {"request_id": "r-3"}, NOW)
    later = NOW + timedelta(hours=73)
    fresh = workflow.raise_red_letter_form(store, seller, blue["number"], ask | {"request_id": "r-4"}, later)
    assert store.form(late["id"])["state"] == "void" and fresh["state"] == "pending"
    confirmed = workflow.answer_red_letter_form(store, buyer, fresh["id"], {"decision": "confirm"}, later)
    assert workflow.answer_red_letter_form(store, buyer, fresh["id"], {"decision": "confirm"}, later) == confirmed


# ---- declarations and documents -------------------------------------------------------------------


def test_file_declaration_lists_the_period_as_filed_and_clears_the_blocker(store, seller):
    today = date(2026, 5, 6)
    assert [(d["period"], d["filed"]) for d in workflow.list_declarations(store, seller, today)] == [("2026-Q1", False)]
    assert workflow.clearance_blockers(store, seller, today)
    filed = workflow.file_declaration(store, seller, {"period": "2026-Q1", "tax_due": "0"}, DECLARED)
    assert filed == {"period": "2026-Q1", "label": "2026年第1季度", "filed": True, "tax_due": "0",
                     "filed_at": "2026-05-06T10:00:00+08:00"}  # in China's time, as the listing shows it
    later = DECLARED + timedelta(hours=1)
    assert workflow.file_declaration(store, seller, {"period": "2026-Q1", "tax_due": "0.00"}, later) == filed  # a retry
    assert workflow.list_declarations(store, seller, today) == [filed]
    assert workflow.clearance_blockers(store, seller, today) == []


def test_a_period_on_file_is_not_declared_again_with_another_amount(store, seller):
    workflow.file_declaration(store, seller, {"period": "2026-Q1", "tax_due": "1250.00"}, DECLARED)
    with pytest.raises(Conflict, match="已申报（应纳税额1250.00元），更正申报"):
        workflow.file_declaration(store, seller, {"period": "2026-Q1", "tax_due": "99.00"}, DECLARED)
    assert [d["tax_due"] for d in workflow.list_declarations(store, seller, TODAY_DECLARED)] == ["1250.00"]


def test_file_declaration_takes_the_taxpayers_kind_of_period_since_the_registration_up_to_today(store, seller):
    def refused(period: str, tax_due: str = "0") -> list[tuple[str, str]]:
        with pytest.raises(Invalid) as caught:
            workflow.file_declaration(store, seller, {"period": period, "tax_due": tax_due}, DECLARED)
        return [(e.field, e.message) for e in caught.value.field_errors]

    assert refused("2026-03") == [("period", "小规模纳税人按季申报，如 2026-Q4")]  # small-scale: by quarter
    assert refused("2025-Q4") == [("period", "可申报 2026年第1季度 至 2026年第2季度")]  # before the registration
    assert refused("2026-Q3") == [("period", "可申报 2026年第1季度 至 2026年第2季度")]  # not begun yet
    assert refused("2026-Q1", "-1")[0][0] == "tax_due"
    assert store.declarations.find_one({}) is None
    # the quarter still running may be declared; it is listed once it is on file
    workflow.file_declaration(store, seller, {"period": "2026-Q2", "tax_due": "0"}, DECLARED)
    assert [(d["period"], d["filed"]) for d in workflow.list_declarations(store, seller, TODAY_DECLARED)] == [
        ("2026-Q1", False), ("2026-Q2", True)]


def test_a_general_taxpayer_declares_by_month_and_an_unknown_company_is_not_found(store):
    event = licence_issued(org_body="00000555", annual_sales_estimate=Decimal("8000000"))  # over 5 M: general
    workflow.register(store, event.model_dump(mode="json"), NOW, Published())
    uscc = event.licence.uscc
    assert store.registration(uscc)["taxpayer_type"] == "general"
    assert [d["period"] for d in workflow.list_declarations(store, uscc, TODAY_DECLARED)] == ["2026-03", "2026-04"]
    with pytest.raises(Invalid, match="申报期不符"):
        workflow.file_declaration(store, uscc, {"period": "2026-Q1", "tax_due": "0"}, DECLARED)
    assert workflow.file_declaration(store, uscc, {"period": "2026-04", "tax_due": "10"}, DECLARED)["label"] == "2026年4月"
    [blocker] = workflow.clearance_blockers(store, uscc, TODAY_DECLARED)
    assert blocker.item.startswith("2026年3月的纳税申报尚未办理")
    with pytest.raises(NotFound):
        workflow.file_declaration(store, "91420111MA4K99999X", {"period": "2026-04", "tax_due": "0"}, DECLARED)
    with pytest.raises(NotFound):
        workflow.list_declarations(store, "91420111MA4K99999X", TODAY_DECLARED)
    assert workflow.clearance_blockers(store, "91420111MA4K99999X", TODAY_DECLARED) == []


def test_list_documents_names_the_notice_and_each_invoice_get_document_serves_one_as_issued(store, seller, tmp_path):
    application_id = store.registration(seller)["application_id"]
    invoice = workflow.issue_invoice(store, seller, order("o-1"), NOW)
    names = [d["name"] for d in workflow.list_documents(store, application_id)]
    assert names == [documents.NOTICE, documents.INVOICE_PREFIX + invoice["number"]]
    signer = documents.signing_identity({"PKI_DIR": str(tmp_path)})
    first = workflow.get_document(store, application_id, names[1], signer)
    assert first["content_type"] == "application/pdf"
    assert workflow.get_document(store, application_id, names[1], signer) == first  # rendered once
    with pytest.raises(NotFound):
        workflow.list_documents(store, "app-unknown")
