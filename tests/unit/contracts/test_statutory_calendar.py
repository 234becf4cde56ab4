"""Years without a notice: working days from 《全国年节及纪念日放假办法》 (2024 revision, in force
2025-01-01), art. 2 (元旦 1, 春节 4 from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3 days) and art. 6
(a holiday for everyone on a Saturday or Sunday is given back on the following working day)."""

from datetime import date

import chinese_calendar
import pytest

from contracts.calendar import CalendarNotCovered, WorkingCalendar, festival_days, statutory_holidays

cal = WorkingCalendar()


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_rules_give_a_subset_of_each_published_notice(year):
    # a notice adds bridge days (调休) but never takes a statutory day away
    published = {d for d in chinese_calendar.holidays if d.year == year}
    assert statutory_holidays(year) <= published
    assert len(festival_days(year)) == 13  # art. 2: 1 + 4 + 1 + 2 + 1 + 1 + 3 days


def test_spring_festival_2027_runs_from_the_eve_and_gives_back_its_weekend_days():
    # 除夕 Friday 5 Feb 2027, 初一 Saturday 6, 初二 Sunday 7, 初三 Monday 8 (lunar dates from lunardate)
    assert {date(2027, 2, d) for d in (5, 6, 7, 8)} <= festival_days(2027)
    # art. 6: the Saturday and Sunday ones come back on Tuesday 9 and Wednesday 10
    assert {date(2027, 2, 9), date(2027, 2, 10)} <= statutory_holidays(2027)
    assert cal.is_working_day(date(2027, 2, 11))


def test_national_day_2027_gives_back_saturday_and_sunday():
    assert not any(cal.is_working_day(date(2027, 10, d)) for d in (1, 4, 5))
    assert cal.is_working_day(date(2027, 10, 6))


def test_qingming_and_the_lunar_festivals_come_from_the_libraries():
    assert date(2027, 4, 5) in festival_days(2027)  # 清明, the solar term
    assert date(2027, 6, 9) in festival_days(2027)  # 端午, 五月初五
    assert date(2027, 9, 15) in festival_days(2027)  # 中秋, 八月十五
    assert date(2030, 2, 2) in festival_days(2030)  # 除夕 2030 (初一 is 3 February)


def test_a_deadline_across_the_year_end_is_provisional():
    late = cal.deadline(date(2026, 12, 29), 3)
    assert late.due == date(2027, 1, 4) and late.provisional  # 30, 31 Dec; 1 Jan is 元旦; Monday 4 Jan
    early = cal.deadline(date(2026, 12, 1), 3)
    assert early.due == date(2026, 12, 4) and not early.provisional


def test_a_date_outside_the_lunar_library_is_a_programming_error():
    with pytest.raises(CalendarNotCovered):
        cal.is_working_day(date(2100, 3, 1))
