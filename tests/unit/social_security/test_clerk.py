"""The clerk queue's actions (clerk.py) on the in-memory store: what approving and rejecting change
and announce, for an employer and for a form employee."""

from datetime import timedelta

import pytest

from contracts.codes import make_uscc
from contracts.rpc import Conflict, Invalid
from kit.clerk import OPEN_STATES
from services.social_security import domain, workflow
from services.social_security.clerk import ClerkQueue
from services.social_security.store import InMemorySocialSecurityStore

from .factories import NOW, USCC, Sent, licence
from .helpers import broken_resident_id, resident_id

ELSEWHERE = make_uscc("110105", "00000001")  # outside the served districts: the employer goes to a clerk
EMPLOYER_TASK = domain.task_id("app-1", domain.TASK_EMPLOYER)
EMPLOYEE_TASK = domain.task_id("app-1", domain.TASK_EMPLOYEE, 0)


@pytest.fixture
def store():
    return InMemorySocialSecurityStore()


def queue(store, sent=None) -> ClerkQueue:
    return ClerkQueue(store, sent if sent is not None else Sent())


def test_approving_an_employer_registers_it_with_the_class_the_clerk_set_and_announces_it(store):
    workflow.receive_licence(store, Sent(), licence(district="110105", scope=("Z9999",)), NOW)
    assert store.employer(ELSEWHERE).work_injury is None  # no known industry either
    sent = Sent()
    with pytest.raises(Invalid):
        queue(store, sent).act(EMPLOYER_TASK, "王", "approve", {"work_injury_class": 9}, NOW)
    done = queue(store, sent).act(EMPLOYER_TASK, "王", "approve", {"work_injury_class": 2}, NOW)
    employer = store.employer(ELSEWHERE)
    assert done.state == "done" and employer.state == "registered" and employer.work_injury["class"] == 2
    assert sent.kinds() == ["employer_registered", "employees_enrolled"]  # the empty batch: nothing left here


def test_rejecting_an_employer_closes_it_and_tells_the_founder_why(store):
    workflow.receive_licence(store, Sent(), licence(district="110105"), NOW)
    sent = Sent()
    with pytest.raises(Invalid):
        queue(store, sent).act(EMPLOYER_TASK, "王", "reject", {}, NOW)  # no reasons given
    rejected = queue(store, sent).act(EMPLOYER_TASK, "王", "reject", {"reasons": ["经办机构不在本市"]}, NOW)
    assert rejected.state == "rejected" and store.employer(ELSEWHERE).state == "rejected"
    assert sent.kinds() == ["step_rejected"] and sent[0][1]["reasons"] == ["经办机构不在本市"]
    with pytest.raises(Conflict):
        queue(store).act(EMPLOYER_TASK, "王", "approve", {}, NOW)  # closed stays closed


def test_approving_a_form_employee_with_a_corrected_id_enrols_them_once(store):
    workflow.receive_licence(store, Sent(), licence(ids=[broken_resident_id(seq="001")]), NOW)
    assert store.staff_of(USCC) == [] and store.employer(USCC).employees_processed
    sent = Sent()
    with pytest.raises(Invalid):
        queue(store, sent).act(EMPLOYEE_TASK, "王", "approve", {"company_name": "别的"}, NOW)
    queue(store, sent).act(EMPLOYEE_TASK, "王", "approve", {"resident_id": resident_id(seq="001")}, NOW)
    [enrolment] = store.staff_of(USCC)
    assert enrolment.resident_id == resident_id(seq="001") and enrolment.source == "clerk"
    assert sent.kinds() == ["employees_enrolled"] and store.enrolment_repo.pending(enrolment.employee_id) == []


def test_a_task_held_by_one_clerk_is_refused_to_another_until_the_claim_lapses(store):
    workflow.receive_licence(store, Sent(), licence(district="110105"), NOW)
    clerks = queue(store)
    assert clerks.claim(EMPLOYER_TASK, "王", NOW).claimed_by == "王"
    with pytest.raises(Conflict):
        clerks.act(EMPLOYER_TASK, "李", "reject", {"reasons": ["不符"]}, NOW)
    assert store.employer(ELSEWHERE).state == "pending_review"  # refused at the take: no effect
    later = NOW + timedelta(hours=1)
    assert [t.claimed_by for t in clerks.list(OPEN_STATES, later)] == [None]  # lapsed: shown free
    assert clerks.release(EMPLOYER_TASK, "王", NOW).claimed_by is None
