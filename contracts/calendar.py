"""China's working days: weekends, statutory holidays and make-up working days (调休上班), for every year.

Where each year's schedule comes from, most authoritative first:
1. an operator's override file (the State Council General Office's notice for that year, typed in once:
   `onestop calendar load FILE`), `<year>.json` in the override directory;
2. the maintained `chinesecalendar` library, which ships the published notices (2004 to its last year);
3. otherwise the statutory rules themselves, and the year is *provisional*: 《全国年节及纪念日放假办法》
   (国务院令第795号, as revised 2024-11-10, in force 2025-01-01) art. 2: 元旦 1 day (1 January), 春节 4
   days (农历除夕 to 正月初三), 清明节 1 day (the solar term), 劳动节 2 days (1-2 May), 端午节 1 day
   (农历五月初五), 中秋节 1 day (农历八月十五), 国庆节 3 days (1-3 October); art. 6: a holiday for everyone
   that falls on a Saturday or Sunday is given back on the following working day (适逢星期六、星期日，
   应当在工作日补假). Lunar dates come from `lunardate`, 清明 from `chinesecalendar`'s solar terms: none
   is typed in here. What the rules cannot tell is the make-up working weekends (调休) a notice adds, so a
   deadline that crosses a provisional year may move once the notice is loaded: it says so
   (`Deadline.provisional`) and is recomputed then.

A date outside what the lunar library covers (1900-2099) raises `CalendarNotCovered`: a programming
error, never a missing notice.

Override file (JSON):  {"year": 2027, "source": "国办发明电〔2026〕N号",
                        "holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import chinese_calendar
from lunardate import LunarDate

from contracts.datafile import InvalidDataFile, line_of

DEFAULT_OVERRIDE_DIR = Path("var/holidays")
OVERRIDE_DIR_ENV = "ONESTOP_HOLIDAY_DIR"  # read by gateway/ops and the processes' start-up, never here
RECHECK_SECONDS = 30.0  # how often a provisional year looks for a newly loaded notice

OFFICIAL, OVERRIDE, PROVISIONAL = "official", "override", "provisional"


class CalendarNotCovered(LookupError):
    """A date outside 1900-2099, which no rule here can place: a programming error."""


class InvalidCalendarFile(InvalidDataFile):
    """A holiday file that is malformed or contradicts the statutory rules; `line` points at the cause."""


# ---- the statutory rules (provisional years) --------------------------------------------------


@cache
def festival_days(year: int) -> frozenset[date]:
    """The days the 2024 rules name for `year` (art. 2), before weekend ones are given back."""
    if not 1901 <= year <= 2099:
        raise CalendarNotCovered(f"{year} is outside the years the lunar calendar library covers")
    new_year = LunarDate(year, 1, 1).to_solar_date()
    next_eve = LunarDate(year + 1, 1, 1).to_solar_date() - timedelta(days=1)  # may be this 31 December
    days = {
        date(year, 1, 1),  # 元旦
        *(new_year + timedelta(days=i) for i in range(-1, 3)),  # 春节: 除夕 to 正月初三
        next_eve,
        qingming(year),  # 清明节
        date(year, 5, 1), date(year, 5, 2),  # 劳动节
        LunarDate(year, 5, 5).to_solar_date(),  # 端午节
        LunarDate(year, 8, 15).to_solar_date(),  # 中秋节
        date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),  # 国庆节
    }
    return frozenset(d for d in days if d.year == year)


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    """Every day off the rules give in `year`: the festival days, and a working day given back for each
    one that falls on a Saturday or Sunday (art. 6), in date order."""
    named = festival_days(year)
    off = set(named)
    for day in sorted(named):
        if day.weekday() >= 5:
            back = day + timedelta(days=1)
            while back.weekday() >= 5 or back in off:
                back += timedelta(days=1)
            off.add(back)
    return frozenset(off)


def qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    return next(day for day, name in terms if name == "清明")


@cache
def _official_years() -> frozenset[int]:
    return frozenset(d.year for d in chinese_calendar.holidays)


# ---- override files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearOverride:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""

    @classmethod
    def from_dict(cls, raw: dict, text: str = "") -> YearOverride:
        """Validate a year's arrangement; `text` (the file as written) lets errors name their line."""
        if not isinstance(raw, dict):
            raise InvalidCalendarFile("the file must be one JSON object", 1)
        try:
            year = int(raw["year"])
        except (KeyError, TypeError, ValueError):
            raise InvalidCalendarFile('"year" is missing or not a year', line_of(text, '"year"')) from None
        holidays = frozenset(_dates(raw, "holidays", text))
        workdays = frozenset(_dates(raw, "workdays", text))
        for d in sorted(holidays | workdays):
            if d.year != year:
                raise InvalidCalendarFile(f"{d} is not in {year}", line_of(text, d.isoformat()))
        for d in sorted(holidays & workdays):
            raise InvalidCalendarFile(f"{d} is both a holiday and a make-up working day (both lists)",
                                      line_of(text, d.isoformat()))
        for d in sorted(workdays):
            if d.weekday() < 5:
                raise InvalidCalendarFile(f"make-up working day {d} is not a weekend day",
                                          line_of(text, d.isoformat()))
        if 1901 <= year <= 2099:
            for d in sorted(statutory_holidays(year)):
                if d in workdays or (d.weekday() < 5 and d not in holidays and d in festival_days(year)):
                    raise InvalidCalendarFile(
                        f"{d} is a statutory holiday (全国年节及纪念日放假办法 art. 2) but the file "
                        f"{'makes it a working day' if d in workdays else 'does not list it as a holiday'}",
                        line_of(text, d.isoformat()) or line_of(text, '"holidays"'))
        return cls(year, holidays, workdays, str(raw.get("source", "")))

    @classmethod
    def load(cls, path: str | Path) -> YearOverride:
        text = Path(path).read_text("utf-8")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidCalendarFile(f"not JSON: {exc.msg}", exc.lineno) from None
        return cls.from_dict(raw, text)


def _dates(raw: dict, key: str, text: str) -> Iterable[date]:
    values = raw.get(key, [])
    if not isinstance(values, list):
        raise InvalidCalendarFile(f'"{key}" must be a list of dates', line_of(text, f'"{key}"'))
    for value in values:
        try:
            yield date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InvalidCalendarFile(f'"{key}": {value!r} is not a date (YYYY-MM-DD)',
                                      line_of(text, str(value))) from None


# ---- deadlines --------------------------------------------------------------------------------


DEADLINE_KEYS = ("deadline", "deadline_from", "deadline_days", "deadline_provisional")


@dataclass(frozen=True)
class Deadline:
    """`working_days` working days after `start`; `provisional` when a year it spans has no notice yet.

    Keep `start` and `working_days` with the date: they are what a recomputation needs."""

    due: date
    start: date
    working_days: int
    provisional: bool

    def fields(self) -> dict:
        """What a stored task or an event carries (ISO dates: the wire is JSON)."""
        return {"deadline": self.due.isoformat(), "deadline_from": self.start.isoformat(),
                "deadline_days": self.working_days, "deadline_provisional": self.provisional}


# ---- the calendar -----------------------------------------------------------------------------


@dataclass
class WorkingCalendar:
    overrides: dict[int, YearOverride] = field(default_factory=dict)
    override_dir: Path | None = None  # looked at again for provisional years: an operator may load one
    official_years: frozenset[int] | None = None  # None: what chinesecalendar ships (tests narrow it)
    recheck_seconds: float = RECHECK_SECONDS
    _checked: dict[int, float] = field(default_factory=dict, repr=False)

    def add_override(self, override: YearOverride) -> None:
        self.overrides[override.year] = override

    def source(self, year: int) -> str:
        """OVERRIDE, OFFICIAL or PROVISIONAL: where this year's schedule comes from."""
        if year in self.overrides:
            return OVERRIDE
        if year in (self.official_years if self.official_years is not None else _official_years()):
            return OFFICIAL
        if self._found_new_override(year):
            return OVERRIDE
        return PROVISIONAL

    def is_provisional(self, year: int) -> bool:
        return self.source(year) == PROVISIONAL

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        source = self.source(day.year)
        if source == OVERRIDE:
            override = self.overrides[day.year]
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
            return day.weekday() < 5
        if source == OFFICIAL:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def _found_new_override(self, year: int) -> bool:
        """Re-read the override directory for `year` at most every RECHECK_SECONDS."""
        if self.override_dir is None:
            return False
        last = self._checked.get(year)
        if last is not None and _time.monotonic() - last < self.recheck_seconds:
            return False
        self._checked[year] = _time.monotonic()
        path = self.override_dir / f"{year}.json"
        if not path.is_file():
            return False
        try:
            self.add_override(YearOverride.load(path))
        except (OSError, ValueError):
            return False  # `onestop calendar load` validates before installing; a hand-edited bad file waits
        return True

    def forget_checks(self) -> None:
        """Look for new override files on the next question (after `onestop calendar load`)."""
        self._checked.clear()

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

    def deadline(self, start: date, n: int) -> Deadline:
        due = self.add_working_days(start, n)
        provisional = any(self.is_provisional(y) for y in range(start.year, due.year + 1))
        return Deadline(due, start, n, provisional)

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

    def status(self, years: Iterable[int]) -> list[dict]:
        return [{"year": y, "source": self.source(y)} for y in years]


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def load_override_dir(calendar: WorkingCalendar, directory: str | Path) -> list[tuple[Path, str]]:
    """Load every valid `<year>.json` in the directory; returns the (file, reason) of those refused."""
    refused = []
    path = Path(directory)
    if path.is_dir():
        for file in sorted(path.glob("*.json")):
            try:
                calendar.add_override(YearOverride.load(file))
            except (OSError, ValueError) as exc:
                refused.append((file, str(exc)))
    return refused


_default: WorkingCalendar | None = None


def configure(override_dir: str | Path | None, recheck_seconds: float = RECHECK_SECONDS) -> WorkingCalendar:
    """Set the process-wide calendar (the processes call it at start-up with their configured dir)."""
    global _default
    _default = WorkingCalendar(override_dir=Path(override_dir) if override_dir else None,
                               recheck_seconds=recheck_seconds)
    if override_dir:
        load_override_dir(_default, override_dir)
    return _default


def default_calendar() -> WorkingCalendar:
    """The process-wide calendar (var/holidays until a process configures another directory)."""
    if _default is None:
        configure(DEFAULT_OVERRIDE_DIR)
    return _default


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return default_calendar().add_working_days(start, n)


def deadline(start: date, n: int) -> Deadline:
    return default_calendar().deadline(start, n)


def recomputed(stored: dict) -> tuple[date, bool]:
    """(due, provisional) of a stored deadline (Deadline.fields) on the calendar as it is now: a notice
    loaded since moves it. One stored without its start (before 2026-12) keeps its date."""
    if not stored.get("deadline_from") or stored.get("deadline_days") is None:
        return date.fromisoformat(str(stored["deadline"])), bool(stored.get("deadline_provisional"))
    timing = deadline(date.fromisoformat(str(stored["deadline_from"])), int(stored["deadline_days"]))
    return timing.due, timing.provisional


def working_days_between(start: date, end: date) -> int:
    return default_calendar().working_days_between(start, end)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    return default_calendar().working_time_between(start, end)


def aware(moment: datetime) -> datetime:
    """A datetime without a zone is UTC (as MongoDB stores and a driver without tz_aware returns it)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
