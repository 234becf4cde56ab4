"""The housing-fund centre's use cases on the in-memory store (kit.repository.InMemoryRepository): what
each one stores, publishes and answers, without a database or a broker."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from contracts import clock
from contracts.codes import mask_resident_id
from contracts.revocation import Revocation
from contracts.rpc import Conflict, Invalid, NotFound
from services.housing_fund import clerk, workflow
from services.housing_fund.figures import DATA_DIR, FiguresBook
from services.housing_fund.store import HousingFundStore
from tests.unit.housing_fund.factories import licence_issued, resident_id, staff
from tests.unit.seal.factories import licence_revoked

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan
BOOK = FiguresBook()


@pytest.fixture
def store():
    return HousingFundStore.in_memory()


@pytest.fixture
def sent():
    return []


def queue(store, sent, book=BOOK):
    return clerk.ClerkQueue(store, book, lambda app_id, entries: sent.extend(e["type"] for e in entries))


def register(store, *wages, **kw):
    event = licence_issued(staff(*wages), issued_at=NOW, **kw)
    with clock.using(clock.fixed_at(NOW)):
        return event, workflow.open_unit(store, BOOK, event, NOW)


def test_a_licence_registers_the_unit_with_its_rates_and_opens_each_employees_account_once(store):
    event, entries = register(store, "1000.00", "8000.00", "30000.00")
    [entry] = entries
    assert entry["type"] == "housing_fund_registered"
    payload = entry["payload"]
    assert store.repo.outbox(event.application_id) == entries  # state and event in one write
    assert workflow.open_unit(store, BOOK, event, NOW) == []  # a redelivery: nothing new, no number wasted
    assert store.sequences.values == {"unit:420111:2026": 1}
    unit = workflow.get_unit(store, event.licence.uscc)
    assert unit["state"] == "registered" and unit["unit_account"] == "GJJ42011126000001"
    assert (unit["employer_rate"], unit["employee_rate"]) == (10, 8) and unit["active_accounts"] == 3
    accounts = workflow.list_accounts(store, event.licence.uscc)
    assert [a["account_number"] for a in accounts] == [f"GJJ42011126000001000{i}" for i in (1, 2, 3)]
    # base: the wage held between the floor (2210) and 3x the average wage (3 x 7833 = 23499)
    assert [a["deposit_base"] for a in accounts] == ["2210.00", "8000.00", "23499.00"]
    assert (accounts[1]["employer_deposit"], accounts[1]["employee_deposit"]) == ("800.00", "640.00")
    assert accounts[0]["resident_id"] == mask_resident_id(resident_id(1))
    assert resident_id(1) not in json.dumps(payload, ensure_ascii=False, default=str)  # no ID on the wire


def test_no_housing_fund_asked_for_is_no_unit(store):
    event = licence_issued(staff("8000.00"), rates=None)
    assert workflow.open_unit(store, BOOK, event, NOW) == []
    with pytest.raises(NotFound):
        workflow.get_unit(store, event.licence.uscc)


def test_a_district_without_figures_waits_for_a_clerk_who_approves_once_they_are_loaded(store, sent, tmp_path):
    book = FiguresBook(tmp_path)  # nothing known yet
    event = licence_issued(staff("9000.00"), district="420501", issued_at=NOW)
    [entry] = workflow.open_unit(store, book, event, NOW)
    assert entry["type"] == "task_queued"
    clerks = queue(store, sent, book)
    [task] = clerks.list(("open",), NOW)
    assert task.kind == "deposit_registration" and task.bureau == "housing_fund"
    clerks.claim(task.id, "clerk-a", NOW)
    with pytest.raises(Conflict, match="正由clerk-a办理"):
        clerks.act(task.id, "clerk-b", "approve", {}, NOW)
    with pytest.raises(Conflict, match="仍未配置"):
        clerks.act(task.id, "clerk-a", "approve", {}, NOW)
    assert store.sequences.values == {}  # no number taken while it cannot be registered
    shutil.copy(DATA_DIR / "420100_2026-09.json", tmp_path / "420500_2026-09.json")
    (tmp_path / "420500_2026-09.json").write_text(
        (tmp_path / "420500_2026-09.json").read_text("utf-8").replace('"420100"', '"420500"'), "utf-8")
    done = queue(store, sent, FiguresBook(tmp_path)).act(task.id, "clerk-a", "approve", {}, NOW)
    assert done.state == "done" and sent == ["housing_fund_registered"]
    [account] = workflow.list_accounts(store, event.licence.uscc)
    assert account["account_number"] == "GJJ420501260000010001"


def test_a_clerk_refusal_needs_reasons_and_closes_the_step(store, sent, tmp_path):
    event = licence_issued(staff("9000.00"), district="420501", issued_at=NOW)
    workflow.open_unit(store, FiguresBook(tmp_path), event, NOW)
    clerks = queue(store, sent, FiguresBook(tmp_path))
    [task] = clerks.list(("open",), NOW)
    with pytest.raises(Invalid):
        clerks.act(task.id, "clerk-a", "reject", {"reasons": [" "]}, NOW)
    assert clerks.act(task.id, "clerk-a", "reject", {"reasons": ["单位地址不在本中心辖区"]}, NOW).state == "rejected"
    assert sent == ["step_rejected"]
    assert clerks.list(("open",), NOW) == []
    with pytest.raises(Conflict):
        workflow.list_accounts(store, event.licence.uscc)


def test_a_later_hire_opens_one_account_however_often_the_request_is_retried(store):
    event, _ = register(store, "8000.00")
    uscc = event.licence.uscc
    hire = {"name": "李四", "resident_id": resident_id(7), "start_date": NOW.date().isoformat(),
            "monthly_wage": "12000.00"}
    first = workflow.open_account(store, BOOK, uscc, hire, "req-1", NOW)
    again = workflow.open_account(store, BOOK, uscc, hire, "req-1", NOW)
    assert first == again and first["account_number"] == "GJJ420111260000010002"
    with pytest.raises(Conflict, match="已有住房公积金账户"):  # the same person under another request
        workflow.open_account(store, BOOK, uscc, hire, "req-2", NOW)
    closed = workflow.close_account(store, uscc, first["employee_id"], NOW.date().isoformat(), NOW)
    assert closed["state"] == "closed"
    rehired = workflow.open_account(store, BOOK, uscc, hire, "req-3", NOW)  # a leaver may come back
    assert rehired["account_number"] == "GJJ420111260000010003"  # a number is never given twice
    assert len(workflow.list_accounts(store, uscc)) == 3


@pytest.mark.parametrize("change,field", [({"resident_id": "420111199003070010"}, "resident_id"),
                                          ({"start_date": "2020-01-01"}, "start_date"),
                                          ({"monthly_wage": "-1"}, "monthly_wage"), ({"salary": "1"}, "salary")])
def test_a_bad_hire_is_refused_on_its_field_in_chinese(store, change, field):
    event, _ = register(store, "8000.00")
    hire = {"name": "李四", "resident_id": resident_id(7), "start_date": NOW.date().isoformat(),
            "monthly_wage": "12000.00"} | change
    with pytest.raises(Invalid) as refused:
        workflow.open_account(store, BOOK, event.licence.uscc, hire, None, NOW)
    assert [e.field for e in refused.value.field_errors] == [field]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in refused.value.field_errors)


def test_a_revoked_company_hires_nobody(store):
    event, _ = register(store, "8000.00")
    store.revocations.record(Revocation.of(licence_revoked(event.application_id, event.licence.uscc), NOW))
    hire = {"name": "李四", "resident_id": resident_id(7), "start_date": NOW.date().isoformat(),
            "monthly_wage": "12000.00"}
    with pytest.raises(Conflict, match="被吊销"):
        workflow.open_account(store, BOOK, event.licence.uscc, hire, "r", NOW)


def test_the_certificate_lists_the_unit_and_its_staff_with_masked_ids(store):
    event, _ = register(store, "8000.00")
    desk = workflow.document_desk(store, NOW)
    assert [d["name"] for d in desk.list(event.application_id)] == ["housing_fund.certificate"]
    assert desk.list("app-unknown") == []
    doc = desk.get(event.application_id, "housing_fund.certificate")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(base64.b64decode(doc["data_base64"]))).pages)
    for expected in ("住房公积金单位缴存登记证明", "GJJ42011126000001", "GJJ420111260000010001", "单位 10%",
                     mask_resident_id(resident_id(1)), "8000.00"):
        assert expected in text, expected
    assert resident_id(1) not in text
    assert desk.get(event.application_id, "housing_fund.certificate") == doc  # served as issued
    with pytest.raises(NotFound, match="没有住房公积金文书housing_fund.other"):
        desk.get(event.application_id, "housing_fund.other")
