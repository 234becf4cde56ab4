"""The simplified-deregistration rules (contracts.closing): the 20 calendar-day notice, the commitment,
objections; and each bureau's blockers for a closing."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.closing import notice_ends_on, notice_over, parse_closing, parse_objection
from contracts.rpc import Invalid
from services.housing_fund.domain import clearance_blockers as housing_fund_blockers
from services.social_security.domain import clearance_blockers as social_security_blockers
from services.tax.domain import clearance_blockers as tax_blockers


@pytest.mark.parametrize(("published", "ends"), [
    ("2026-12-01", "2026-12-21"),  # Tuesday + 20 days = Monday 21st
    ("2026-12-05", "2026-12-25"),  # a Friday: nothing to move
    ("2026-12-06", "2026-12-28"),  # + 20 = Saturday 26th -> Monday 28th (民法典 art. 203)
    ("2026-09-11", "2026-10-08"),  # + 20 = 1 October (国庆) -> the first working day after the holiday
])
def test_the_notice_runs_20_calendar_days_from_the_day_after_publication(published, ends):
    assert notice_ends_on(date.fromisoformat(published)) == date.fromisoformat(ends)


def test_the_notice_is_over_only_after_its_last_day():
    ends = date(2026, 12, 21)
    assert not notice_over(ends, ends) and notice_over(ends, date(2026, 12, 22))


def test_no_closing_without_the_investors_commitment_and_objections_need_who_and_why():
    with pytest.raises(Invalid) as refused:
        parse_closing({"commitment": False})
    assert [e.field for e in refused.value.field_errors] == ["commitment"]
    with pytest.raises(Invalid):
        parse_closing({"commitment": True, "kind": "liquidation"})  # general deregistration: not built
    assert parse_closing({"commitment": True}).kind == "simplified"
    with pytest.raises(Invalid) as empty:
        parse_objection({"objector": "", "reason": "欠款"})
    assert [e.field for e in empty.value.field_errors] == ["objector"]
    assert parse_objection({"objector": "武汉某供应商有限公司", "reason": "尚欠货款"}).reason == "尚欠货款"


def test_each_bureau_lists_what_blocks_a_closing_and_what_to_do():
    staff = social_security_blockers([{"name": "员工甲", "resident_id": "420111199003070017"}])
    assert [b.item for b in staff] == ["职工员工甲仍在本单位参保"] and "减员" in staff[0].todo
    assert "420111199003070017" not in str(staff)
    assert social_security_blockers([]) == [] and housing_fund_blockers(None) == []
    ledger = {"allocations": [{"number": "26420000000000000001"}]}
    invoices = tax_blockers({"task": {"state": "done"}}, [ledger])
    assert [b.item for b in invoices] == ["发票26420000000000000001已分配号码尚未开具完成"]
    assert [b.item for b in tax_blockers({"task": {"state": "open"}}, [])] == ["税务登记尚待税务人员审核"]
    assert tax_blockers({"task": None}, []) == []
