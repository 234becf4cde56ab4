"""The housing-fund centre's own database: one document per unit (its registration, its staff's
accounts, its clerk task and its outbox together, so every change and the events it causes are ONE
single-document write): kit.units.UnitStore.

Collections: `units` (_id = application_id), `counters` (unit-account sequence per district and year),
`revocations` (_id = USCC). Unique indexes: `uscc` (one unit per company) and `unit_account` among
registered units (a number is never given to two units); personal account numbers are the unit
account + the unit's own sequence, moved by the same compare-and-set write that opens the account.
"""

from __future__ import annotations

from kit.units import UnitStore, unit_key
from services.housing_fund.domain import Unit, unit_account

BUSY = "该单位的住房公积金业务正被同时办理，请刷新后重试"


class HousingFundStore(UnitStore[Unit]):
    model = Unit
    number_field = "unit_account"
    busy = BUSY
    no_task = "没有这项住房公积金任务：{}"

    def allocate_unit_account(self, district_code: str, year: int) -> str:
        return unit_account(district_code, year, self.next_number(unit_key(district_code, year)))
