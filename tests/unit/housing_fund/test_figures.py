"""The deposit-base figures by period: the ceiling is 3x the average wage, past the last period the last
one continues (provisional), before the first there is nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from services.housing_fund.figures import FiguresBook, InvalidFiguresFile, NotConfigured, parse_figures


def text(**over) -> str:
    raw = {"region_code": "420100", "valid_from": "2026-09-01", "valid_until": "2027-08-31", "source": "test",
           "average_monthly_wage": "8000.00", "floor": "2210.00"} | over
    return json.dumps(raw, indent=2)


def test_the_shipped_wuhan_figures_cover_the_current_period_for_every_district():
    book = FiguresBook()
    figures = book.figures("420111", date(2026, 12, 1))
    assert figures.period == "2026-09-01~2027-08-31" and not figures.provisional
    assert figures.ceiling == figures.average_monthly_wage * 3 and figures.floor < figures.ceiling
    assert book.figures("420102", date(2026, 3, 1)).period == "2025-09-01~2026-08-31"


def test_past_the_last_period_the_figures_continue_provisionally_and_before_the_first_none(tmp_path):
    (tmp_path / "420100_2026-09.json").write_text(text(), "utf-8")
    book = FiguresBook(tmp_path)
    assert book.figures("420111", date(2027, 9, 1)).provisional is True
    with pytest.raises(NotConfigured, match="住房公积金缴存基数尚未配置"):
        book.figures("420111", date(2026, 8, 31))
    with pytest.raises(NotConfigured):
        book.figures("420501", date(2026, 12, 1))  # 宜昌: no file of its own nor of its city


@pytest.mark.parametrize("over,line_key", [({"floor": "30000"}, "floor"), ({"valid_until": "2026-01-01"}, "valid_until"),
                                           ({"source": ""}, "source"), ({"average_monthly_wage": "x"}, "average_monthly_wage")])
def test_a_broken_file_is_refused_naming_its_line(over, line_key):
    body = text(**over)
    with pytest.raises(InvalidFiguresFile) as refused:
        parse_figures(body)
    assert refused.value.line == next(i for i, row in enumerate(body.splitlines(), 1) if f'"{line_key}"' in row)


def test_the_ceiling_is_derived_not_typed():
    """建金管〔2005〕5号 (recalled, not retrieved): 缴存住房公积金的月工资基数，原则上不应超过职工工作所在设区城市
    统计部门公布的上一年度职工月平均工资的2倍或3倍 - Wuhan's 3x, not the social-insurance ceiling."""
    assert parse_figures(text(average_monthly_wage="7833.00")).ceiling == Decimal("23499.00")
