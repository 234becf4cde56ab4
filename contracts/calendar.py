"""China's working days: weekends, statutory holidays and make-up working days (调休上班).

Official schedules come from the maintained `chinesecalendar` library (State Council General Office
notices, 2004 to the last year it ships). A year it does not cover yet is supplied by an operator as an
override file (next year's notice, typed in once); a date in a year nobody covers raises
`CalendarNotCovered`, never a weekends-only guess.

Override file (JSON, named `<year>.json` in $ONESTOP_HOLIDAY_DIR, default var/holidays):
                      {"year": 2027, "source": "国办发明电〔2026〕N号",
                       "holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar

OVERRIDE_DIR_ENV = "ONESTOP_HOLIDAY_DIR"


class CalendarNotCovered(LookupError):
    """No official schedule is known for this year: load the year's override file first."""


@dataclass(frozen=True)
class YearOverride:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""

    @classmethod
    def from_dict(cls, raw: dict) -> YearOverride:
        year = int(raw["year"])
        holidays = frozenset(date.fromisoformat(d) for d in raw.get("holidays", []))
        workdays = frozenset(date.fromisoformat(d) for d in raw.get("workdays", []))
        for d in holidays | workdays:
            if d.year != year:
                raise ValueError(f"{d} is not in {year}")
        if holidays & workdays:
            raise ValueError(f"dates both holiday and workday: {sorted(holidays & workdays)}")
        for d in workdays:
            if d.weekday() < 5:
                raise ValueError(f"make-up working day {d} is not a weekend day")
        return cls(year, holidays, workdays, str(raw.get("source", "")))

    @classmethod
    def load(cls, path: str | Path) -> YearOverride:
        return cls.from_dict(json.loads(Path(path).read_text("utf-8")))


@dataclass
class WorkingCalendar:
    overrides: dict[int, YearOverride] = field(default_factory=dict)
    override_dir: Path | None = None  # re-read when a year is missing: an operator may have added it

    def add_override(self, override: YearOverride) -> None:
        self.overrides[override.year] = override

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if self.override_dir is not None and _has_override_file(self.override_dir, day.year):
                load_override_dir(self, self.override_dir)
                return self.is_working_day(day)
            raise CalendarNotCovered(
                f"no holiday schedule for {day.year}: load that year's override file "
                f"(onestop calendar load FILE)"
            ) from None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n >= 0; n = 0 gives the first working day on or after)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open range [start, end); negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for d in _days(start, end) if self.is_working_day(d))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Clock time between two instants that falls on working days (whole calendar days count)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                lo = max(start, datetime.combine(day, time.min, start.tzinfo))
                hi = min(end, datetime.combine(day + timedelta(days=1), time.min, start.tzinfo))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def load_override_dir(calendar: WorkingCalendar, directory: str | Path) -> None:
    """Load every `<year>.json` in the directory."""
    path = Path(directory)
    if path.is_dir():
        for file in sorted(path.glob("*.json")):
            calendar.add_override(YearOverride.load(file))


def _has_override_file(directory: Path, year: int) -> bool:
    return (directory / f"{year}.json").is_file()


_default: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    """The process-wide calendar, with overrides from $ONESTOP_HOLIDAY_DIR (default var/holidays)."""
    global _default
    if _default is None:
        directory = Path(os.environ.get(OVERRIDE_DIR_ENV, "var/holidays"))
        _default = WorkingCalendar(override_dir=directory)
        load_override_dir(_default, directory)
    return _default


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return default_calendar().add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    return default_calendar().working_days_between(start, end)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    return default_calendar().working_time_between(start, end)


def aware(moment: datetime) -> datetime:
    """A datetime without a zone is UTC (as MongoDB stores and a driver without tz_aware returns it)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
