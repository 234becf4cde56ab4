"""receive_licence and the employer's path, on the in-memory store (kit.repository.InMemoryRepository):
what the first write holds, what a duplicate costs, and what is published in which order."""

from datetime import UTC, datetime

import pytest

from contracts.codes import make_uscc
from contracts.revocation import Revocation
from contracts.rpc import Conflict, Invalid, NotFound
from services.social_security import domain, workflow
from services.social_security.store import InMemorySocialSecurityStore

from .factories import NOW, USCC, Sent, licence
from .helpers import broken_resident_id, resident_id

REVOKED = Revocation(uscc=USCC, application_id="app-1", reason="虚假登记", event_id="e-1",
                     revoked_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC), received_at=NOW)

@pytest.fixture
def store():
    return InMemorySocialSecurityStore()


def test_a_standard_employer_is_stored_registered_with_its_number_then_its_staff(store, monkeypatch):
    monkeypatch.setattr(store, "reserved_number", lambda key: 7)  # a running worker's block holds it
    order = []
    insert_enrolments, receive = store.insert_enrolments, store.receive_intake
    store.insert_enrolments = lambda rows, **kw: order.append("staff") or insert_enrolments(rows, **kw)
    store.receive_intake = lambda e, events: order.append("employer") or receive(e, events)
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=2), NOW)
    employer, version = store.load_employer(USCC)
    assert employer.state == "registered" and employer.employer_number == "4201112026000007"
    assert employer.employees_processed and version == 0  # one employer write, its staff stored before it
    assert order == ["staff", "employer"]
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]
    assert [e["employee_id"] for e in sent[1][1]["employees"]] == [domain.form_employee_id("app-1", i) for i in (0, 1)]
    assert store.employer_repo.pending(USCC) == []  # published, then taken out of the outbox
    assert "employer:" not in "".join(store.sequences.values)  # the employer's number came from the block


def test_without_a_number_in_hand_the_counter_is_drawn_and_a_redelivery_never_moves_it(store):
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=1), NOW)
    assert store.sequences.values == {"employer:420111:2026": 1}  # its record counter is in the employer
    workflow.receive_licence(store, sent, licence(staff=1), NOW)  # redelivered
    assert store.sequences.values == {"employer:420111:2026": 1}  # its record counter is in the employer
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]  # nothing twice
    assert len(store.staff_of(USCC)) == 1


def test_a_duplicate_gives_back_the_number_it_drew_and_carries_on_from_what_is_stored(store, monkeypatch):
    workflow.receive_licence(store, Sent(), licence(), NOW)
    given_back = []
    monkeypatch.setattr(store, "reserved_number", lambda key: 2)
    monkeypatch.setattr(store, "give_back_number", lambda key, last: given_back.append((key, last)))
    sent = Sent()
    workflow.receive_licence(store, sent, licence(), NOW)
    assert given_back == [("employer:420111:2026", 2)] and sent == []
    assert store.employer(USCC).employer_number == "4201112026000001"


def test_a_duplicate_with_staff_gives_back_its_number_and_enrols_no_one_again(store, monkeypatch):
    workflow.receive_licence(store, Sent(), licence(staff=2), NOW)
    before = [(e.employee_id, e.record_number) for e in store.staff_of(USCC)]
    given_back = []
    monkeypatch.setattr(store, "reserved_number", lambda key: 2)
    monkeypatch.setattr(store, "give_back_number", lambda key, last: given_back.append((key, last)))
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=2), NOW)
    assert given_back == [("employer:420111:2026", 2)] and sent == []
    assert [(e.employee_id, e.record_number) for e in store.staff_of(USCC)] == before
    assert store.employer(USCC).record_seq == 2


def test_an_employer_for_a_clerk_has_its_task_stored_before_it_and_no_number(store):
    order = []
    insert_task, receive = store.insert_task, store.receive_intake
    store.insert_task = lambda task, events: order.append(("task", task.id)) or insert_task(task, events)
    store.receive_intake = lambda e, events: order.append(("employer", e.state)) or receive(e, events)
    sent = Sent()
    workflow.receive_licence(store, sent, licence(district="110105", staff=1), NOW)
    task_id = domain.task_id("app-1", domain.TASK_EMPLOYER)
    assert order == [("task", task_id), ("employer", "pending_review")]
    assert store.employer(make_uscc("110105", "00000001")).task_id == task_id
    assert sent.kinds() == ["task_queued"] and store.sequences.values == {}


# ---- advance / resume: what a dead worker or an older document left --------------------------


def stored_received(store, **over) -> None:
    """The employer of licence(staff=1) as stored before the decision rode on the first write: 'received',
    unnumbered (the numbers drawn for the registered one it is made from stay drawn)."""
    workflow.receive_licence(store, Sent(), licence(staff=1), NOW)
    registered = store.employer(USCC)
    store.employer_repo.docs.clear()
    store.enrolment_repo.docs.clear()
    store.employer_repo.insert(USCC, registered.model_copy(update={
        "state": "received", "employer_number": None, "insurances": None, "registered_at": None,
        "employees_processed": False, **over}), [])


def test_advance_takes_a_received_employer_from_before_the_folded_first_write_to_its_staff(store):
    stored_received(store)
    del store.employer_repo.docs[USCC]["version"]  # stored before versions were kept
    sent = Sent()
    workflow.advance(store, sent, USCC, NOW)
    employer = store.employer(USCC)
    assert employer.state == "registered" and employer.employees_processed
    assert employer.employer_number == "4201112026000002"  # the first number went to the first write above
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]  # the registration first


def test_a_crash_between_the_staff_and_the_employer_gives_the_same_staff_and_numbers_once(store, monkeypatch):
    monkeypatch.setattr(store, "reserved_number", lambda key: 7)
    receive = store.receive_intake
    store.receive_intake = lambda e, events: (_ for _ in ()).throw(RuntimeError("worker died here"))
    with pytest.raises(RuntimeError):
        workflow.receive_licence(store, Sent(), licence(staff=2), NOW)
    store.receive_intake = receive
    before = sorted((e.employee_id, e.record_number) for e in store.staff_of(USCC))
    assert len(before) == 2 and store.employer(USCC) is None
    assert workflow.resume_stalled(store, Sent(), NOW + workflow.RESUME_AFTER * 2) == 0  # no employer to resume
    given_back = []
    monkeypatch.setattr(store, "reserved_number", lambda key: 8)  # redelivered to a worker with another number
    monkeypatch.setattr(store, "give_back_number", lambda key, last: given_back.append((key, last)))
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=2), NOW)
    assert sorted((e.employee_id, e.record_number) for e in store.staff_of(USCC)) == before
    assert store.employer(USCC).employer_number == "4201112026000007"  # the number its staff carry
    assert given_back == [("employer:420111:2026", 8)]  # never stored: the next employer takes it
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]
    assert sorted((e["employee_id"], e["record_number"]) for e in sent[1][1]["employees"]) == before
    assert store.sequences.values == {} and store.employer(USCC).record_seq == 2  # its places on the form


def test_a_crash_after_part_of_the_staff_stores_the_rest_under_the_same_employer_number(store, monkeypatch):
    monkeypatch.setattr(store, "reserved_number", lambda key: 7)
    insert_enrolments = store.insert_enrolments
    store.insert_enrolments = lambda rows, **kw: insert_enrolments(rows[:1], **kw) and 1 / 0  # died after one
    with pytest.raises(ZeroDivisionError):
        workflow.receive_licence(store, Sent(), licence(staff=3), NOW)
    store.insert_enrolments = insert_enrolments
    monkeypatch.setattr(store, "reserved_number", lambda key: 8)
    sent = Sent()
    workflow.receive_licence(store, sent, licence(staff=3), NOW)
    numbers = [e.record_number for e in store.staff_of(USCC)]
    assert len(numbers) == 3 == len(set(numbers)) and {n[:-5] for n in numbers} == {"4201112026000007"}
    assert store.employer(USCC).employer_number == "4201112026000007"
    assert [len(p["employees"]) for k, p in sent if k == "employees_enrolled"] == [3]


def test_resume_finishes_an_employer_whose_worker_died_after_the_first_write_and_leaves_fresh_ones(store):
    insert_enrolments = store.insert_enrolments
    store.insert_enrolments = lambda rows, **kw: (_ for _ in ()).throw(RuntimeError("worker died here"))
    # one of the staff needs a clerk: the employer is written first, its staff after (today's path)
    with pytest.raises(RuntimeError):
        workflow.receive_licence(store, Sent(), licence(ids=[resident_id(seq="001"), broken_resident_id()]), NOW)
    store.insert_enrolments = insert_enrolments
    assert workflow.resume_stalled(store, Sent(), NOW) == 0  # not stale yet: its worker may be alive
    sent = Sent()
    assert workflow.resume_stalled(store, sent, NOW + workflow.RESUME_AFTER * 2) == 1
    assert store.employer(USCC).employees_processed and len(store.staff_of(USCC)) == 1
    # what the dead worker left in the outbox (the registration) goes out first
    assert sent.kinds() == ["employer_registered", "employees_enrolled", "task_queued"]


def test_when_another_worker_finishes_the_staff_first_no_second_batch_is_announced(store):
    stored_received(store)
    insert_enrolments = store.insert_enrolments

    def another_worker_finishes(rows, **kw):  # between this worker's insert and its last move
        done = insert_enrolments(rows, **kw)
        store.employer_repo.set_where(USCC, {}, {"employees_processed": True}, [])
        return done

    store.insert_enrolments = another_worker_finishes
    sent = Sent()
    workflow.advance(store, sent, USCC, NOW)
    assert sent.kinds() == ["employer_registered"]  # the winner announces the staff, once
    assert store.employer_repo.pending(USCC) == []


# ---- later changes without a form --------------------------------------------------------------


@pytest.fixture
def registered(store):
    """A registered employer with one form employee (record 001)."""
    workflow.receive_licence(store, Sent(), licence(staff=1), NOW)
    return store


def new_person(seq: str = "500", start: str = "2026-12-01", wage: str = "8000.00") -> dict:
    return {"name": "周九", "resident_id": resident_id(seq=seq), "start_date": start, "monthly_wage": wage}


def test_registered_employer_refuses_an_unknown_or_unfinished_one(store):
    with pytest.raises(NotFound):
        workflow.registered_employer(store, USCC)
    workflow.receive_licence(store, Sent(), licence(district="110105"), NOW)
    with pytest.raises(Conflict, match="pending_review"):
        workflow.registered_employer(store, make_uscc("110105", "00000001"))
    with pytest.raises(NotFound):
        workflow.registered_employer(store, 42)


def test_enrol_employee_stores_and_announces_once_per_request_id(registered):
    sent = Sent()
    view = workflow.enrol_employee(registered, sent, USCC, new_person(), "req-1", NOW)
    assert view["record_number"].endswith("002") and view["resident_id"] != new_person()["resident_id"]
    assert sent.kinds() == ["employees_enrolled"] and registered.enrolment_repo.pending(view["employee_id"]) == []
    again = workflow.enrol_employee(registered, sent, USCC, new_person(), "req-1", NOW)
    assert again == view and len(sent) == 1 and len(registered.staff_of(USCC)) == 2


def test_later_record_numbers_come_from_the_employer_or_from_the_counter_an_older_one_keeps(registered):
    workflow.enrol_employee(registered, Sent(), USCC, new_person(), "req-1", NOW)
    assert registered.employer(USCC).record_seq == 2 and registered.sequences.values.get(f"record:{USCC}") is None
    registered.employer_repo.set_where(USCC, {}, {"record_seq": None}, [])  # stored before: its counter apart
    registered.sequences.values[f"record:{USCC}"] = 7
    view = workflow.enrol_employee(registered, Sent(), USCC, new_person(seq="501"), "req-2", NOW)
    assert view["record_number"].endswith("00008") and registered.sequences.values[f"record:{USCC}"] == 8


def test_enrol_employee_refuses_bad_input_and_a_revoked_company(registered):
    with pytest.raises(Invalid) as bad:
        workflow.enrol_employee(registered, Sent(), USCC, new_person(wage="0"), None, NOW)
    assert [e.field for e in bad.value.field_errors] == ["monthly_wage"]
    with pytest.raises(Invalid):
        workflow.enrol_employee(registered, Sent(), USCC, new_person(), "x" * 101, NOW)
    registered.revocations.record(REVOKED)
    with pytest.raises(Conflict, match="不能再为员工办理参保登记"):
        workflow.enrol_employee(registered, Sent(), USCC, new_person(), None, NOW)
    assert len(registered.staff_of(USCC)) == 1


def test_end_employment_ends_once_and_refuses_another_date(registered):
    [person] = registered.staff_of(USCC)
    with pytest.raises(Invalid, match="早于入职日期"):
        workflow.end_employment(registered, USCC, person.employee_id, "2026-11-01", NOW)
    ended = workflow.end_employment(registered, USCC, person.employee_id, "2026-12-31", NOW)
    assert ended["state"] == "ended" and ended["end_date"] == "2026-12-31"
    stored, version = registered.enrolment(person.employee_id)
    assert not stored.active and stored.ended_at == NOW and version == 1
    assert workflow.end_employment(registered, USCC, person.employee_id, "2026-12-31", NOW) == ended  # a retry
    with pytest.raises(Conflict, match="2026-12-31离职减员"):
        workflow.end_employment(registered, USCC, person.employee_id, "2027-01-05", NOW)
    with pytest.raises(NotFound):
        workflow.end_employment(registered, USCC, "nobody", None, NOW)


def test_person_of_is_unmasked_and_list_staff_masked_in_start_order(registered):
    workflow.enrol_employee(registered, Sent(), USCC, new_person(start="2026-11-25"), "req-1", NOW)
    [first, second] = workflow.list_staff(registered, USCC)
    assert first["record_number"].endswith("001") and second["record_number"].endswith("002")
    assert "*" in second["resident_id"]
    person = workflow.person_of(registered, USCC, second["employee_id"])
    assert person["resident_id"] == new_person()["resident_id"] and person["name"] == "周九"
    with pytest.raises(NotFound):
        workflow.person_of(registered, USCC, "nobody")


def test_contributions_count_who_was_employed_in_the_month(registered):
    workflow.enrol_employee(registered, Sent(), USCC, new_person(start="2027-01-10"), "req-1", NOW)
    december = workflow.contributions(registered, USCC, "2026-12")
    january = workflow.contributions(registered, USCC, "2027-01")
    assert december["employer_number"] == registered.employer(USCC).employer_number
    assert len(december["employees"]) == 1 and len(january["employees"]) == 2
    with pytest.raises(Invalid):
        workflow.contributions(registered, USCC, "2026/12")


def test_reconcile_gives_a_provisional_enrolment_the_figures_now_known(registered):
    [person] = registered.staff_of(USCC)
    registered.enrolment_repo.set_where(person.employee_id, {}, {"contribution_provisional": True,
                                                                 "contribution_base": "1.00", "policy_period": None}, [])
    assert workflow.reconcile_provisional(registered) == 1
    settled = registered.enrolment(person.employee_id)[0]
    assert settled == person  # the base, flag and period of the figures in force, as when enrolled
    assert workflow.reconcile_provisional(registered) == 0


def test_the_employer_view_shows_its_number_dates_and_staff_count(registered):
    view = workflow.get_employer(registered, USCC)
    assert view["employer_number"] == "4201112026000001" and view["established_on"] == "2026-11-25"
    assert view["registered_at"] == NOW.isoformat() and view["active_staff"] == 1 and view["licence_revoked"] is None
    assert view["bank_account"] is None  # the bank has not reported the basic account yet
    with pytest.raises(NotFound):
        workflow.get_employer(registered, "91420111MA0000000X")


def test_an_employer_stored_before_work_injury_classes_is_registered_as_unchecked_not_sent_to_a_clerk(store):
    stored_received(store, event_id=None)
    del store.employer_repo.docs[USCC]["work_injury"]  # stored before 2026-12-02
    workflow.advance(store, Sent(), USCC, NOW)
    assert store.employer(USCC).state == "registered" and store.employer(USCC).work_injury == {}
