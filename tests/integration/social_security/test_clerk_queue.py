"""Social security's clerk queue on the real database, driven directly (no broker): kit.clerk's rules
for a claim's expiry hold in release as they do in claim and act."""

from datetime import timedelta

import pytest

from contracts import clock
from contracts.rpc import CLAIM_MINUTES, Conflict
from services.social_security import domain
from services.social_security.clerk import ClerkQueue
from services.social_security.store import SocialSecurityStore
from services.social_security.workflow import receive_licence

from .conftest import licence_issued

pytestmark = pytest.mark.integration

BAD_ID = "420111199003071230"  # fails the check digit: the employee goes to a clerk


@pytest.fixture
def queued(mongo_db):
    """A store whose one open task is a form employee's enrolment, and that task's id."""
    store = SocialSecurityStore(mongo_db)
    store.ensure_indexes()
    event = licence_issued([{"name": "孙八", "resident_id": BAD_ID, "start_date": None, "monthly_wage": "9000.00"}],
                           org="00000031")
    receive_licence(store, lambda *a: None, event, clock.now())
    return store, domain.task_id(event.application_id, domain.TASK_EMPLOYEE, 0)


def test_a_lapsed_claim_cannot_be_released_by_its_former_holder(queued):
    store, task_id = queued
    now = clock.now()
    clerks = ClerkQueue(store, lambda *a: None)
    clerks.claim(task_id, "王", now)
    later = now + timedelta(minutes=CLAIM_MINUTES)  # expiring exactly now has lapsed (kit.clerk.holder)
    with pytest.raises(Conflict):
        clerks.release(task_id, "王", later)
    assert clerks.get(task_id, later).state == "open"  # lapsed: shown open, anyone may take it
    assert clerks.claim(task_id, "李", later).claimed_by == "李"


def test_a_live_claim_is_released_by_its_holder_only(queued):
    store, task_id = queued
    now = clock.now()
    clerks = ClerkQueue(store, lambda *a: None)
    clerks.claim(task_id, "王", now)
    with pytest.raises(Conflict):
        clerks.release(task_id, "李", now)
    released = clerks.release(task_id, "王", now + timedelta(minutes=CLAIM_MINUTES - 1))
    assert released.state == "open" and released.claimed_by is None
    assert [h["action"] for h in released.history] == ["claim", "release"]
