"""The housing-fund centre's part of kit.clerk's queue: the one task (deposit_registration) lives inside
its unit, and every decision is a compare-and-set of the unit with its events (`publish` sends them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.clock import china_date
from contracts.rpc import NotFound, Task
from services.housing_fund import domain
from services.housing_fund.figures import FiguresBook
from services.housing_fund.store import HousingFundStore
from services.housing_fund.workflow import figures_for, figures_or_none


class ClerkQueue:
    """The centre's part of kit.clerk's queue: the one task lives inside its unit, and every decision is
    a compare-and-set of the unit with its events (`publish` sends them at once)."""

    def __init__(self, store: HousingFundStore, book: FiguresBook, publish: Callable[[str, list[dict]], None]):
        self.store, self.book, self.publish = store, book, publish

    def list(self, states: tuple[str, ...] | None, at: datetime) -> list[Task]:
        views = [domain.task_view(u, at) for u in self.store.with_tasks(states)]
        return [v for v in views if states is None or v.state in states]

    def get(self, task_id: str, at: datetime) -> Task:
        return domain.task_view(self.store.by_task(task_id), at)

    def claim(self, task_id: str, clerk: str, at: datetime) -> Task:
        return self._change(task_id, at, lambda u: (domain.claim(u, clerk, at), []))

    def release(self, task_id: str, clerk: str, at: datetime) -> Task:
        return self._change(task_id, at, lambda u: (domain.release(u, clerk, at), []))

    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], at: datetime) -> Task:
        unit = self.store.by_task(task_id)
        figures = account = None
        if action == "approve" and unit.task is not None and unit.task.state == "open":
            if figures_or_none(self.book, unit.district_code, unit.established_on) is not None:
                figures = figures_for(self.book, unit.district_code)
                account = self.store.allocate_unit_account(unit.district_code, china_date(at).year)
        revocation = self.store.revocations.get(unit.uscc)
        return self._change(task_id, at, lambda u: domain.act(u, clerk, action, payload, figures, account,
                                                               revocation, at))

    def _change(self, task_id: str, at: datetime, decide) -> Task:
        unit, entries = self.store.change({"task.id": task_id}, decide, lambda: NotFound(f"没有这项住房公积金任务：{task_id}"))
        self.publish(unit.application_id, entries)
        return domain.task_view(unit, at)


