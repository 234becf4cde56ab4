"""Registration's clerk queue on the real database: its task is a kit.clerk.StoredTask inside the case
(a claim is claimed_by + claim_expires_at on an open task, never a stored "claimed"), cases stored before
that still list, claim, release and decide, and the queue follows kit.clerk's rules where it had drifted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contracts import clock
from contracts.events import ApplicationSubmitted
from contracts.rpc import CLAIM_MINUTES, Conflict
from services.registration.clerk import ClerkQueue
from tests.factories import make_form

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(counted):
    registrar, trips, published, db = counted
    return ClerkQueue(registrar), db, trips, published


def queued(desk_, app_id: str) -> tuple[str, datetime]:
    """A clerk's case (a licensed scope item): its task's id, and the time it was queued."""
    queue, db, _, _ = desk_
    queue.registrar.on_submitted(ApplicationSubmitted(application_id=app_id, founder_id="f",
                                                      form=make_form(business_scope=["L0003"])))
    return db["cases"].find_one({"_id": app_id})["task"]["id"], clock.now()


def case_state(db, app_id: str) -> str:
    return db["cases"].find_one({"_id": app_id})["state"]


def stored_task(db, app_id: str) -> dict:
    return db["cases"].find_one({"_id": app_id})["task"]


def claimed_before(db, app_id: str, clerk: str, until) -> None:
    """The case's task as registration stored a claim before this change: the state "claimed", and no
    finished_at / assigned_to / assigned_until keys."""
    db["cases"].update_one({"_id": app_id}, {
        "$set": {"task.state": "claimed", "task.claimed_by": clerk, "task.claim_expires_at": until},
        "$unset": {"task.finished_at": "", "task.assigned_to": "", "task.assigned_until": ""}})


def test_a_claim_is_stored_on_an_open_task_and_a_decision_closes_it(desk):
    queue, db, _, published = desk
    task_id, now = queued(desk, "app-new")
    view = queue.claim(task_id, "clerk-a", now)
    assert (view.state, view.claimed_by) == ("claimed", "clerk-a")
    stored = stored_task(db, "app-new")
    assert (stored["state"], stored["claimed_by"]) == ("open", "clerk-a")  # was "claimed" before
    done = queue.act(task_id, "clerk-a", "reject", {"reasons": ["材料不全"]}, now)
    stored = stored_task(db, "app-new")
    assert (done.state, stored["state"], stored["claimed_by"]) == ("rejected", "rejected", "clerk-a")
    assert stored["finished_at"] is not None and [h["action"] for h in stored["history"]] == ["claim", "reject"]
    assert case_state(db, "app-new") == "rejected"
    assert published.count("application_rejected") == 1


def test_a_case_stored_with_a_claimed_task_still_lists_claims_releases_and_decides(desk):
    queue, db, _, published = desk
    task_id, now = queued(desk, "app-old")
    live = now + timedelta(minutes=CLAIM_MINUTES)
    claimed_before(db, "app-old", "clerk-a", live)
    [listed] = [t for t in queue.list(("open", "claimed"), now) if t.id == task_id]
    assert (listed.state, listed.claimed_by) == ("claimed", "clerk-a")
    assert task_id not in [t.id for t in queue.list(("done", "rejected", "correction_requested"), now)]
    with pytest.raises(Conflict, match="该任务正由clerk-a办理"):
        queue.claim(task_id, "clerk-b", now)
    with pytest.raises(Conflict, match="只能放回自己正在办理的事项"):
        queue.release(task_id, "clerk-b", now)
    assert queue.release(task_id, "clerk-a", now).state == "open"
    assert stored_task(db, "app-old")["state"] == "open"

    claimed_before(db, "app-old", "clerk-a", live)
    assert queue.claim(task_id, "clerk-a", now).claimed_by == "clerk-a"  # renewing the old claim
    assert stored_task(db, "app-old")["state"] == "open"

    claimed_before(db, "app-old", "clerk-a", live)
    done = queue.act(task_id, "clerk-a", "approve", {}, now)
    assert done.state == "done" and stored_task(db, "app-old")["state"] == "done"
    assert case_state(db, "app-old") == "approved"
    assert published.count("licence_issued") == 1


def test_a_lapsed_claimed_task_stored_before_is_anyones(desk):
    queue, db, _, _ = desk
    task_id, now = queued(desk, "app-lapsed")
    claimed_before(db, "app-lapsed", "clerk-a", now)
    assert queue.get(task_id, now).state == "open"
    assert queue.claim(task_id, "clerk-b", now).claimed_by == "clerk-b"


def test_only_the_holder_of_a_live_claim_may_release_it(desk):
    """kit.clerk.release_stored: a claim whose expiry is now or past is nobody's, its former holder's
    neither. Registration's release used to match on claimed_by alone and gave back a lapsed claim."""
    queue, db, _, _ = desk
    task_id, now = queued(desk, "app-rel")
    queue.claim(task_id, "clerk-a", now)
    lapsed = now + timedelta(minutes=CLAIM_MINUTES)  # the claim expires exactly then: lapsed
    with pytest.raises(Conflict, match="只能放回自己正在办理的事项"):
        queue.release(task_id, "clerk-a", lapsed)
    assert stored_task(db, "app-rel")["claimed_by"] == "clerk-a"  # nothing written
    assert queue.release(task_id, "clerk-a", lapsed - timedelta(seconds=1)).state == "open"


def test_acting_on_a_task_held_by_another_is_refused_before_the_action_is_checked(desk):
    """kit.clerk's order (bank, seal, housing fund: `actionable` first): whoever holds it, not what was
    sent. Registration checked the action first, answering Invalid to a clerk who may not act at all."""
    queue, _, _, _ = desk
    task_id, now = queued(desk, "app-held")
    queue.claim(task_id, "clerk-a", now)
    with pytest.raises(Conflict, match="该任务正由clerk-a办理"):
        queue.act(task_id, "clerk-b", "publish", {}, now)


def test_a_decision_reads_the_case_once_and_writes_it_once(desk):
    """The decision, the case's state and its event are one conditional write; the task is read from
    the case once (it was read twice: the view, then the case)."""
    queue, _, trips, published = desk
    task_id, now = queued(desk, "app-count")
    trips.seen.clear()
    queue.act(task_id, "clerk-a", "request_correction", {"reasons": ["住所不清"], "fields": ["domicile.detail"]}, now)
    assert trips.by_collection() == {("cases", "find"): 1, ("cases", "findAndModify"): 1, ("cases", "update"): 1}
    assert published.count("correction_requested") == 1
