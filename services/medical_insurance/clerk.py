"""The medical insurance bureau's part of kit.clerk's queue (kit.units.UnitClerkQueue): the one task
(medical_registration) lives inside its unit; approving takes the unit number and the figures first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from contracts.clock import china_date
from kit.units import UnitClerkQueue
from services.medical_insurance import domain, views
from services.medical_insurance.figures import FiguresBook
from services.medical_insurance.store import MedicalInsuranceStore
from services.medical_insurance.workflow import figures_for

# what kit.units.UnitClerkQueue calls: the rules' claim and release (domain/), the task's view (views.py)
QUEUE_PARTS = SimpleNamespace(claim=domain.claim, release=domain.release, task_view=views.task_view)


class ClerkQueue(UnitClerkQueue):
    domain = QUEUE_PARTS

    def __init__(self, store: MedicalInsuranceStore, book: FiguresBook, publish: Callable[[str, list[dict]], None]):
        super().__init__(store, publish)
        self.book = book

    def decision(self, unit: domain.Unit, clerk: str, action: str, payload: dict[str, Any], at: datetime) -> Callable:
        figures = number = None
        if action == "approve" and unit.task is not None and unit.task.state == "open":
            if self.book.figures_or_none(unit.district_code, unit.established_on) is not None:
                figures = figures_for(self.book, unit.district_code)
                number = self.store.allocate_unit_number(unit.district_code, china_date(at).year)
        revocation = self.store.revocations.get(unit.uscc)
        return lambda u: domain.act(u, clerk, action, payload, figures, number, revocation, at)
