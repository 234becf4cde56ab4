"""The periods tax expects a declaration for (services/tax/domain/declarations.py): pure, no database.
The use cases that file and list them are in test_workflow.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.tax.domain.declarations import expected, label, next_period


def _reg(kind: str, at: datetime) -> dict:
    return {"_id": "91420111MA0000001X", "taxpayer_type": kind, "registered_at": at}


def test_a_general_taxpayer_declares_every_month_that_has_ended_across_the_year_end():
    reg = _reg("general", datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    assert expected(reg, date(2027, 2, 3)) == ["2026-11", "2026-12", "2027-01"]
    assert expected(reg, date(2026, 11, 30)) == []  # the month still running is declared with the 清税申报


def test_a_small_scale_taxpayer_declares_by_quarter_in_beijing_time():
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Wuhan: registered in 2027-Q1
    assert expected(_reg("small_scale", datetime(2026, 12, 31, 17, 0, tzinfo=UTC)), date(2027, 7, 1)) == [
        "2027-Q1", "2027-Q2"]
    assert expected(_reg("small_scale", datetime(2026, 12, 31, 15, 0, tzinfo=UTC)), date(2027, 1, 1)) == ["2026-Q4"]
    assert label("2026-Q4") == "2026年第4季度" and label("2027-01") == "2027年1月"


def test_periods_roll_over_at_the_year_end():
    assert next_period("2026-Q4") == "2027-Q1" and next_period("2026-12") == "2027-01"
    assert next_period("2026-Q1") == "2026-Q2" and next_period("2026-09") == "2026-10"
