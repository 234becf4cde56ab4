from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.calendar import Deadline
from contracts.rpc import Conflict, Invalid
from services.social_security import domain, store, views

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan


def doc(**over):
    base = domain.new_task(task_id="t1", kind="employee_enrolment", application_id="app", uscc="U", title="公司",
                           reason="身份证号码校验未通过", created_at=NOW, timing=Deadline(date(2026, 11, 26), date(2026, 11, 25), 1, False),
                          details={})
    return base | over


def test_a_new_task_is_open_with_approve_and_reject():
    task = views.task_view(doc(), NOW)
    assert task.state == "open" and task.actions == ["approve", "reject"] and not task.overdue
    assert task.bureau == "social_security"


def test_overdue_only_after_the_deadline_and_only_while_open():
    assert not views.task_view(doc(), NOW + timedelta(days=1)).overdue
    assert views.task_view(doc(), NOW + timedelta(days=2)).overdue
    assert not views.task_view(doc(state="done"), NOW + timedelta(days=2)).overdue


def test_a_lapsed_claim_shows_as_open_again_and_anyone_may_take_it():
    lapsed = doc(state="claimed", claimed_by="王", claim_expires_at=NOW)  # expiring exactly now: lapsed
    task = views.task_view(lapsed, NOW)
    assert task.state == "open" and task.claimed_by is None
    assert store.claim_filter("t1", "李", NOW)["$or"][2] == {"claim_expires_at": {"$lte": NOW}}
    assert "正由" not in str(domain.why_not_claimable(lapsed, "李", NOW))


def test_a_live_claim_by_another_clerk_is_a_conflict():
    held = doc(state="claimed", claimed_by="王", claim_expires_at=NOW + timedelta(minutes=5))
    error = domain.why_not_claimable(held, "李", NOW)
    assert isinstance(error, Conflict) and "王" in str(error)
    assert isinstance(domain.why_not_claimable(doc(state="done"), "李", NOW), Conflict)


def test_reject_needs_reasons_and_unknown_actions_are_invalid():
    assert domain.check_action("reject", {"reasons": [" 身份证件不符 "]}) == ["身份证件不符"]
    assert domain.check_action("approve", {}) == []
    for action, payload in [("reject", {}), ("reject", {"reasons": []}), ("reject", {"reasons": [" "]}),
                            ("mark_engraved", {"engraver": "测试用印章刻制单位"})]:
        with pytest.raises(Invalid) as caught:
            domain.check_action(action, payload)
        assert caught.value.field_errors
