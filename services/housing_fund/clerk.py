"""The housing-fund centre's part of kit.clerk's queue (kit.units.UnitClerkQueue): the one task
(deposit_registration) lives inside its unit; approving takes the unit account and the figures first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.clock import china_date
from kit.units import UnitClerkQueue
from services.housing_fund import domain, views
from services.housing_fund.figures import FiguresBook
from services.housing_fund.store import HousingFundStore
from services.housing_fund.workflow import figures_for, figures_or_none


class ClerkQueue(UnitClerkQueue):
    domain, views = domain, views

    def __init__(self, store: HousingFundStore, book: FiguresBook, publish: Callable[[str, list[dict]], None]):
        super().__init__(store, publish)
        self.book = book

    def decision(self, unit: domain.Unit, clerk: str, action: str, payload: dict[str, Any], at: datetime) -> Callable:
        figures = account = None
        if action == "approve" and unit.task is not None and unit.task.state == "open":
            if figures_or_none(self.book, unit.district_code, unit.established_on) is not None:
                figures = figures_for(self.book, unit.district_code)
                account = self.store.allocate_unit_account(unit.district_code, china_date(at).year)
        revocation = self.store.revocations.get(unit.uscc)
        return lambda u: domain.act(u, clerk, action, payload, figures, account, revocation, at)
