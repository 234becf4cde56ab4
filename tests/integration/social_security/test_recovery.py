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


def backdate(mongo_db, uscc):
    """Make the intake look abandoned (the timer only resumes work left alone for a while)."""
    mongo_db["employers"].update_one({"_id": uscc}, {"$set": {"updated_at": clock.now() - timedelta(minutes=5)}})


def employees():
    return [{"name": "孙八", "resident_id": resident_id(11), "start_date": None, "monthly_wage": "9000.00"}]


def test_a_crash_before_any_work_is_finished_by_the_timer(bureau, mongo_db, monkeypatch):
    event = licence_issued(employees(), org="00000020")
    monkeypatch.setattr(workflow, "advance", crash)
    bureau.publish_licence(event, wait_for=None)
    monkeypatch.undo()
    assert mongo_db["employers"].find_one({"_id": event.licence.uscc})["state"] == "received"
    assert bureau.events("employer_registered") == []
    backdate(mongo_db, event.licence.uscc)
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        bureau.call("relay_and_resume")
    assert len(bureau.events("employer_registered")) == 1
    assert [e["name"] for e in bureau.events("employees_enrolled")[0]["employees"]] == ["孙八"]


def test_a_crash_between_registration_and_enrolment_is_finished_once(bureau, mongo_db, monkeypatch):
    event = licence_issued(employees(), org="00000021")
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
    original = workflow.SocialSecurityStore.move_employer
    monkeypatch.setattr(workflow.SocialSecurityStore, "move_employer", crash)  # dies after allocating
    bureau.publish_licence(event, wait_for=None)
    monkeypatch.setattr(workflow.SocialSecurityStore, "move_employer", original)
    backdate(mongo_db, event.licence.uscc)
    with entrypoint_waiter(bureau.recorder, "on_employer_registered"):
        bureau.call("relay_and_resume")
    [registered] = bureau.events("employer_registered")
    # 000001 went down with the dead worker; the timer may race this call, so the winner is 2 or 3
    assert registered["employer_number"][-6:] in ("000002", "000003")
    assert mongo_db["employers"].count_documents({"employer_number": {"$exists": True}}) == 1
