"""services/seal/views.py: what the seal RPCs return (a clerk's task, a public lookup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.seal import domain, views
from tests.unit.seal.factories import COMPANY, REP_ID
from tests.unit.seal.test_domain import NOW, make, open_task


def test_task_view_shows_claim_deadline_and_overdue():
    seal_set, _ = make(physical=True)
    task = open_task(seal_set)
    view = views.task_view(seal_set, task, NOW)
    assert (view.state, view.actions, view.overdue, view.title) == ("open", ["mark_engraved", "reject"], False, COMPANY)
    domain.claim(seal_set, task.id, "王", NOW)
    assert views.task_view(seal_set, task, NOW).state == "claimed"
    assert views.task_view(seal_set, task, NOW + timedelta(hours=2)).state == "open"  # claim lapsed
    late = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday: the Thursday deadline has passed
    assert views.task_view(seal_set, task, late).overdue
    assert REP_ID not in view.model_dump_json()


def test_lookup_says_genuine_only_for_filed_seals_and_never_shows_an_id():
    seal_set, _ = make(physical=True)
    electronic, physical = seal_set.seals
    result = views.lookup_result(seal_set, electronic.code)
    assert result["genuine"] is True
    assert result["seal"]["company_name"] == COMPANY and result["seal"]["kind_label"] == "公章"
    assert views.lookup_result(seal_set, physical.code)["genuine"] is False  # not yet filed
    assert views.lookup_result(None, "4201119999999") == {"genuine": False, "seal": None}
    assert REP_ID not in str(result)
