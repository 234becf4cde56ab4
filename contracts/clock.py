"""The one clock of every OneStop process, and the one China time zone.

Everything that asks "what time is it" or "which day is it in China" asks here, so a test (or an
operator rehearsing a year change) can pin or shift time for a whole process: `use(clock)` swaps the
clock, `pinned_at(moment)` gives a clock that starts at `moment` and then runs at real speed (timers,
timeouts and deadlines keep working), `fixed_at(moment)` one that never moves.

This module reads no environment: a process that should run on a shifted clock installs it at start-up
(kit.startup.configure_from_env reads ONESTOP_CLOCK_START).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")  # Beijing time, UTC+8, no daylight saving since 1991

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = system_clock


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _clock()


def china_now() -> datetime:
    return now().astimezone(CHINA)


def china_today() -> date:
    """Today's date in China: the date a person in Wuhan would write on a form."""
    return china_now().date()


def china_date(moment: datetime) -> date:
    """The day in China of an instant (a zone-less datetime is taken as UTC, as MongoDB stores it)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()


def in_china(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA)


def pinned_at(start: datetime, anchor: float | None = None) -> Clock:
    """A clock that reads `start` at the real Unix instant `anchor` (default: now) and runs at real
    speed from there."""
    start = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(UTC)  # now() is always UTC
    anchor = time.time() if anchor is None else anchor
    return lambda: start + timedelta(seconds=time.time() - anchor)


def fixed_at(moment: datetime) -> Clock:
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return lambda: moment


def use(clock: Clock) -> None:
    """Make `clock` the clock of this process (system_clock to go back to real time)."""
    global _clock
    _clock = clock


@contextmanager
def using(clock: Clock) -> Iterator[None]:
    previous = _clock
    use(clock)
    try:
        yield
    finally:
        use(previous)
