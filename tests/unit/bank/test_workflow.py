"""The bank's use cases on the in-memory store: the appointment, the account number, the counter task,
what is published and what callers are answered, without a database or a broker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import banks, bureaus, clock
from contracts.calendar import is_working_day
from contracts.revocation import Revocation
from contracts.rpc import Conflict, Invalid, NotFound
from services.bank import clerk, domain, workflow
from services.bank.store import BankStore
from tests.unit.bank.factories import licence_issued
from tests.unit.seal.factories import licence_revoked

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan, before the 国庆 holiday
HONGSHAN = banks.branch("jc-hongshan")


@pytest.fixture
def store():
    return BankStore.in_memory()


def reserve(store, **kw):
    event = licence_issued(issued_at=NOW, **kw)
    with clock.using(clock.fixed_at(NOW)):
        return event, workflow.reserve(store, event, NOW)


def test_the_licence_books_the_first_slot_on_the_next_working_day_and_assigns_the_account_once(store):
    event, entries = reserve(store)
    assert [e["type"] for e in entries] == ["bank_account_reserved", "task_queued"]
    reserved = entries[0]["payload"]
    # 2026-10-01..07 is the 国庆 holiday (and no make-up day falls before the 9th): the first working day
    # after Wednesday 30 September is Thursday 8 October
    assert reserved["appointment_date"] == "2026-10-08" and is_working_day(date(2026, 10, 8))
    assert reserved["appointment_slot"] == banks.slots(HONGSHAN)[0] == "09:00-10:00"
    assert reserved["account_number"] == domain.account_number("901", "0111", 1)
    assert reserved["shared_with"] == ["tax", "social_security", "medical_insurance", "housing_fund"]
    assert reserved["bank_name"] == banks.bank().name and reserved["branch_name"] == HONGSHAN.name
    # a redelivery changes nothing: no second slot, no second number
    with clock.using(clock.fixed_at(NOW)):
        assert workflow.reserve(store, event, NOW) == []
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 1}
    assert store.sequences.values == {"account:jc-hongshan": 1}


def test_each_slot_takes_its_capacity_then_the_next_slot_and_the_next_working_day(store):
    per_day = len(banks.slots(HONGSHAN)) * HONGSHAN.capacity_per_slot
    seen = [reserve(store)[1][0]["payload"] for _ in range(per_day + 1)]
    slots = [(r["appointment_date"], r["appointment_slot"]) for r in seen]
    assert slots[0] == slots[1] == ("2026-10-08", "09:00-10:00")  # capacity 2
    assert slots[2] == ("2026-10-08", "10:00-11:00")
    assert slots[-1] == ("2026-10-09", "09:00-10:00")  # the 8th is full
    assert len({r["account_number"] for r in seen}) == len(seen)  # never one number twice


def test_a_redelivery_after_a_crash_reuses_the_slot_it_booked(store):
    event = licence_issued(issued_at=NOW)
    appointment = domain.Appointment(day=date(2026, 10, 8), slot="11:00-12:00")
    assert store.slots.book(HONGSHAN, appointment, event.application_id)  # booked, then the worker died
    with clock.using(clock.fixed_at(NOW)):
        entries = workflow.reserve(store, event, NOW)
    assert entries[0]["payload"]["appointment_slot"] == "11:00-12:00"
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"11:00-12:00": 1}


def test_no_free_slot_within_the_horizon_queues_the_account_for_a_clerk(store):
    full = store.slots
    full.booked = lambda branch_id, day: {s: 99 for s in banks.slots(HONGSHAN)}
    _, entries = reserve(store)
    reserved, queued = (e["payload"] for e in entries)
    assert reserved["appointment_date"] is None and reserved["account_number"]
    assert queued["reason"] == domain.NO_SLOT


def test_no_bank_on_the_form_is_no_account(store):
    assert reserve(store, branch_id=None)[1] == []


def test_the_counter_opens_the_account_or_refuses_it_with_reasons(store):
    sent = []
    q = clerk.ClerkQueue(store, lambda app_id, entries: sent.extend(entries))
    event, entries = reserve(store)
    task_id = entries[1]["payload"]["task_id"]
    with clock.using(clock.fixed_at(NOW)):
        task = q.get(task_id, NOW)
        assert task.bureau == "bank" and task.kind == "account_opening" and task.actions == ["approve", "reject"]
        assert task.deadline == date(2026, 10, 8)  # the appointment day
        assert task.details["reserved_seals"] == "财务专用章、法定代表人名章"
        q.claim(task_id, "柜员甲", NOW)
        with pytest.raises(Conflict):
            q.act(task_id, "柜员乙", "approve", {}, NOW)
        done = q.act(task_id, "柜员甲", "approve", {}, NOW)
    assert done.state == "done"
    assert [e["type"] for e in sent] == ["account_opened"]
    assert sent[0]["payload"]["account_number"] == entries[0]["payload"]["account_number"]
    view = workflow.get_account(store, event.licence.uscc)
    assert view["state"] == "opened" and view["opened_at"]
    with clock.using(clock.fixed_at(NOW)), pytest.raises(Conflict):
        q.act(task_id, "柜员甲", "approve", {}, NOW)  # closed: never opened twice

    other, entries = reserve(store)
    with clock.using(clock.fixed_at(NOW)):
        with pytest.raises(Invalid):
            q.act(entries[1]["payload"]["task_id"], "柜员甲", "reject", {"reasons": [" "]}, NOW)
        q.act(entries[1]["payload"]["task_id"], "柜员甲", "reject", {"reasons": ["预留印鉴与备案不符"]}, NOW)
    assert sent[-1]["type"] == "step_rejected" and sent[-1]["payload"]["reasons"] == ["预留印鉴与备案不符"]
    assert workflow.get_account(store, other.licence.uscc)["state"] == "refused"


def test_a_revoked_licence_cannot_open_its_account(store):
    q = clerk.ClerkQueue(store, lambda app_id, entries: None)
    event, entries = reserve(store)
    revoked = licence_revoked(event.application_id, event.licence.uscc, occurred_at=NOW)
    store.revocations.record(Revocation.of(revoked, NOW))
    with clock.using(clock.fixed_at(NOW)), pytest.raises(Conflict, match="不能再开立基本存款账户"):
        q.act(entries[1]["payload"]["task_id"], "柜员甲", "approve", {}, NOW)
    assert workflow.get_account(store, event.licence.uscc)["licence_revoked"]["reason"]


def test_unknown_companies_are_not_found(store):
    with pytest.raises(NotFound):
        workflow.get_account(store, "91420111000000019N")
    with pytest.raises(NotFound):
        workflow.get_account(store, 42)


def test_account_numbers_carry_a_luhn_check_digit():
    number = domain.account_number("901", "0111", 123)
    assert len(number) == 17 and number.startswith("9010111000000123")
    assert domain.luhn_check_digit("7992739871") == 3  # the textbook example
    with pytest.raises(ValueError):
        domain.account_number("901", "0111", 0)


def test_the_manifest_completes_the_bank_step_on_the_reservation_and_the_opening():
    form = {"bank": {"branch_id": "jc-hongshan"}}
    assert bureaus.bureau("bank").required_events(form) == {"bank_account_reserved", "account_opened"}
    assert bureaus.bureau("bank").required_events({}) == set()


def test_the_appointment_confirmation_then_the_account_details_are_issued_once_each(store):
    q = clerk.ClerkQueue(store, lambda app_id, entries: None)
    event, entries = reserve(store)
    app_id = event.application_id
    assert entries[0]["payload"]["documents"] == [domain.APPOINTMENT_DOC.model_dump(mode="json")]
    assert [d["name"] for d in workflow.list_documents(store, app_id)] == ["bank.appointment"]
    with pytest.raises(NotFound):
        workflow.get_document(store, app_id, "bank.account")  # not open yet
    first = workflow.get_document(store, app_id, "bank.appointment")
    assert first == workflow.get_document(store, app_id, "bank.appointment")  # served as issued
    assert first["filename"] == f"银行预约开户确认书-{event.licence.uscc}.pdf"
    with clock.using(clock.fixed_at(NOW)):
        q.claim(entries[1]["payload"]["task_id"], "柜员甲", NOW)
        q.act(entries[1]["payload"]["task_id"], "柜员甲", "approve", {}, NOW)
    assert [d["name"] for d in workflow.list_documents(store, app_id)] == ["bank.appointment", "bank.account"]
    details = workflow.get_document(store, app_id, "bank.account")
    assert details["content_type"] == "application/pdf" and details["data_base64"]
    with pytest.raises(NotFound):
        workflow.get_document(store, "no-such-application", "bank.appointment")


def test_the_founders_preferred_slot_is_booked_when_it_has_room(store):
    event, entries = reserve(store, appointment=(date(2026, 10, 12), "13:30-14:30"))
    reserved = entries[0]["payload"]
    assert (reserved["appointment_date"], reserved["appointment_slot"]) == ("2026-10-12", "13:30-14:30")
    assert "改约" not in entries[1]["payload"]["reason"]


def test_a_preferred_slot_full_by_the_licence_moves_to_the_next_free_one_and_says_so(store):
    for _ in range(HONGSHAN.capacity_per_slot):  # others fill 12 October 13:30 first
        reserve(store, appointment=(date(2026, 10, 12), "13:30-14:30"))
    event, entries = reserve(store, appointment=(date(2026, 10, 12), "13:30-14:30"))
    reserved = entries[0]["payload"]
    assert (reserved["appointment_date"], reserved["appointment_slot"]) == ("2026-10-12", "14:30-15:30")
    assert "已约满或已过，改约最近的空闲时段" in entries[1]["payload"]["reason"]
    assert workflow.slot_has_room(store, "jc-hongshan", "2026-10-12", "13:30-14:30") is False
    assert workflow.slot_has_room(store, "jc-hongshan", "2026-10-12", "14:30-15:30") is True


def test_a_preferred_day_not_after_the_licence_books_the_first_free_slot_after_it(store):
    event, entries = reserve(store, appointment=(date(2026, 9, 30), "09:00-10:00"))  # the licence's own day
    assert entries[0]["payload"]["appointment_date"] == "2026-10-08"  # after the 国庆 holiday, as without a choice


def test_a_room_question_about_no_branch_or_no_day_is_a_field_error(store):
    for args in (("no-such", "2026-10-12", "09:00-10:00"), ("jc-hongshan", "12 Oct", "09:00-10:00"),
                 ("jc-hongshan", None, "09:00-10:00")):
        with pytest.raises(Invalid):
            workflow.slot_has_room(store, *args)


# ---- the founder moves the appointment (改约) --------------------------------------------------------


def move(store, event, day, slot, at=NOW):
    return workflow.move_appointment(store, event.licence.uscc, day, slot, at)


def test_the_founder_moves_the_appointment_the_old_place_goes_back_and_the_counter_task_follows(store):
    event, _ = reserve(store)
    view, entries = move(store, event, "2026-10-12", "13:30-14:30")
    assert (view["appointment_date"], view["appointment_slot"]) == ("2026-10-12", "13:30-14:30")
    assert [e["type"] for e in entries] == ["step_progressed", "task_queued"]
    assert entries[0]["payload"]["detail"] == {"appointment_date": "2026-10-12", "appointment_slot": "13:30-14:30",
                                               "previous": "2026-10-08 09:00-10:00"}
    assert entries[1]["payload"]["deadline"] == "2026-10-12" and "改约" in entries[1]["payload"]["reason"]
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 0}  # given back
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 12)) == {"13:30-14:30": 1}
    account = store.by_uscc(event.licence.uscc)
    assert account.task.deadline == date(2026, 10, 12) and account.task.state == "open"
    # the same move again: the same answer, nothing published, nothing booked twice
    again, entries = move(store, event, "2026-10-12", "13:30-14:30")
    assert entries == [] and again["appointment_slot"] == "13:30-14:30"
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 12)) == {"13:30-14:30": 1}


def test_a_full_slot_is_a_422_on_the_slot_and_the_appointment_stays(store):
    others = [reserve(store)[0] for _ in range(HONGSHAN.capacity_per_slot)]
    for other in others:
        move(store, other, "2026-10-13", "10:00-11:00")
    event, _ = reserve(store)
    before = store.by_uscc(event.licence.uscc).appointment
    with pytest.raises(Invalid) as refused:
        move(store, event, "2026-10-13", "10:00-11:00")
    assert [(f.field, f.message) for f in refused.value.field_errors] == [("appointment_slot", domain.FULL)]
    assert store.by_uscc(event.licence.uscc).appointment == before
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 13)) == {"10:00-11:00": HONGSHAN.capacity_per_slot}


@pytest.mark.parametrize(("day", "slot", "field", "message"), [
    ("2026-09-30", "09:00-10:00", "appointment_date", "预约日期须在今天之后"),
    ("2026-10-03", "09:00-10:00", "appointment_date", "预约日期须为工作日"),  # 国庆
    ("2027-03-01", "09:00-10:00", "appointment_date", "预约日期最晚为"),
    ("10/12/2026", "09:00-10:00", "appointment_date", "请填写预约日期"),
    ("2026-10-12", "08:00-09:00", "appointment_slot", "的预约时段为"),
])
def test_a_bad_day_or_slot_is_a_422_on_its_field(store, day, slot, field, message):
    event, _ = reserve(store)
    with pytest.raises(Invalid) as refused:
        move(store, event, day, slot)
    [error] = refused.value.field_errors
    assert error.field == field and message in error.message


def test_an_opened_account_cannot_be_moved_and_an_unknown_company_is_not_found(store):
    event, _ = reserve(store)
    clerks = clerk.ClerkQueue(store, lambda app_id, entries: None)
    task = store.by_uscc(event.licence.uscc).task
    clerks.claim(task.id, "柜员", NOW)
    clerks.act(task.id, "柜员", "approve", {}, NOW)
    with pytest.raises(Conflict):
        move(store, event, "2026-10-12", "13:30-14:30")
    with pytest.raises(NotFound):
        workflow.move_appointment(store, "91420111MA0000000X", "2026-10-12", "13:30-14:30", NOW)


def test_the_counter_queue_lists_the_open_task_and_shows_it(store):
    event, _ = reserve(store)
    clerks = clerk.ClerkQueue(store, lambda app_id, entries: None)
    [task] = clerks.list(("open",), NOW)
    assert task.application_id == event.application_id and task.kind == domain.TASK_KIND
    assert clerks.get(task.id, NOW).details["account_number"] == store.by_uscc(event.licence.uscc).account_number


def test_a_company_deregistered_before_opening_lets_its_reservation_lapse_once_and_gives_the_place_back(store):
    from contracts.events import CompanyDeregistered

    event, _ = reserve(store)
    gone = CompanyDeregistered(application_id=event.application_id, uscc=event.licence.uscc, closure_id="c1",
                               deregistered_on=date(2026, 10, 9))
    entries = workflow.lapse_on_deregistration(store, gone, NOW)
    assert [(e["type"], e["payload"]["step"]) for e in entries] == [("step_progressed", "reservation_lapsed")]
    account = store.by_uscc(event.licence.uscc)
    assert account.state == "lapsed" and account.task.state == "done"
    assert account.task.history[-1]["action"] == "lapse"
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 0}
    assert clerk.ClerkQueue(store, lambda a, e: None).list(("open",), NOW) == []
    assert workflow.lapse_on_deregistration(store, gone, NOW) == []  # redelivered: nothing again
    with pytest.raises(Conflict):
        move(store, event, "2026-10-12", "13:30-14:30")


def test_an_opened_account_is_not_lapsed_by_a_deregistration(store):
    from contracts.events import CompanyDeregistered

    event, _ = reserve(store)
    clerks = clerk.ClerkQueue(store, lambda app_id, entries: None)
    task = store.by_uscc(event.licence.uscc).task
    clerks.claim(task.id, "柜员", NOW)
    clerks.act(task.id, "柜员", "approve", {}, NOW)
    gone = CompanyDeregistered(application_id=event.application_id, uscc=event.licence.uscc, closure_id="c1",
                               deregistered_on=date(2026, 10, 9))
    assert workflow.lapse_on_deregistration(store, gone, NOW) == []
    assert store.by_uscc(event.licence.uscc).state == "opened"


# ---- places a crash left held (the sweep) -----------------------------------------------------

LATER = NOW + timedelta(seconds=domain.STRAY_AFTER_SECONDS + 1)


def test_a_move_that_crashed_after_booking_its_new_place_gives_that_place_back_once_it_is_old(store):
    event, _ = reserve(store)
    wanted = domain.Appointment(day=date(2026, 10, 12), slot="13:30-14:30")
    with clock.using(clock.fixed_at(NOW)):
        assert store.slots.book(HONGSHAN, wanted, event.application_id)  # booked, then the worker died
    assert workflow.release_stray_places(store, NOW + timedelta(seconds=30)) == 0  # maybe still in flight
    assert workflow.release_stray_places(store, LATER) == 1
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 12)) == {"13:30-14:30": 0}
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 1}  # its own place stays
    assert workflow.release_stray_places(store, LATER) == 0


def test_a_move_that_crashed_before_giving_back_the_old_place_gives_it_back(store):
    event, _ = reserve(store)
    account = store.by_uscc(event.licence.uscc)
    wanted = domain.Appointment(day=date(2026, 10, 12), slot="13:30-14:30")
    with clock.using(clock.fixed_at(NOW)):
        assert store.slots.book(HONGSHAN, wanted, event.application_id)
    store.change_by_uscc(account.uscc, lambda a: domain.move(a, wanted, account.appointment, NOW), lambda: None)
    # ... and the worker died before releasing 2026-10-08 09:00
    assert workflow.release_stray_places(store, LATER) == 1
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 0}
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 12)) == {"13:30-14:30": 1}


def test_a_reservation_whose_account_was_never_written_gives_its_place_back_and_a_redelivery_books_again(store):
    event = licence_issued(issued_at=NOW)
    appointment = domain.Appointment(day=date(2026, 10, 8), slot="11:00-12:00")
    with clock.using(clock.fixed_at(NOW)):
        assert store.slots.book(HONGSHAN, appointment, event.application_id)
    assert workflow.release_stray_places(store, LATER) == 1
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"11:00-12:00": 0}
    with clock.using(clock.fixed_at(LATER)):
        entries = workflow.reserve(store, event, LATER)
    assert entries[0]["payload"]["appointment_date"] == "2026-10-08"
    assert sum(store.slots.booked(HONGSHAN.id, date(2026, 10, 8)).values()) == 1


def test_the_sweep_leaves_every_place_an_account_points_at(store):
    for _ in range(3):
        reserve(store)
    assert workflow.release_stray_places(store, LATER) == 0
    assert store.slots.booked(HONGSHAN.id, date(2026, 10, 8)) == {"09:00-10:00": 2, "10:00-11:00": 1}
