"""Tax's clerk queue (services/tax/clerk.py) follows kit.clerk's rules exactly as seal's does: one scenario
of claims, lapses, releases and decisions is run on both bureaus' queues (in memory), and every answer,
refusal wording included, must be the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contracts import clock
from contracts.rpc import CLAIM_MINUTES, Conflict, Invalid
from services.seal import clerk as seal_clerk
from services.seal import workflow as seal_workflow
from services.seal.store import SealStore
from services.tax import clerk, domain, workflow
from services.tax.store import TaxStore
from tests.unit.seal import factories as seal_factories
from tests.unit.tax.factories import licence_issued, licence_revoked

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan
LAPSE = CLAIM_MINUTES  # a claim made at minute 0 expires exactly at this minute
REASONS = {"reasons": ["材料不全"]}

# (minute, clerk, operation, action, payload): operation is claim / release / act / list
SCENARIO = [
    (0, "王", "claim", None, None),
    (1, "李", "claim", None, None),  # held by 王
    (1, "李", "act", "nope", {}),  # held by 王 comes before what the action is
    (1, "李", "release", None, None),  # only the holder gives it back
    (LAPSE, "王", "release", None, None),  # expiry == now: lapsed, nobody's to release
    (LAPSE, "李", "list", None, None),  # shown open
    (LAPSE, "李", "claim", None, None),  # and free to take
    (LAPSE + 1, "王", "act", "reject", REASONS),  # held by 李
    (LAPSE + 1, "李", "release", None, None),
    (LAPSE + 1, "李", "act", "reject", {}),  # a refusal names its reasons
    (LAPSE + 2, "王", "act", "reject", REASONS),  # acting on an open task takes it
    (LAPSE + 3, "李", "claim", None, None),  # closed from now on
    (LAPSE + 3, "王", "release", None, None),
    (LAPSE + 3, "王", "act", "reject", REASONS),
]


def seal_queue():
    store = SealStore.in_memory()
    with clock.using(clock.fixed_at(NOW)):
        seal_workflow.open_seal_set(store, seal_factories.licence_issued(physical=True, issued_at=NOW))
    return seal_clerk.ClerkQueue(store, lambda app_id, entries: None)


def tax_queue(store: TaxStore | None = None):
    store = store or TaxStore.in_memory()
    event = licence_issued(monthly_invoice_estimate=Decimal("1200000"))  # over the automatic cap: a clerk decides
    workflow.register(store, event.model_dump(mode="json"), NOW, lambda routing_key, payload: None)
    return clerk.ClerkQueue(store, lambda uscc, entries: None)


def play(queue) -> list[tuple]:
    [task] = queue.list(("open", "claimed"), NOW)
    answers = []
    for minute, who, operation, action, payload in SCENARIO:
        at = NOW + timedelta(minutes=minute)
        try:
            if operation == "list":
                shown = [t for t in queue.list(("open", "claimed"), at) if t.id == task.id]
            elif operation == "act":
                shown = [queue.act(task.id, who, action, payload, at)]
            else:
                shown = [getattr(queue, operation)(task.id, who, at)]
            answers.append(("ok", [(t.state, t.claimed_by, t.claim_expires_at) for t in shown]))
        except Conflict as refused:
            answers.append(("conflict", str(refused)))
        except Invalid as invalid:
            answers.append(("invalid", str(invalid), [(e.field, e.message) for e in invalid.field_errors]))
    history = [(h["clerk"], h["action"]) for h in queue.get(task.id, NOW + timedelta(minutes=LAPSE + 3)).history]
    return answers + [("history", history)]


def test_claim_expiry_release_and_refusals_are_the_same_as_seals():
    tax, seal = play(tax_queue()), play(seal_queue())
    assert tax == seal
    # and they are kit.clerk's: what the scenario expects, step by step
    expiry = NOW + timedelta(minutes=CLAIM_MINUTES)
    assert [a[0] for a in tax] == ["ok", "conflict", "conflict", "conflict", "conflict", "ok", "ok", "conflict",
                                   "ok", "invalid", "ok", "conflict", "conflict", "conflict", "history"]
    assert tax[0] == ("ok", [("claimed", "王", expiry)])
    assert tax[1] == tax[2] == ("conflict", "该任务正由王办理")
    assert tax[3] == tax[4] == ("conflict", "只能放回自己正在办理的事项")
    assert tax[5] == ("ok", [("open", None, None)])
    assert tax[10] == ("ok", [("rejected", "王", None)])
    assert tax[11] == ("conflict", "该任务已办结（rejected），不能再办理")
    assert tax[-1] == ("history", [("王", "claim"), ("李", "claim"), ("李", "release"), ("王", "reject")])


def test_approving_needs_a_live_licence_but_rejecting_closes_the_task():
    store = TaxStore.in_memory()
    queue = tax_queue(store)
    [task] = queue.list(("open",), NOW)
    workflow.record_revocation(store, licence_revoked(licence_issued()).model_dump(mode="json"), NOW)
    with pytest.raises(Conflict, match="不能再核准发票申领"):
        queue.act(task.id, "王", "approve", {}, NOW)
    assert queue.get(task.id, NOW).history == []  # the refusal wrote nothing
    assert queue.act(task.id, "王", "reject", REASONS, NOW).state == "rejected"


def test_an_approval_may_set_the_quota_and_announces_it_with_the_registration():
    store = TaxStore.in_memory()
    sent = []
    queue = clerk.ClerkQueue(store, lambda uscc, entries: sent.extend(e["type"] for e in entries))
    event = licence_issued(monthly_invoice_estimate=Decimal("1200000"))
    workflow.register(store, event.model_dump(mode="json"), NOW, lambda routing_key, payload: None)
    [task] = queue.list(("open",), NOW)
    with pytest.raises(Invalid):
        queue.act(task.id, "王", "approve", {"monthly_quota": "0.001"}, NOW)
    assert queue.act(task.id, "王", "approve", {"monthly_quota": "1500000"}, NOW).state == "done"
    assert sent == ["invoices_approved"]
    view = workflow.registration(store, event.licence.uscc, NOW)
    assert (view["approval"], view["monthly_quota"]) == ("approved", "1500000.00")


def test_a_claim_is_stored_as_seals_is_an_open_task_with_a_holder_and_an_expiry():
    store = TaxStore.in_memory()
    queue = tax_queue(store)
    [task] = queue.list(("open",), NOW)
    queue.claim(task.id, "王", NOW)
    stored = store.registration_by_task(task.id)["task"]
    assert (stored["state"], stored["claimed_by"], stored["claim_expires_at"]) == (
        "open", "王", NOW + timedelta(minutes=CLAIM_MINUTES))
    assert [t.state for t in queue.list(("claimed",), NOW)] == ["claimed"] and queue.list(("open",), NOW) == []
    lapsed = NOW + timedelta(minutes=CLAIM_MINUTES)
    assert [t.state for t in queue.list(("open",), lapsed)] == ["open"] and queue.list(("claimed",), lapsed) == []
    queue.act(task.id, "王", "reject", REASONS, NOW + timedelta(minutes=1))
    stored = store.registration_by_task(task.id)["task"]
    assert (stored["state"], stored["finished_at"]) == ("rejected", NOW + timedelta(minutes=1))
    assert [t.state for t in queue.list(("done", "rejected", "correction_requested"), NOW)] == ["rejected"]


def old_shape(store: TaxStore, task_id: str, clerk: str, at: datetime) -> None:
    """A claim as tax stored it before its tasks took seal's shape: state "claimed"."""
    store.registrations.update_one({"task.id": task_id}, {"$set": {
        "task.state": "claimed", "task.claimed_by": clerk,
        "task.claim_expires_at": at + timedelta(minutes=CLAIM_MINUTES)}})


def test_a_task_stored_in_the_old_claimed_shape_answers_as_the_new_shape_does():
    answers = old_and_new_shape(TaxStore.in_memory(), TaxStore.in_memory())
    assert answers[0] == answers[1]
    assert answers[0][:6] == ["claimed", [answers.task_id], [answers.task_id], "该任务正由王办理",
                              "只能放回自己正在办理的事项", "open"]
    assert answers[0][6:] == ["该任务正由李办理", 1, "rejected", 0]


class Answers(list):
    task_id: str


def old_and_new_shape(new: TaxStore, old: TaxStore) -> Answers:
    """The same claims and decisions on a task kept in the new shape (in `new`) and on one whose claims
    are rewritten in the old shape (in `old`): what every step answered, for each store."""
    answers = Answers()
    for store in (new, old):
        queue = tax_queue(store)
        [task] = queue.list(("open",), NOW)
        queue.claim(task.id, "王", NOW)
        if store is old:
            old_shape(store, task.id, "王", NOW)
        lapsed = NOW + timedelta(minutes=LAPSE)
        seen = [queue.get(task.id, NOW).state, [t.id for t in queue.list(("claimed",), NOW)],
                [t.id for t in queue.list(("open",), lapsed)]]
        for who, operation, at in (("李", "claim", NOW), ("李", "release", NOW), ("王", "release", NOW)):
            try:
                seen.append(getattr(queue, operation)(task.id, who, at).state)
            except Conflict as refused:
                seen.append(str(refused))
        queue.claim(task.id, "李", NOW + timedelta(minutes=1))
        if store is old:
            old_shape(store, task.id, "李", NOW + timedelta(minutes=1))
        seen.append(str(pytest.raises(Conflict, queue.act, task.id, "王", "reject", REASONS, NOW).value))
        seen.append(len(clerk_blockers(store, task)))  # still open: the closing waits for it
        seen.append(queue.act(task.id, "李", "reject", REASONS, NOW + timedelta(minutes=2)).state)
        seen.append(len(clerk_blockers(store, task)))
        answers.append(seen)
        answers.task_id = task.id
    return answers


def clerk_blockers(store: TaxStore, task) -> list:
    return domain.clearance_blockers(store.registration_by_task(task.id), [])
