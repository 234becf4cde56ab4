"""The seal bureau's use cases on the in-memory store (kit.repository.InMemoryRepository): what each
one stores, publishes and answers, without a database or a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts import clock
from contracts.form import SealKind
from contracts.revocation import Revocation
from contracts.rpc import Conflict, NotFound
from services.seal import clerk, workflow
from services.seal.store import SealStore
from tests.unit.seal.factories import REP_ID, USCC, licence_issued, licence_revoked

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan


@pytest.fixture
def store():
    return SealStore.in_memory()


@pytest.fixture
def sent():
    return []


@pytest.fixture
def queue(store, sent):
    return clerk.ClerkQueue(store, lambda app_id, entries: sent.extend((app_id, e["type"]) for e in entries))


def open_physical(store, **kw):
    with clock.using(clock.fixed_at(NOW)):
        event = licence_issued(physical=True, issued_at=NOW, **kw)
        entries = workflow.open_seal_set(store, event)
    return event, entries


def test_a_licence_opens_one_set_once_and_electronic_seals_are_filed_at_once(store):
    event = licence_issued(kinds=[SealKind.company, SealKind.finance], issued_at=NOW)
    entries = workflow.open_seal_set(store, event)
    assert [e["type"] for e in entries] == ["seals_filed"]
    assert workflow.open_seal_set(store, event) == []  # the redelivery changes nothing, wastes no code
    assert store.sequences.values == {"seal_code:420111": 2}
    assert store.repo.outbox(event.application_id) == entries  # state and events stored together
    codes = [s["code"] for s in workflow.list_seals(store, USCC)]
    assert codes == ["4201110000001", "4201110000002"]
    assert workflow.lookup_seal(store, codes[0])["genuine"] is True


def test_no_seal_asked_for_is_no_set(store):
    assert workflow.open_seal_set(store, licence_issued(kinds=[])) == []
    with pytest.raises(NotFound):
        workflow.list_documents(store, "app-none")


def test_the_physical_order_walks_the_queue_claim_release_act(store, queue, sent):
    event, entries = open_physical(store)
    assert [e["type"] for e in entries] == ["step_progressed", "task_queued"]
    [task] = queue.list(("open", "claimed"), NOW)
    assert (task.kind, task.state, task.actions) == ("engraving", "open", ["mark_engraved", "reject"])
    assert REP_ID not in task.model_dump_json()

    assert queue.claim(task.id, "王", NOW).claimed_by == "王"
    with pytest.raises(Conflict, match="王"):
        queue.claim(task.id, "李", NOW + timedelta(minutes=1))
    with pytest.raises(Conflict):
        queue.release(task.id, "李", NOW)  # only the holder gives it back
    assert queue.release(task.id, "王", NOW).state == "open"
    done = queue.act(task.id, "李", "mark_engraved", {"engraver": "武汉市测试印章刻制有限公司"}, NOW)
    assert done.state == "done" and [h["action"] for h in done.history] == ["claim", "release", "mark_engraved"]
    assert sent == [(event.application_id, "step_progressed"), (event.application_id, "task_queued")]
    [filing] = queue.list(("open", "claimed"), NOW)
    assert filing.kind == "police_filing"
    queue.act(filing.id, "李", "file_with_police", {}, NOW)
    assert (event.application_id, "seals_filed") in sent
    assert {t.kind for t in queue.list(None, NOW)} == {"engraving", "police_filing", "dispatch"}


def test_a_revoked_licence_stops_making_seals_but_lets_the_clerk_close_the_task(store, queue):
    _, _ = open_physical(store)
    [task] = queue.list(("open", "claimed"), NOW)
    store.revocations.record(Revocation.of(licence_revoked(), NOW))
    assert queue.get(task.id, NOW).actions == ["reject"]
    with pytest.raises(Conflict, match="吊销"):
        queue.act(task.id, "李", "mark_engraved", {}, NOW)
    assert queue.act(task.id, "李", "reject", {"reasons": ["营业执照已吊销"]}, NOW).state == "rejected"
    assert workflow.lookup_seal(store, workflow.list_seals(store, USCC)[0]["code"])["genuine"] is False


def test_unknown_tasks_and_codes(store, queue):
    with pytest.raises(NotFound):
        queue.get("seal-nope", NOW)
    with pytest.raises(NotFound):
        queue.act("seal-nope", "李", "reject", {"reasons": ["x"]}, NOW)
    assert workflow.lookup_seal(store, "4201119999999") == {"genuine": False, "seal": None}
