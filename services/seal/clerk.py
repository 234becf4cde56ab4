"""The seal bureau's part of kit.clerk's queue (moved from workflow.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.rpc import Task
from services.seal import domain, views
from services.seal.store import SealStore


class ClerkQueue:
    """The seal bureau's part of kit.clerk's queue: tasks live inside their seal set, and every
    decision is a compare-and-set of the set with its events (`publish` sends them at once)."""

    def __init__(self, store: SealStore, publish: Callable[[str, list[dict]], None]):
        self.store, self.publish = store, publish

    def list(self, states: tuple[str, ...] | None, now: datetime) -> list[Task]:
        seal_sets = list(self.store.with_tasks(set(states) if states is not None else None))
        revoked = self.store.revocations.of([s.uscc for s in seal_sets])
        shown = [views.task_view(seal_set, task, now, revoked.get(seal_set.uscc))
                 for seal_set in seal_sets for task in seal_set.tasks]
        return [v for v in shown if states is None or v.state in states]

    def get(self, task_id: str, now: datetime) -> Task:
        seal_set, _ = self.store.by_task(task_id)
        return views.task_view(seal_set, seal_set.task(task_id), now, self.store.revocations.get(seal_set.uscc))

    def claim(self, task_id: str, clerk: str, now: datetime) -> Task:
        return self._change(task_id, now, lambda s, r: (domain.claim(s, task_id, clerk, now, r), []))

    def release(self, task_id: str, clerk: str, now: datetime) -> Task:
        return self._change(task_id, now, lambda s, r: (domain.release(s, task_id, clerk, now), []))

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task:
        return self._change(task_id, now, lambda s, r: domain.act(s, task_id, clerk, action, payload, now, r))

    def _change(self, task_id: str, now: datetime, decide) -> Task:
        revocation = None

        def change(seal_set: domain.SealSet) -> tuple[domain.SealSet, list]:
            # Read on every attempt: a revocation that lands while we retry a lost race must still count.
            nonlocal revocation
            revocation = self.store.revocations.get(seal_set.uscc)
            return decide(seal_set, revocation)

        seal_set, entries = self.store.change_by_task(task_id, change)
        self.publish(seal_set.application_id, entries)
        return views.task_view(seal_set, seal_set.task(task_id), now, revocation)
