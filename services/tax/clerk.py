"""The tax clerk's queue (invoice approval), tax's part of kit.clerk: claim, release, approve with an
adjusted quota, or reject.

The task lives inside the registration document, so a decision, the registration's new state and the
event announcing it are written by ONE conditional update (the outbox rule), and two clerks acting at
once cannot both win: the filter only matches a task that is open and not held by someone else.
Approving is refused once the company's licence is revoked (it would let a revoked company invoice);
claiming and rejecting stay allowed, so the clerk can close the task.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.rpc import Task
from kit import clerk as queue
from kit.outbox import outbox_entry
from services.tax import domain, views
from services.tax.store import TaxStore


class ClerkQueue:
    def __init__(self, store: TaxStore, publish: Callable[[str, list[dict]], None]):
        self.store, self.publish = store, publish

    def list(self, states: tuple[str, ...] | None, now: datetime) -> list[Task]:
        """The tasks showing one of `states` now (a stored open task shows as claimed while claimed)."""
        shown = [views.task_view(reg, now) for reg in self.store.tasks(states)]
        return [t for t in shown if states is None or t.state in states]

    def get(self, task_id: str, now: datetime) -> Task:
        return views.task_view(self.store.registration_by_task(task_id), now)

    def claim(self, task_id: str, clerk: str, now: datetime) -> Task:
        return views.task_view(self._apply(task_id, clerk, now, self.store.claim_task), now)

    def release(self, task_id: str, clerk: str, now: datetime) -> Task:
        """Only the clerk holding the claim now may give it back (kit.clerk.release_stored): a lapsed
        claim is nobody's to release."""
        released = self.store.release_task(task_id, clerk, now, queue.history_entry(clerk, "release", {}, now))
        if released is None:
            task = self.get(task_id, now)
            raise queue.closed(task.state) if task.state not in queue.OPEN_STATES else queue.not_yours()
        return views.task_view(released, now)

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task:
        """Apply a clerk's decision and publish the event it causes; the checks in kit.clerk's order
        (closed or held by another, then the action, then the licence), as seal's."""
        reg = self.store.registration_by_task(task_id)
        task = views.task_view(reg, now)
        if task.state not in queue.OPEN_STATES or task.claimed_by not in (None, clerk):
            raise queue.refusal(task.state, task.claimed_by, clerk)
        queue.check_action(action, domain.TASK_ACTIONS)
        if action == "approve":
            _refuse_if_revoked(self.store, reg["uscc"])
        fields, event = domain.decision(reg, clerk, action, payload, now)
        entries = [outbox_entry(event)]
        history = queue.history_entry(clerk, action, payload, now)
        updated = self._apply(task_id, clerk, now,
                              lambda *args: self.store.decide_task(*args, fields, history, entries))
        self.publish(updated["_id"], entries)
        return views.task_view(updated, now)

    def _apply(self, task_id: str, clerk: str, now: datetime, write: Callable[..., dict | None]) -> dict:
        updated = write(task_id, clerk, now)
        if updated is not None:
            return updated
        task = self.get(task_id, now)
        raise queue.refusal(task.state, task.claimed_by, clerk)


def _refuse_if_revoked(store: TaxStore, uscc: str) -> None:
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        raise revocation.refusal("不能再核准发票申领，请驳回该任务")
