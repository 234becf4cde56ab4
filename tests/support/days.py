"""Days for tests that pin a clock, picked from the real day, so they mean the same every year.

Why not fixed dates: the gateway's database expires sessions, login failures and drafts with TTL indexes,
and those go by the REAL time. A clock pinned at a date that has passed makes a token issued under it
expired for the database, which deletes it within a minute: the test fails at random with a 401 (the
year-end tests, pinned at 2026-12-29, began to from 2026-12-29 14:00 UTC). And a test about the turn of a
year whose next year's notice is out tests nothing. So each pinned day is the coming one at least a week
ahead of the real day, in a year whose next year has no holiday notice yet (provisional).

    python -m tests.support.days [--integration]   # `make test`'s PINNED_DAYS (Makefile)
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from contracts import clock
from contracts.calendar import OFFICIAL, WorkingCalendar, YearOverride, statutory_holidays

AHEAD = timedelta(days=7)
SOURCE = "测试用安排（非真实通知）"


def real_today() -> date:
    return clock.china_date(clock.system_clock())


def is_official(year: int) -> bool:
    """chinesecalendar ships the State Council's notice for `year`."""
    return WorkingCalendar().source(year) == OFFICIAL


def coming(month: int, day: int, ahead: timedelta = AHEAD) -> date:
    """The coming `day` of `month` at least `ahead` of the real day, else next year's."""
    today = real_today()
    candidate = date(today.year, month, day)
    return candidate if candidate >= today + ahead else date(today.year + 1, month, day)


def working_day_ahead(ahead: timedelta = AHEAD) -> date:
    """The first working day at least `ahead` of the real day (contracts/calendar.py)."""
    return WorkingCalendar().add_working_days(real_today() + ahead, 0)


def year_end(day: int) -> date:
    """The coming `day` December (a week or more ahead) whose next year has no notice yet."""
    end = coming(12, day)
    while is_official(end.year + 1):  # a newer chinesecalendar: the turn of a later year is the provisional one
        end = end.replace(year=end.year + 1)
    return end


def at(day: date, hour: int, minute: int = 0) -> str:
    """`day` at that Beijing time, as ONESTOP_CLOCK_START takes it."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.CHINA).isoformat()


def free_weekend_day(year: int) -> date:
    """The first Saturday or Sunday of `year` that no statutory holiday takes: where a notice would put a
    make-up working day (调休上班)."""
    day = date(year, 1, 1)
    while day.weekday() < 5 or day in statutory_holidays(year):
        day += timedelta(days=1)
    return day


def notice(year: int, workdays: tuple[date, ...] = ()) -> dict:
    """Test data shaped like a State Council notice (`onestop calendar load`): every statutory holiday on a
    weekday (contracts.calendar: the 2024 rules), and these make-up working days."""
    return {"year": year, "source": SOURCE,
            "holidays": sorted(d.isoformat() for d in statutory_holidays(year) if d.weekday() < 5),
            "workdays": [d.isoformat() for d in workdays]}


def notices_for(day: date) -> list[dict]:
    """The notices processes pinned at `day` need loaded so that only the next year is provisional: none
    when chinesecalendar ships `day`'s year, else one for it."""
    return [] if is_official(day.year) else [notice(day.year)]


def install(notices: list[dict], directory: Path) -> Path:
    """Load the notices into a holiday directory as `onestop calendar load` does (validated); returns it."""
    from kit.yearly import load_calendar_file

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for raw in notices:
            path = Path(scratch) / f"{raw['year']}.json"
            path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
            load_calendar_file(path, directory)
    return directory


def calendar_with(*notices: dict) -> WorkingCalendar:
    """What a process knows after these notices are loaded (chinesecalendar for the rest)."""
    calendar = WorkingCalendar()
    for raw in notices:
        calendar.add_override(YearOverride.from_dict(raw))
    return calendar


def pinned_days(today: date | None = None) -> list[str]:
    """`make test`'s PINNED_DAYS: New Year's Eve in the afternoon, the first working day of the year after
    (no notice yet: provisional), and a day about four years on, past every shipped figure and notice."""
    eve = year_end(31)
    first = WorkingCalendar().add_working_days(date(eve.year + 1, 1, 1), 0)
    far = WorkingCalendar().add_working_days(date((today or real_today()).year + 4, 6, 3), 0)
    return [at(eve, 15), at(first, 9, 30), at(far, 10)]


def main(argv: list[str]) -> int:
    days = pinned_days()
    print(days[1] if "--integration" in argv else " ".join(days))  # the integration run: the provisional day
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
