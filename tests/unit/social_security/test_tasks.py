from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.calendar import Deadline
from contracts.rpc import Conflict, Invalid
from services.social_security import domain, views

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan


def doc(**over):
    base = domain.new_task(task_id="t1", kind="employee_enrolment", application_id="app", uscc="U", title="公司",
                           reason="身份证号码校验未通过", created_at=NOW,
                           timing=Deadline(date(2026, 11, 26), date(2026, 11, 25), 1, False), details={})
    return base.model_copy(update=over)


def test_a_new_task_is_open_with_approve_and_reject():
    task = views.task_view(doc(), NOW)
    assert task.state == "open" and task.actions == ["approve", "reject"] and not task.overdue
    assert task.bureau == "social_security"


def test_overdue_only_after_the_deadline_and_only_while_open():
    assert not views.task_view(doc(), NOW + timedelta(days=1)).overdue
    assert views.task_view(doc(), NOW + timedelta(days=2)).overdue
    assert not views.task_view(doc(state="done"), NOW + timedelta(days=2)).overdue


def test_a_lapsed_claim_shows_as_open_again_and_anyone_may_take_it():
    lapsed = doc(claimed_by="王", claim_expires_at=NOW)  # expiring exactly now: lapsed
    task = views.task_view(lapsed, NOW)
    assert task.state == "open" and task.claimed_by is None
    assert domain.claim(lapsed, "李", NOW).claimed_by == "李"


def test_a_lapsed_claim_cannot_be_released_even_by_its_former_holder():
    with pytest.raises(Conflict, match="只能放回自己正在办理的事项"):
        domain.release(doc(claimed_by="王", claim_expires_at=NOW), "王", NOW)
    held = doc(claimed_by="王", claim_expires_at=NOW + timedelta(seconds=1))
    assert domain.release(held, "王", NOW).claimed_by is None


def test_a_live_claim_by_another_clerk_is_a_conflict():
    held = doc(claimed_by="王", claim_expires_at=NOW + timedelta(minutes=5))
    for move in (lambda t: domain.claim(t, "李", NOW), lambda t: domain.take(t, "李", NOW),
                 lambda t: domain.close(t, "李", "approve", {}, [], NOW), lambda t: domain.release(t, "李", NOW)):
        with pytest.raises(Conflict):
            move(held.model_copy(deep=True))
    with pytest.raises(Conflict, match="已办结"):
        domain.claim(doc(state="done"), "李", NOW)


def test_closing_records_the_decision_and_a_rejection_tells_the_founder():
    done, events = domain.close(doc(), "李", "approve", {}, [], NOW)
    assert (done.state, done.finished_at, events) == ("done", NOW, [])
    rejected, [event] = domain.close(doc(), "李", "reject", {"reasons": ["证件不符"]}, ["证件不符"], NOW)
    assert rejected.state == "rejected" and rejected.history[-1]["payload"] == {"reasons": ["证件不符"]}
    assert (event.type, event.step, event.reasons) == ("step_rejected", "employee_enrolment", ["证件不符"])


def test_reject_needs_reasons_and_unknown_actions_are_invalid():
    assert domain.check_action("reject", {"reasons": [" 身份证件不符 "]}) == ["身份证件不符"]
    assert domain.check_action("approve", {}) == []
    for action, payload in [("reject", {}), ("reject", {"reasons": []}), ("reject", {"reasons": [" "]}),
                            ("mark_engraved", {"engraver": "测试用印章刻制单位"})]:
        with pytest.raises(Invalid) as caught:
            domain.check_action(action, payload)
        assert caught.value.field_errors


def read(stored: dict) -> domain.ClerkTask:
    """What kit.repository does with a stored document: upgrade, drop its _id, validate."""
    return domain.ClerkTask.model_validate({k: v for k, v in domain.upgrade_task(stored).items() if k != "_id"})


def test_a_task_stored_before_clerk_tasks_is_read_as_one():
    stored = doc().model_dump(exclude={"id", "finished_at"})
    old = {**stored, "_id": "t1", "state": "claimed", "claimed_by": "李", "decided_at": None}
    task = read(old)
    assert task.id == "t1" and task.state == "open" and task.claimed_by == "李"
    closed = {**stored, "_id": "t1", "state": "rejected", "decided_at": NOW}
    assert read(closed).finished_at == NOW
    saved_since = {**stored, "_id": "t1", "id": "t1", "state": "done", "finished_at": NOW,
                   "decided_at": NOW - timedelta(days=1)}  # a save writes finished_at, leaves decided_at
    assert read(saved_since).finished_at == NOW
