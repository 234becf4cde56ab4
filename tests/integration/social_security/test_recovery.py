"""A worker that dies mid-way loses nothing: the timer in any instance finishes the intake, and a
number allocated by the dead worker is skipped, never given to anyone else."""

from datetime import timedelta

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts import clock
from services.social_security import workflow

from .conftest import licence_issued, resident_id

pytestmark = pytest.mark.integration


def crash(*args, **kwargs):
    raise RuntimeError("worker died here")


def first_write_dies_once(monkeypatch, note):
    """The worker dies once just before the employer's first write; `note(employer)` keeps what was there
    then. The event is redelivered (kit.events.durable_handler) and the next attempt writes as usual."""
    original = workflow.SocialSecurityStore.receive_intake
    died = []

    def dies_once(store, employer, events):
        if not died:
            died.append(note(employer))
            raise RuntimeError("worker died here")
        return original(store, employer, events)

    monkeypatch.setattr(workflow.SocialSecurityStore, "receive_intake", dies_once)
    return died


def backdate(mongo_db, uscc):
    """Make the intake look abandoned (the timer only resumes work left alone for a while)."""
    mongo_db["employers"].update_one({"_id": uscc}, {"$set": {"updated_at": clock.now() - timedelta(minutes=5)}})


def employees():
    return [{"name": "孙八", "resident_id": resident_id(11), "start_date": None, "monthly_wage": "9000.00"}]


def with_one_for_a_clerk():
    """The form's staff when one of them needs a clerk (check character wrong): the employer is written
    first, its standard staff after."""
    good = resident_id(12)
    return [*employees(), {"name": "周九", "resident_id": good[:-1] + ("0" if good[-1] != "0" else "1"),
                           "start_date": None, "monthly_wage": "9000.00"}]


def test_a_crash_right_after_the_first_write_is_finished_by_the_timer(bureau, mongo_db, monkeypatch):
    event = licence_issued(employees(), org="00000020")
    monkeypatch.setattr(workflow, "advance", crash)  # the employer and its staff are stored, and nothing sent
    bureau.publish_licence(event, wait_for=None)
    monkeypatch.undo()
    stored = mongo_db["employers"].find_one({"_id": event.licence.uscc})
    assert stored["state"] == "registered" and stored["employees_processed"]
    assert [e["type"] for e in stored["outbox"]] == ["employer_registered", "employees_enrolled"]
    assert bureau.events("employer_registered") == []
    backdate(mongo_db, event.licence.uscc)
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        bureau.call("relay_and_resume")
    assert len(bureau.events("employer_registered")) == 1
    assert [e["name"] for e in bureau.events("employees_enrolled")[0]["employees"]] == ["孙八"]


def test_a_crash_between_the_staff_and_the_employer_is_finished_once_with_the_same_numbers(bureau, mongo_db,
                                                                                           monkeypatch):
    event = licence_issued(employees() + [{**employees()[0], "resident_id": resident_id(13)}], org="00000023")
    # the staff are stored, the employer not yet
    died = first_write_dies_once(monkeypatch, lambda employer: sorted(
        r["record_number"] for r in mongo_db["enrolments"].find({"uscc": employer.uscc})))
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled", timeout=15):
        bureau.publish_licence(event, wait_for=None)  # the event is redelivered (kit.events.durable_handler)
    [registered] = bureau.events("employer_registered")
    [enrolled] = bureau.events("employees_enrolled")
    assert len(died[0]) == 2  # what the dead worker stored
    assert sorted(e["record_number"] for e in enrolled["employees"]) == died[0]
    assert sorted(r["record_number"] for r in mongo_db["enrolments"].find({})) == died[0]
    assert {n[:-5] for n in died[0]} == {registered["employer_number"]}


def test_a_crash_between_registration_and_enrolment_is_finished_once(bureau, mongo_db, monkeypatch):
    event = licence_issued(with_one_for_a_clerk(), org="00000021")
    monkeypatch.setattr(workflow, "_enrol_form_employees", crash)
    with entrypoint_waiter(bureau.recorder, "on_employer_registered"):
        bureau.publish_licence(event, wait_for=None)
    monkeypatch.undo()
    assert bureau.events("employees_enrolled") == []
    backdate(mongo_db, event.licence.uscc)
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        bureau.call("relay_and_resume")
    bureau.call("relay_and_resume")  # nothing left to do: no second enrolment, no second event
    assert mongo_db["enrolments"].count_documents({}) == 1
    assert len(bureau.events("employer_registered")) == 1 and len(bureau.events("employees_enrolled")) == 1


def test_a_number_taken_by_a_dead_worker_is_skipped_not_reused(bureau, mongo_db, monkeypatch):
    event = licence_issued([], org="00000022")
    # dies after drawing the number, before the employer's first write
    died = first_write_dies_once(monkeypatch, lambda employer: employer.employer_number)
    with entrypoint_waiter(bureau.recorder, "on_employer_registered", timeout=15):
        bureau.publish_licence(event, wait_for=None)  # the event is redelivered (kit.events.durable_handler)
    [registered] = bureau.events("employer_registered")
    assert died[0][-6:] == "000001" and registered["employer_number"][-6:] == "000002"
    assert mongo_db["employers"].count_documents({"employer_number": {"$exists": True}}) == 1
