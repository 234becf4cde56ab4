"""The medical insurance bureau's own database: one document per unit (its registration, its staff's
records, its clerk task and its outbox together: one single-document write per change),
kit.units.UnitStore. Unit numbers are unique among registered units; a personal record number is the
unit number + the unit's own sequence, moved by the same compare-and-set write that adds the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from contracts.rpc import NotFound
from kit.units import UnitStore, unit_key
from services.medical_insurance.domain import Unit, unit_number


class MedicalInsuranceStore(UnitStore[Unit]):
    model = Unit
    number_field = "unit_number"
    busy = "该单位的医保业务正被同时办理，请刷新后重试"
    no_task = "没有这项医保任务：{}"

    def allocate_unit_number(self, district_code: str, year: int) -> str:
        return unit_number(district_code, year, self.next_number(unit_key(district_code, year)))

    def ensure_indexes(self) -> None:
        super().ensure_indexes()
        self.units.create_index("bases_due", sparse=True)

    def bases_due(self, today: date) -> Iterator[Unit]:
        """Units with a base to determine again by `today` (a provisional one: due since date.min)."""
        return self.repo.find({"state": "registered", "bases_due": {"$lte": today.isoformat()}})

    def bases_never_looked_at(self) -> Iterator[Unit]:
        """Units stored before `bases_due` was kept (2026-12-02): no field at all (None is stored as null).
        A scan the sparse index cannot serve, so refigure_bases asks it once per China day per process."""
        return self.repo.find({"state": "registered", "bases_due": {"$exists": False}})

    def change_unit(self, application_id: str, decide: Callable[[Unit], tuple[Unit, list]], uscc: str
                    ) -> tuple[Unit, list[dict]]:
        """Compare-and-set of one unit (kit.repository), missing = 404 naming the company."""
        return self.change({"_id": application_id}, decide,
                           lambda: NotFound(f"未找到统一社会信用代码为{uscc}的单位医保登记"))
