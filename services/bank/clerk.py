"""The bank's part of kit.clerk's queue: the counter task (account_opening) lives inside its account,
and every decision is a compare-and-set of the account with its events (`publish` sends them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.rpc import Task
from services.bank import domain, views
from services.bank.store import BankStore


class ClerkQueue:
    def __init__(self, store: BankStore, publish: Callable[[str, list[dict]], None]):
        self.store, self.publish = store, publish

    def list(self, states: tuple[str, ...] | None, at: datetime) -> list[Task]:
        tasks = [views.task_view(a, at) for a in self.store.with_tasks(states)]
        return [v for v in tasks if states is None or v.state in states]

    def get(self, task_id: str, at: datetime) -> Task:
        return views.task_view(self.store.by_task(task_id), at)

    def claim(self, task_id: str, clerk: str, at: datetime) -> Task:
        return self._change(task_id, at, lambda a: (domain.claim(a, clerk, at), []))

    def release(self, task_id: str, clerk: str, at: datetime) -> Task:
        return self._change(task_id, at, lambda a: (domain.release(a, clerk, at), []))

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], at: datetime) -> Task:
        revocation = self.store.revocations.get(self.store.by_task(task_id).uscc)
        return self._change(task_id, at, lambda a: domain.act(a, clerk, action, payload, revocation, at))

    def _change(self, task_id: str, at: datetime, decide) -> Task:
        account, entries = self.store.change_by_task(task_id, decide)
        self.publish(account.application_id, entries)
        return views.task_view(account, at)
