"""Working days in China: weekends, statutory holidays and make-up working days (调休)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.calendar import WorkingCalendar, YearOverride

cal = WorkingCalendar()

# a 2027 arrangement shaped like a real notice: every statutory day, a few given-back days (test data)
OFFICIAL_LIKE_2027 = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
                      "2027-04-05", "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15", "2027-10-01",
                      "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"]
MAKE_UP_2025 = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
MAKE_UP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
HOLIDAYS_2025 = ["2025-01-01", "2025-01-28", "2025-02-04", "2025-04-04", "2025-05-05", "2025-06-02",
                 "2025-10-01", "2025-10-08"]
HOLIDAYS_2026 = ["2026-01-02", "2026-02-16", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-05",
                 "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-07"]


@pytest.mark.parametrize("day", MAKE_UP_2025 + MAKE_UP_2026)
def test_make_up_weekend_days_are_working_days(day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cal.is_working_day(d)


@pytest.mark.parametrize("day", HOLIDAYS_2025 + HOLIDAYS_2026)
def test_statutory_holidays_on_weekdays_are_not_working_days(day):
    d = date.fromisoformat(day)
    assert d.weekday() < 5
    assert not cal.is_working_day(d)


def test_ordinary_days():
    assert cal.is_working_day(date(2026, 11, 25))  # a Wednesday
    assert not cal.is_working_day(date(2026, 11, 28))  # a Saturday


def test_add_working_days_skips_the_national_day_week():
    # Wednesday 30 September 2026 + 1 working day: 1-7 October are holidays, 8 October is a Thursday.
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # ... and Saturday 10 October is a make-up working day.
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_add_zero_working_days_gives_the_next_working_day():
    assert cal.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 30)
    assert cal.add_working_days(date(2026, 11, 25), 0) == date(2026, 11, 25)


def test_spring_festival_2026():
    # Friday 13 February, then the make-up Saturday 14th, then 15-23 February off.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3


def test_working_days_between_is_half_open_and_antisymmetric():
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert cal.working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


def test_working_time_counts_only_working_days():
    friday_noon = datetime(2026, 11, 27, 12, tzinfo=UTC)
    monday_noon = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert cal.working_time_between(friday_noon, monday_noon) == timedelta(hours=24)


def test_a_year_without_a_notice_follows_the_statutory_rules_and_is_provisional():
    assert cal.source(2026) == "official" and cal.source(2027) == "provisional"
    assert not cal.is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert cal.is_working_day(date(2027, 3, 1))
    assert not cal.is_working_day(date(2027, 3, 6))  # a Saturday: no make-up days are known


def test_operator_override_covers_a_new_year():
    override = YearOverride.from_dict(
        {"year": 2027, "source": "test notice", "holidays": OFFICIAL_LIKE_2027, "workdays": ["2027-02-20"]}
    )
    covered = WorkingCalendar()
    covered.add_override(override)
    assert covered.source(2027) == "override"
    assert not covered.is_working_day(date(2027, 1, 1))
    assert covered.is_working_day(date(2027, 2, 20))  # a Saturday made a working day
    assert covered.is_working_day(date(2027, 3, 1))
    assert not covered.is_working_day(date(2027, 3, 6))


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"year": 2027, "holidays": ["2026-12-31"]}, "not in 2027"),
        ({"year": 2027, "holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}, "both"),
        ({"year": 2027, "workdays": ["2027-02-08"]}, "not a weekend"),
        ({"year": 2027, "holidays": ["2027-01-01"]}, "statutory holiday"),  # no 春节 at all: contradicts the law
        ({"year": 2027, "holidays": "2027-01-01"}, "must be a list"),
        ({"year": 2027, "holidays": ["2027-02-30"]}, "not a date"),
    ],
)
def test_bad_override_files_are_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        YearOverride.from_dict(raw)


def test_an_override_file_added_while_running_is_picked_up(tmp_path):
    running = WorkingCalendar(override_dir=tmp_path)
    assert running.is_provisional(2027)
    assert running.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 22)  # Friday -> Monday
    notice = {"year": 2027, "source": "test", "holidays": OFFICIAL_LIKE_2027, "workdays": ["2027-02-20"]}
    (tmp_path / "2027.json").write_text(json.dumps(notice))
    running.forget_checks()  # what `onestop calendar load` makes every process do within RECHECK_SECONDS
    assert not running.is_provisional(2027)
    assert running.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)  # the make-up Saturday
