"""The medical insurance bureau's use cases on the in-memory store (kit.units.UnitStore.in_memory): what
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
from services.medical_insurance import clerk, workflow
from services.medical_insurance.figures import DATA_DIR, FiguresBook
from services.medical_insurance.store import MedicalInsuranceStore
from tests.unit.housing_fund.factories import licence_issued, resident_id, staff
from tests.unit.seal.factories import licence_revoked

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan
BOOK = FiguresBook()
UNIT = "YB42011126000001"


@pytest.fixture
def store():
    return MedicalInsuranceStore.in_memory()


@pytest.fixture
def sent():
    return []


def queue(store, sent, book=BOOK):
    return clerk.ClerkQueue(store, book, lambda app_id, entries: sent.extend(e["type"] for e in entries))


def register(store, *wages, **kw):
    event = licence_issued(staff(*wages), issued_at=NOW, rates=None, **kw)
    with clock.using(clock.fixed_at(NOW)):
        return event, workflow.open_unit(store, BOOK, event, NOW)


def hire(seq=7, **change):
    return {"name": "李四", "resident_id": resident_id(seq), "start_date": NOW.date().isoformat(),
            "monthly_wage": "12000.00"} | change


def test_a_licence_registers_the_unit_and_enrols_each_employee_once_with_the_base_held_in_bounds(store):
    event, entries = register(store, "1000.00", "8000.00", "30000.00")
    [entry] = entries
    assert entry["type"] == "medical_insurance_registered"
    payload = entry["payload"]
    assert payload["unit_number"] == UNIT and payload["insurances"] == ["职工基本医疗保险", "生育保险"]
    assert store.repo.outbox(event.application_id) == entries  # state and event in one write
    assert workflow.open_unit(store, BOOK, event, NOW) == []  # a redelivery: nothing new, no number wasted
    assert store.sequences.values == {"unit:420111:2026": 1}
    members = workflow.list_members(store, event.licence.uscc)
    assert [m["record_number"] for m in members] == [f"{UNIT}000{i}" for i in (1, 2, 3)]
    # 2026-11 falls in the 2026-09..2027-08 period: floor 4700, ceiling 23500
    assert [m["contribution_base"] for m in members] == ["4700.00", "8000.00", "23500.00"]
    assert not any(m["base_provisional"] for m in members)
    assert members[0]["resident_id"] == mask_resident_id(resident_id(1))
    assert resident_id(1) not in json.dumps(payload, ensure_ascii=False, default=str)  # no ID on the wire


def test_a_company_without_staff_is_registered_too_so_a_later_hire_can_be_enrolled(store):
    event, [entry] = register(store)
    assert entry["payload"]["members"] == []
    assert workflow.get_unit(store, event.licence.uscc)["state"] == "registered"


def test_past_the_last_period_the_base_is_provisional(store):
    event, _ = register(store, "8000.00")
    later = workflow.enrol_member(store, BOOK, event.licence.uscc, hire(start_date="2027-10-08"), "r1", NOW)
    assert later["base_provisional"] is True and later["period"] == "2026-09-01~2027-08-31"


def test_this_months_contributions_follow_the_data_file(store):
    event, _ = register(store, "8000.00")
    member = workflow.enrol_member(store, BOOK, event.licence.uscc, hire(), "r1", NOW)
    assert member["contributions"] == {"medical": {"employer": "960.00", "personal": "240.00"},
                                       "maternity": {"employer": "84.00", "personal": "0.00"}}


def test_a_district_without_figures_waits_for_a_clerk_who_approves_once_they_are_loaded(store, sent, tmp_path):
    event = licence_issued(staff("9000.00"), district="420501", issued_at=NOW, rates=None)
    [entry] = workflow.open_unit(store, FiguresBook(tmp_path), event, NOW)
    assert entry["type"] == "task_queued"
    clerks = queue(store, sent, FiguresBook(tmp_path))
    [task] = clerks.list(("open",), NOW)
    assert task.kind == "medical_registration" and task.bureau == "medical_insurance"
    clerks.claim(task.id, "clerk-a", NOW)
    with pytest.raises(Conflict, match="正由clerk-a办理"):
        clerks.act(task.id, "clerk-b", "approve", {}, NOW)
    with pytest.raises(Conflict, match="仍未配置"):
        clerks.act(task.id, "clerk-a", "approve", {}, NOW)
    assert store.sequences.values == {}  # no number taken while it cannot be registered
    copied = tmp_path / "420500_2026-09.json"
    shutil.copy(DATA_DIR / "420100_2026-09.json", copied)
    copied.write_text(copied.read_text("utf-8").replace('"420100"', '"420500"'), "utf-8")
    done = queue(store, sent, FiguresBook(tmp_path)).act(task.id, "clerk-a", "approve", {}, NOW)
    assert done.state == "done" and sent == ["medical_insurance_registered"]
    [member] = workflow.list_members(store, event.licence.uscc)
    assert member["record_number"] == "YB4205012600000" + "10001"


def test_a_clerk_refusal_needs_reasons_and_closes_the_step(store, sent, tmp_path):
    event = licence_issued(staff("9000.00"), district="420501", issued_at=NOW, rates=None)
    workflow.open_unit(store, FiguresBook(tmp_path), event, NOW)
    clerks = queue(store, sent, FiguresBook(tmp_path))
    [task] = clerks.list(("open",), NOW)
    with pytest.raises(Invalid):
        clerks.act(task.id, "clerk-a", "reject", {"reasons": [" "]}, NOW)
    assert clerks.act(task.id, "clerk-a", "reject", {"reasons": ["单位不在本局辖区"]}, NOW).state == "rejected"
    assert sent == ["step_rejected"] and clerks.list(("open",), NOW) == []
    with pytest.raises(Conflict):
        workflow.list_members(store, event.licence.uscc)


def test_a_later_hire_is_enrolled_once_however_often_the_request_is_retried_and_a_leaver_stops(store):
    event, _ = register(store, "8000.00")
    uscc = event.licence.uscc
    first = workflow.enrol_member(store, BOOK, uscc, hire(), "req-1", NOW)
    assert workflow.enrol_member(store, BOOK, uscc, hire(), "req-1", NOW) == first
    assert first["record_number"] == f"{UNIT}0002"
    with pytest.raises(Conflict, match="不能重复参保"):  # the same person under another request
        workflow.enrol_member(store, BOOK, uscc, hire(), "req-2", NOW)
    ended = workflow.end_membership(store, uscc, resident_id(7), NOW.date().isoformat(), NOW)
    assert ended["state"] == "ended" and ended["employee_id"] == first["employee_id"]
    again = workflow.end_membership(store, uscc, resident_id(7), NOW.date().isoformat(), NOW)
    assert again == ended  # the leaver request retried: the same answer
    with pytest.raises(NotFound):
        workflow.end_membership(store, uscc, resident_id(8), None, NOW)
    rehired = workflow.enrol_member(store, BOOK, uscc, hire(), "req-3", NOW)  # a leaver may come back
    assert rehired["record_number"] == f"{UNIT}0003"  # a number is never given twice


@pytest.mark.parametrize("change,field", [({"resident_id": "420111199003070010"}, "resident_id"),
                                          ({"start_date": "2020-01-01"}, "start_date"),
                                          ({"monthly_wage": "-1"}, "monthly_wage"), ({"salary": "1"}, "salary")])
def test_a_bad_hire_is_refused_on_its_field_in_chinese(store, change, field):
    event, _ = register(store, "8000.00")
    with pytest.raises(Invalid) as refused:
        workflow.enrol_member(store, BOOK, event.licence.uscc, hire(**change), None, NOW)
    assert [e.field for e in refused.value.field_errors] == [field]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in refused.value.field_errors)


def test_a_revoked_company_enrols_nobody(store):
    event, _ = register(store, "8000.00")
    store.revocations.record(Revocation.of(licence_revoked(event.application_id, event.licence.uscc), NOW))
    with pytest.raises(Conflict, match="被吊销"):
        workflow.enrol_member(store, BOOK, event.licence.uscc, hire(), "r", NOW)
    assert workflow.get_unit(store, event.licence.uscc)["licence_revoked"] is not None


def test_the_certificate_lists_the_unit_and_its_members_with_masked_ids(store):
    event, _ = register(store, "8000.00")
    desk = workflow.document_desk(store, BOOK, NOW)
    assert [d["name"] for d in desk.list(event.application_id)] == ["medical_insurance.certificate"]
    assert desk.list("app-unknown") == []
    doc = desk.get(event.application_id, "medical_insurance.certificate")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(base64.b64decode(doc["data_base64"]))).pages)
    for expected in ("医疗保险单位参保登记证明", UNIT, "职工基本医疗保险", "生育保险", mask_resident_id(resident_id(1)),
                     "8000.00", "单位 8%"):
        assert expected in text.replace("\n", ""), expected
    assert resident_id(1) not in text
    assert desk.get(event.application_id, "medical_insurance.certificate") == doc  # served as issued
    with pytest.raises(NotFound, match="没有医保文书medical_insurance.other"):
        desk.get(event.application_id, "medical_insurance.other")


# ---- bases determined again: new figures loaded, a period run out ---------------------------------

NEXT_PERIOD = {"region_code": "420100", "valid_from": "2027-09-01", "valid_until": "2028-08-31",
               "source": "test figures typed in 2026-12-02", "confirmed": False,
               "base": {"floor": "5000.00", "ceiling": "25000.00"},
               "rates": {"medical": {"employer_rate": "0.08", "personal_rate": "0.02"},
                         "maternity": {"employer_rate": "0.007", "personal_rate": "0"}}}


def operator_book(tmp_path):
    return FiguresBook(DATA_DIR, operator_dir=tmp_path / "operator", recheck=0)


def load_next_period(tmp_path):
    (tmp_path / "operator").mkdir(exist_ok=True)
    (tmp_path / "operator" / "420100_2027-09.json").write_text(json.dumps(NEXT_PERIOD), "utf-8")


def bases(store, event):
    return {m["monthly_wage"]: (m["contribution_base"], m["base_provisional"], m["period"], m["previous_base"])
            for m in workflow.list_members(store, event.licence.uscc)}


def test_bases_computed_provisionally_are_recomputed_once_the_new_figures_are_loaded(store, tmp_path):
    at = datetime(2027, 9, 14, 2, 0, tzinfo=UTC)  # after the last shipped period: the 2026 figures continue
    book = operator_book(tmp_path)
    event = licence_issued(staff("1000.00", "8000.00", "30000.00"), issued_at=at, rates=None)
    with clock.using(clock.fixed_at(at)):
        workflow.open_unit(store, book, event, at)
    old = "2026-09-01~2027-08-31"
    assert bases(store, event) == {"1000.00": ("4700.00", True, old, None), "8000.00": ("8000.00", True, old, None),
                                   "30000.00": ("23500.00", True, old, None)}
    assert workflow.refigure_bases(store, book, at) == 0  # nothing new: still provisional, nothing written

    load_next_period(tmp_path)
    assert workflow.refigure_bases(store, book, at) == 3
    new = "2027-09-01~2028-08-31"
    assert bases(store, event) == {"1000.00": ("5000.00", False, new, "4700.00"),
                                   "8000.00": ("8000.00", False, new, None),
                                   "30000.00": ("25000.00", False, new, "23500.00")}
    unit = store.by_uscc(event.licence.uscc)
    assert unit.bases_due == datetime(2028, 9, 1).date()  # next due when the new period runs out
    assert workflow.refigure_bases(store, book, at) == 0  # settled: not found again


def test_a_period_running_out_continues_the_bases_provisionally_until_the_next_figures_come(store, tmp_path):
    book = operator_book(tmp_path)
    event, _ = register(store, "1000.00", "30000.00")
    current = "2026-09-01~2027-08-31"
    assert bases(store, event) == {"1000.00": ("4700.00", False, current, None),
                                   "30000.00": ("23500.00", False, current, None)}
    last_day = datetime(2027, 8, 31, 2, 0, tzinfo=UTC)
    assert workflow.refigure_bases(store, book, last_day) == 0  # not due yet: the period is still in force
    assert store.by_uscc(event.licence.uscc).bases_due == datetime(2027, 9, 1).date()

    run_out = datetime(2027, 9, 1, 2, 0, tzinfo=UTC)
    assert workflow.refigure_bases(store, book, run_out) == 2  # no new file: the same figures, now provisional
    assert bases(store, event) == {"1000.00": ("4700.00", True, current, None),
                                   "30000.00": ("23500.00", True, current, None)}
    assert workflow.refigure_bases(store, book, run_out) == 0

    load_next_period(tmp_path)
    assert workflow.refigure_bases(store, book, run_out) == 2
    assert bases(store, event) == {"1000.00": ("5000.00", False, "2027-09-01~2028-08-31", "4700.00"),
                                   "30000.00": ("25000.00", False, "2027-09-01~2028-08-31", "23500.00")}


def test_a_member_who_left_keeps_the_base_of_their_time_and_a_unit_without_active_members_is_never_due(store, tmp_path):
    book = operator_book(tmp_path)
    event, _ = register(store, "1000.00")
    [member] = workflow.list_members(store, event.licence.uscc)
    workflow.end_membership(store, event.licence.uscc, store.by_uscc(event.licence.uscc).members[0].resident_id,
                            "2026-12-31", NOW)
    assert store.by_uscc(event.licence.uscc).bases_due is None
    load_next_period(tmp_path)
    assert workflow.refigure_bases(store, book, datetime(2027, 9, 14, 2, 0, tzinfo=UTC)) == 0
    [after] = workflow.list_members(store, event.licence.uscc)
    assert after["contribution_base"] == member["contribution_base"] and after["state"] == "ended"


def test_a_unit_stored_before_its_due_day_was_kept_is_looked_at_once_and_then_only_when_due(store, tmp_path):
    """Units from before 2026-12-02 have no `bases_due`: without the backfill a provisional base of theirs
    would never be settled by new figures."""
    book = operator_book(tmp_path)
    at = datetime(2027, 9, 14, 2, 0, tzinfo=UTC)  # the 2026 figures continue: the bases are provisional
    event = licence_issued(staff("1000.00", "8000.00"), issued_at=at, rates=None)
    with clock.using(clock.fixed_at(at)):
        workflow.open_unit(store, book, event, at)
    [stored] = store.repo.docs.values()
    del stored["bases_due"]  # as stored before the field existed
    load_next_period(tmp_path)
    assert workflow.refigure_bases(store, book, at) == 2  # found although no due day was stored
    unit = store.by_uscc(event.licence.uscc)
    assert unit.bases_due == datetime(2028, 9, 1).date() and "bases_due" in stored
    assert {m["base_provisional"] for m in workflow.list_members(store, event.licence.uscc)} == {False}
    assert workflow.refigure_bases(store, book, at) == 0
