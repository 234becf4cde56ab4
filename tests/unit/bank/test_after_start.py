"""The bank after start-up: a change updates the account's record and says when the reserved seals
must change; a closing is blocked by an opened account until the counter closes it (in-memory store)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import clock
from contracts.events import ClearanceRequested, CompanyChanged
from services.bank import clerk, workflow
from services.bank.domain import after_start
from services.bank.store import BankStore
from tests.unit.bank.factories import licence_issued

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def store():
    return BankStore.in_memory()


def opened(store, queue=None):
    event = licence_issued(issued_at=NOW)
    with clock.using(clock.fixed_at(NOW)):
        entries = workflow.reserve(store, event, NOW)
        if queue is not None:
            queue.act(entries[1]["payload"]["task_id"], "柜员甲", "approve", {}, NOW)
    return event


def changed(issued, sections, **licence) -> CompanyChanged:
    return CompanyChanged(application_id=issued.application_id, uscc=issued.licence.uscc, change_id="chg-00001",
                          version=2, changed=sections, licence=issued.licence.model_copy(update=licence),
                          previous_district_code="420111", answerers=["bank"])


def test_a_change_updates_the_record_and_a_new_name_or_representative_means_new_reserved_seals(store):
    queue = clerk.ClerkQueue(store, lambda *_: None)
    issued = opened(store, queue)
    account = store.by_uscc(issued.licence.uscc)
    summary, detail, fields = after_start.change_answer(account, changed(issued, ["name"], company_name="武汉新名商贸有限公司"))
    assert detail["reserved_seals_to_change"] is True and "预留印鉴须更换" in summary and account.branch_name in summary
    assert fields["company_name"] == "武汉新名商贸有限公司" and fields["licence_version"] == 2
    summary, detail, _ = after_start.change_answer(account, changed(issued, ["domicile"]))
    assert detail["reserved_seals_to_change"] is False and "账号不变" in summary


def test_a_reservation_never_opened_blocks_nothing(store):
    issued = opened(store)
    assert after_start.clearance_blockers(store.by_uscc(issued.licence.uscc)) == []


def test_an_opened_account_blocks_the_closing_until_the_counter_closes_it(store):
    sent = []
    queue = clerk.ClerkQueue(store, lambda app_id, entries: sent.extend(e["type"] for e in entries))
    issued = opened(store, queue)
    uscc = issued.licence.uscc
    [blocker] = after_start.clearance_blockers(store.by_uscc(uscc))
    assert "尚未销户" in blocker.item and "销户" in blocker.todo
    request = ClearanceRequested(application_id=issued.application_id, uscc=uscc, closure_id="close-0001",
                                 attempt=1, notice_ends_on=date(2026, 10, 30), answerers=["bank"])
    entries = workflow.queue_closing(store, request, NOW)
    assert [e["type"] for e in entries] == ["task_queued"]
    assert workflow.queue_closing(store, request, NOW) == []  # redelivered: one closing task
    task = store.by_uscc(uscc).task
    assert task.kind == "account_closing" and task.state == "open"
    view = queue.act(task.id, "柜员甲", "approve", {}, NOW)
    assert view.state == "done" and sent[-1] == "step_progressed"
    account = store.by_uscc(uscc)
    assert account.state == "closed" and account.closed_at == NOW
    assert after_start.clearance_blockers(account) == []
    assert [t.kind for t in account.past_tasks] == ["account_opening"]


def test_a_moved_appointment_rides_on_the_later_closing_and_lapse_steps(store):
    from contracts.events import CompanyDeregistered

    queue = clerk.ClerkQueue(store, lambda *_: None)
    issued = opened(store)
    uscc = issued.licence.uscc
    workflow.move_appointment(store, uscc, "2026-10-12", "13:30-14:30", NOW)
    moved = {"appointment_date": "2026-10-12", "appointment_slot": "13:30-14:30", "appointment_moved": True}
    # lapsed before opening: the step says the appointment in force
    gone = CompanyDeregistered(application_id=issued.application_id, uscc=uscc, closure_id="c1",
                               deregistered_on=date(2026, 10, 9))
    [lapsed] = workflow.lapse_on_deregistration(store, gone, NOW)
    assert lapsed["payload"]["detail"] == {"account_number": store.by_uscc(uscc).account_number,
                                           "reason": after_start.LAPSED, **moved}
    # another company: moved, opened, then closed at the counter
    other = BankStore.in_memory()
    issued = opened(other)
    uscc = issued.licence.uscc
    workflow.move_appointment(other, uscc, "2026-10-12", "13:30-14:30", NOW)
    queue = clerk.ClerkQueue(other, lambda *_: None)
    queue.act(other.by_uscc(uscc).task.id, "柜员甲", "approve", {}, NOW)
    request = ClearanceRequested(application_id=issued.application_id, uscc=uscc, closure_id="close-0001",
                                 attempt=1, notice_ends_on=date(2026, 10, 30), answerers=["bank"])
    workflow.queue_closing(other, request, NOW)
    sent = []
    queue = clerk.ClerkQueue(other, lambda app_id, entries: sent.extend(entries))
    queue.act(other.by_uscc(uscc).task.id, "柜员甲", "approve", {}, NOW)
    [closed] = [e for e in sent if e["type"] == "step_progressed"]
    assert closed["payload"]["detail"] == {"account_number": other.by_uscc(uscc).account_number, **moved}


def test_an_appointment_never_moved_adds_nothing_to_the_closing_step(store):
    issued = opened(store)
    assert after_start.appointment_in_force(store.by_uscc(issued.licence.uscc)) == {}
