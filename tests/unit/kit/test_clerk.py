"""kit.clerk: the rules every bureau's clerk queue shares (claim expiry, clerk, reasons, the view)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.rpc import CLAIM_MINUTES, Conflict, Invalid
from kit import clerk

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan


def view(**changes):
    row = dict(bureau="tax", id="t-1", kind="invoice_approval", application_id="app-1", title="武汉某某有限公司",
               reason="需人工核定", state="claimed", created_at=NOW, deadline={"deadline": "2026-11-25"}, claimed_by="li",
               claim_expires_at=NOW + timedelta(minutes=5), actions=["approve", "reject"], details={}, history=[],
               now=NOW)
    return clerk.task_view(**{**row, **changes})


def test_a_claim_expiring_exactly_now_has_lapsed():
    assert clerk.holder("li", NOW + timedelta(microseconds=1), NOW) == "li"
    assert clerk.holder("li", NOW, NOW) is None
    assert clerk.holder("li", NOW.replace(tzinfo=None), NOW) is None  # as MongoDB hands it back: UTC
    assert clerk.holder(None, NOW + timedelta(hours=1), NOW) is None
    # the store's write condition says the same: expiry <= now is free for anyone
    assert clerk.free_for("wang", NOW, "task.") == {"$or": [
        {"task.claimed_by": None}, {"task.claimed_by": "wang"}, {"task.claim_expires_at": {"$lte": NOW}}]}
    assert clerk.claim_until(NOW) == NOW + timedelta(minutes=CLAIM_MINUTES)


def test_the_view_shows_a_lapsed_claim_as_open_and_a_closed_task_without_actions():
    held = view()
    assert (held.state, held.claimed_by, held.actions) == ("claimed", "li", ["approve", "reject"])
    lapsed = view(claim_expires_at=NOW)
    assert (lapsed.state, lapsed.claimed_by, lapsed.claim_expires_at) == ("open", None, None)
    done = view(state="done")
    assert (done.state, done.claimed_by, done.actions, done.overdue) == ("done", "li", [], False)
    assert view(deadline={"deadline": date(2026, 11, 23)}).overdue  # Monday's deadline, seen on Tuesday
    # 2026-11-24 17:00 UTC is already Wednesday in Wuhan: Tuesday's deadline has passed there
    tuesday = {"deadline": "2026-11-24"}
    assert view(deadline=tuesday, now=datetime(2026, 11, 24, 17, 0, tzinfo=UTC)).overdue
    assert not view(deadline=tuesday).overdue
    # a deadline stored with its start is recomputed on today's calendar (contracts.calendar.recomputed)
    counted = view(deadline={"deadline": "2000-01-01", "deadline_from": "2026-11-24", "deadline_days": 1})
    assert counted.deadline == date(2026, 11, 25) and not counted.deadline_provisional


@pytest.mark.parametrize("bad", [None, "", "   ", 7, "x" * 65])
def test_a_clerk_is_a_non_empty_login_of_at_most_64_characters(bad):
    with pytest.raises(Invalid) as err:
        clerk.check_clerk(bad)
    assert err.value.field_errors[0].field == "clerk"


def test_clerk_reasons_payload_and_action_checks():
    assert clerk.check_clerk("  li ") == "li"
    assert clerk.check_reasons({"reasons": [" 材料不全 "]}) == ["材料不全"]
    for payload in ({}, {"reasons": []}, {"reasons": ["ok", " "]}, {"reasons": "材料不全"}):
        with pytest.raises(Invalid) as err:
            clerk.check_reasons(payload)
        assert err.value.field_errors[0].field == "payload.reasons"
    assert clerk.check_payload(None) == {}
    with pytest.raises(Invalid):
        clerk.check_payload(["x"])
    assert clerk.check_action("approve", ["approve"]) == "approve"
    with pytest.raises(Invalid) as err:
        clerk.check_action("approve", ["reject"])
    assert err.value.field_errors[0].field == "action"


def test_list_states_and_refusals():
    assert clerk.check_list_state("open") == ("open", "claimed")
    assert clerk.check_list_state("all") is None
    with pytest.raises(Invalid):
        clerk.check_list_state("pending")
    assert "wang" in clerk.refusal("claimed", "wang", "li").message
    assert "已办结" in clerk.refusal("done", None, "li").message
    assert isinstance(clerk.refusal("open", None, "li"), Conflict)


def stored(cls=clerk.StoredTask, **changes):
    row = dict(id="t-1", kind="review", reason="需人工审核", created_at=NOW, deadline="2026-11-25")
    return cls.model_validate({**row, **changes})


def test_a_task_stored_as_claimed_is_read_as_an_open_task_with_its_claim():
    """Before the claim stopped being a state, registration stored "claimed": its claim still holds
    until it lapses, and the holder may release it."""
    old = stored(state="claimed", claimed_by="li", claim_expires_at=NOW + timedelta(minutes=5))
    assert old.state == "open"
    with pytest.raises(Conflict, match="该任务正由li办理"):
        clerk.claim_stored(old, "wang", NOW)
    assert clerk.release_stored(old, "li", NOW).claimed_by is None
    assert stored(state="correction_requested").state == "correction_requested"  # a closed state too


def test_only_the_holder_of_a_live_claim_may_release_and_the_store_condition_says_the_same():
    task = clerk.claim_stored(stored(), "li", NOW)
    assert (task.state, task.claim_expires_at) == ("open", NOW + timedelta(minutes=CLAIM_MINUTES))
    with pytest.raises(Conflict, match="只能放回自己正在办理的事项"):
        clerk.release_stored(task, "li", task.claim_expires_at)  # lapsed exactly then
    assert clerk.held_for("li", NOW, "task.") == {"task.claimed_by": "li", "task.claim_expires_at": {"$gt": NOW}}


def test_an_assigned_task_is_the_assignees_until_the_assignment_lapses():
    task = stored(clerk.AssignedTask)
    task.assign_back("li", NOW, hours=24)
    until = NOW + timedelta(hours=24)
    assert (task.assignee(NOW), task.assignee(until)) == ("li", None)
    with pytest.raises(Conflict, match="退回提出补正的li办理，11-25 10:00后"):
        clerk.claim_stored(task, "wang", NOW)
    assert clerk.claim_stored(task, "wang", until).claimed_by == "wang"
    assert clerk.assigned_free_for("wang", NOW, "task.") == {"$or": [
        {"task.assigned_to": None}, {"task.assigned_to": "wang"}, {"task.assigned_until": {"$lte": NOW}}]}
    nobody = stored(clerk.AssignedTask)
    nobody.assign_back(None, NOW, hours=24)
    assert nobody.assigned_to is None


def test_the_view_shows_an_assignment_while_the_task_is_open_and_it_holds():
    until = NOW + timedelta(hours=1)
    assert (view(assigned_to="li", assigned_until=until).assigned_to, view(assigned_to="li", assigned_until=until)
            .assigned_until) == ("li", until)
    assert view(assigned_to="li", assigned_until=NOW).assigned_to is None
    assert view(assigned_to="li", assigned_until=until, state="done").assigned_to is None


def test_a_stored_task_document_keeps_datetimes_and_iso_deadlines():
    doc = stored(deadline_from="2026-11-24", claim_expires_at=NOW).document()
    assert (doc["deadline"], doc["deadline_from"], doc["created_at"], doc["claim_expires_at"]) == (
        "2026-11-25", "2026-11-24", NOW, NOW)
    assert clerk.StoredTask.model_validate(doc) == stored(deadline_from="2026-11-24", claim_expires_at=NOW)
