"""Social security's clerk queue on the real database, driven directly (no broker): kit.clerk's rules
for a claim's expiry hold in release as they do in claim and act."""

from datetime import datetime, timedelta

import pytest

from contracts import clock
from contracts.rpc import CLAIM_MINUTES, Conflict
from kit.clerk import OPEN_STATES
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


def stored_before_ids(mongo_db, task_id: str, **fields) -> None:
    """Rewrite a stored task in the shape social security wrote before ClerkTask (ed388b0): no id, version
    or finished_at, created_at a datetime, and `fields` (state 'claimed', decided_at...)."""
    stored = mongo_db["tasks"].find_one({"_id": task_id})
    old = {k: v for k, v in stored.items() if k not in ("id", "version", "finished_at")}
    mongo_db["tasks"].replace_one({"_id": task_id}, {**old, "created_at": datetime.fromisoformat(stored["created_at"]),
                                                     **fields})


@pytest.fixture
def legacy_employer_task(mongo_db):
    store = SocialSecurityStore(mongo_db)
    store.ensure_indexes()
    event = licence_issued([], org="00000032", district="110105")  # outside the served districts: a clerk's
    receive_licence(store, lambda *a: None, event, clock.now())
    task_id = domain.task_id(event.application_id, domain.TASK_EMPLOYER)
    return store, task_id, event.licence.uscc


def test_a_task_stored_before_ids_and_versions_is_listed_claimed_and_approved(legacy_employer_task, mongo_db):
    store, task_id, uscc = legacy_employer_task
    now = clock.now()
    stored_before_ids(mongo_db, task_id, state="claimed", claimed_by="李", claim_expires_at=now + timedelta(minutes=5))
    clerks = ClerkQueue(store, lambda *a: None)
    [listed] = clerks.list(OPEN_STATES, now)  # the old 'claimed' is among the open ones
    assert listed.id == task_id and listed.claimed_by == "李"
    with pytest.raises(Conflict):
        clerks.claim(task_id, "王", now)  # the old claim still holds until it expires
    later = now + timedelta(minutes=5)
    assert clerks.claim(task_id, "王", later).claimed_by == "王"
    done = clerks.act(task_id, "王", "approve", {}, later)
    assert done.state == "done" and [h["action"] for h in done.history] == ["claim", "approve"]
    assert store.employer(uscc).state == "registered"
    stored = mongo_db["tasks"].find_one({"_id": task_id})
    assert stored["id"] == task_id and stored["version"] == 3 and stored["state"] == "done"  # claim, take, close


def test_a_task_decided_before_ids_and_versions_reads_with_its_decision(legacy_employer_task, mongo_db):
    store, task_id, _ = legacy_employer_task
    decided = clock.now().replace(microsecond=0)
    stored_before_ids(mongo_db, task_id, state="rejected", decided_at=decided)
    clerks = ClerkQueue(store, lambda *a: None)
    task = store.task(task_id)
    assert task.state == "rejected" and task.finished_at == decided
    assert [t.id for t in clerks.list(("done", "rejected"), clock.now())] == [task_id]
    with pytest.raises(Conflict):
        clerks.act(task_id, "王", "approve", {}, clock.now())  # closed stays closed
