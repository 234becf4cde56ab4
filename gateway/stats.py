"""Open performance data: how the one-stop service actually performs, computed from the time stamps the
gateway recorded (every step's start and finish come from its timeline events), never estimated.

One pass over a projection of the applications (no form, no personal data) plus one aggregation of
the ratings. Definitions (also served with the numbers, `definitions`):

- bucket: the application's submission day / ISO week / month in Beijing time.
- overall: received = applications submitted; finished = completed; automatic = completed without any
  bureau queueing a clerk task (零跑动 and no person involved); time = submission to completion.
- per bureau: received = the step started; finished = the step done; automatic = done without that
  bureau queueing a clerk task; time = step start (registration: review started; others: licence
  issued) to step done.
- working days and hours: `gateway.timeline.time_taken` (contracts.calendar: statutory holidays and
  make-up days); within target = finished no later than 2 working days after the start day.
- median: the middle value (mean of the two middle values for an even count); p90: nearest rank
  (the ceil(0.9 n)-th smallest value).
- overdue now: not finished, and today (Beijing) is after the deadline (a step's own deadline; the
  application's 2-working-day target overall).
- ratings: 好差评 scores 1-5 of the bureau (overall: every bureau), bucketed by submission of the application.

Refreshes do not read history: a process keeps every application's contribution and the totals per
submission day (`Tally`), and each refresh reads only the applications and ratings written since the
last one (their `updated_at` indexes; every write to an application sets it), taking the old
contribution out and the new one in. Medians and p90s come from the days' value counts, "overdue
now" from the open steps kept aside, so a result costs the number of days and open steps, not the
history. The first refresh of a process, and the first after the calendar's sources changed (working
days are counted again), read everything once. `compute` is that full pass, for one-off callers.

Anonymous callers must not be able to make the gateway do work that grows with history (one full
pass costs about 1.2 ms of CPU per application: 12 s at 10,000). So requests read a `Snapshots` entry:
computed once, then recomputed in the background (one refresh at a time per period) when it is
older than `max_age` seconds; a request never waits for a refresh except the very first one of a
process. The answer says how old it may be (`generated_at`, `max_age_seconds`) and the page shows it.
"""

from __future__ import annotations

import csv
import io
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, Literal

from contracts import clock
from contracts.calendar import aware
from contracts.clock import CHINA
from gateway.deadlines import calendar_fingerprint
from gateway.store import GatewayStore
from gateway.timeline import STEPS, TARGET_WORKING_DAYS, deadline_after, overdue, time_taken

Period = Literal["day", "week", "month"]
SCOPES = ("overall", *STEPS)
OPEN_STATES = ("pending", "in_progress", "waiting_for_clerk", "correction_requested")
FINAL_APP_STATES = ("completed", "rejected", "revoked", "withdrawn")  # withdrawn: a named person declined or never confirmed
PROJECTION = {"submitted_at": 1, "status": 1, "completed_at": 1, "steps": 1,
              "timeline.type": 1, "timeline.source": 1, "timeline.data.bureau": 1}
APP_FIELDS = {**PROJECTION, "updated_at": 1}
RATING_FIELDS = {"bureau": 1, "score": 1, "submitted_at": 1, "updated_at": 1}
# a refresh reads what was written since the newest `updated_at` it saw, less this: a write stamped
# a little before a write that committed first is still read (re-reading one changes nothing)
OVERLAP = timedelta(minutes=2)
CSV_COLUMNS = ("period", "scope", "received", "finished", "automatic", "automatic_share",
               "median_working_days", "p90_working_days", "median_working_hours", "p90_working_hours",
               "within_target_share", "overdue_now", "ratings_count", "ratings_mean",
               "ratings_1", "ratings_2", "ratings_3", "ratings_4", "ratings_5")


def bucket(moment: datetime, period: Period) -> str:
    return period_key(_day(moment), period)


def period_key(day: date, period: Period) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def median(values: list[float] | Counter) -> float | None:
    """The middle value (mean of the two middle ones for an even count), of a list or of value counts."""
    counts = values if isinstance(values, Counter) else Counter(values)
    n = sum(counts.values())
    if not n:
        return None
    low, high = _ranked(counts, [(n - 1) // 2, n // 2])
    return round((low + high) / 2, 2)


def p90(values: list[float] | Counter) -> float | None:
    """Nearest rank: the ceil(0.9 n)-th smallest value."""
    counts = values if isinstance(values, Counter) else Counter(values)
    n = sum(counts.values())
    if not n:
        return None
    [value] = _ranked(counts, [max(0, math.ceil(0.9 * n) - 1)])
    return round(value, 2)


def _ranked(counts: Counter, ranks: list[int]) -> list[float]:
    """The values at these 0-based ranks (ascending) of a multiset given as value counts."""
    out, seen, wanted = [], 0, iter(sorted(ranks))
    rank = next(wanted)
    for value in sorted(counts):
        seen += counts[value]
        while rank is not None and rank < seen:
            out.append(value)
            rank = next(wanted, None)
        if rank is None:
            break
    return out


class _Acc:
    """Accumulators of one scope over some submission days; `add`/`take` with sign +1/-1."""

    __slots__ = ("received", "finished", "automatic", "days", "hours", "within", "overdue", "ratings")

    def __init__(self) -> None:
        self.received = self.finished = self.automatic = self.within = self.overdue = 0
        self.days: Counter = Counter()
        self.hours: Counter = Counter()
        self.ratings = [0, 0, 0, 0, 0]

    def add(self, row: tuple, sign: int = 1) -> None:
        _, finished, automatic, taken, _deadline = row
        self.received += sign
        if finished:
            self.finished += sign
            self.automatic += sign * automatic
            if taken is not None:
                days, hours, within = taken
                self.days[days] += sign
                self.hours[hours] += sign
                self.within += sign * within

    def merge(self, other: _Acc) -> None:
        self.received += other.received
        self.finished += other.finished
        self.automatic += other.automatic
        self.within += other.within
        self.overdue += other.overdue
        self.days.update(other.days)
        self.hours.update(other.hours)
        self.ratings = [a + b for a, b in zip(self.ratings, other.ratings, strict=True)]

    def result(self) -> dict[str, Any]:
        count = sum(self.ratings)
        timed = sum(self.days.values())
        return {
            "received": self.received,
            "finished": self.finished,
            "automatic": self.automatic,
            "automatic_share": _share(self.automatic, self.finished),
            "median_working_days": median(+self.days),
            "p90_working_days": p90(+self.days),
            "median_working_hours": median(+self.hours),
            "p90_working_hours": p90(+self.hours),
            "within_target_share": _share(self.within, timed),
            "overdue_now": self.overdue,
            "ratings": {str(i + 1): n for i, n in enumerate(self.ratings)},
            "ratings_count": count,
            "ratings_mean": round(sum((i + 1) * n for i, n in enumerate(self.ratings)) / count, 2) if count else None,
        }


def contribution(doc: dict) -> tuple[date, tuple[tuple, ...]]:
    """(submission day in Beijing, one row per scope the application counts in). A row is
    (scope, finished, automatic, (working days, hours, within target) or None, open deadline or None)."""
    queued_by = {(e.get("data") or {}).get("bureau") or e.get("source")
                 for e in doc.get("timeline", []) if e.get("type") == "task_queued"}
    rows = []
    if doc.get("completed_at"):  # completed, possibly revoked since: the start-up took this long
        rows.append(("overall", True, not queued_by, _taken(doc["submitted_at"], doc["completed_at"]), None))
    else:
        final = doc.get("status") in FINAL_APP_STATES
        rows.append(("overall", False, False, None,
                     None if final else deadline_after(doc["submitted_at"], TARGET_WORKING_DAYS)))
    for bureau in STEPS:
        step = (doc.get("steps") or {}).get(bureau) or {}
        if not step.get("started_at"):
            continue
        if step.get("state") == "done" and step.get("finished_at"):
            rows.append((bureau, True, bureau not in queued_by, _taken(step["started_at"], step["finished_at"]), None))
        else:
            rows.append((bureau, False, False, None,
                         step.get("deadline") if step.get("state") in OPEN_STATES else None))
    return _day(doc["submitted_at"]), tuple(rows)


def _day(moment: datetime) -> date:
    return aware(moment).astimezone(CHINA).date()


def _taken(start: datetime, end: datetime) -> tuple | None:
    taken = time_taken(start, end)
    if taken["working_days"] is None:
        return None
    return taken["working_days"], taken["working_hours"], bool(taken["within_target"])


class Tally:
    """Every application's contribution and the accumulators per submission day, brought up to date by
    reading only what was written since the last refresh (module docstring). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, calendar: tuple | None) -> None:
        self._calendar = calendar
        self._apps: dict[str, tuple[date, tuple[tuple, ...]]] = {}
        self._open: dict[str, tuple[date, list[tuple[str, str]]]] = {}  # app -> (day, [(scope, deadline)])
        self._rated: dict[str, tuple[date, str, int]] = {}  # rating id -> (day, bureau, score)
        self._days: dict[date, dict[str, _Acc]] = defaultdict(lambda: {s: _Acc() for s in SCOPES})
        self._marks: dict[str, datetime | None] = {"applications": None, "ratings": None}
        self.last_read = 0  # documents the last refresh read (tests and the bench look)

    def refresh(self, store: GatewayStore) -> Tally:
        with self._lock:
            fingerprint = calendar_fingerprint()
            if fingerprint != self._calendar:  # working days may count differently now: all again
                self._reset(fingerprint)
            read = 0
            for doc in self._changed(store.applications, APP_FIELDS):
                self._apply(doc)
                read += 1
            for row in self._changed(store.ratings, RATING_FIELDS):
                self._rate(row)
                read += 1
            self.last_read = read
        return self

    def _changed(self, collection: Any, fields: dict[str, int]) -> Iterator[dict]:
        mark = self._marks[collection.name]
        query = {} if mark is None else {"updated_at": {"$gte": mark - OVERLAP}}
        for doc in collection.find(query, fields).batch_size(1000):
            if doc.get("updated_at") is not None:
                at = aware(doc["updated_at"])
                mark = at if mark is None or at > mark else mark
            yield doc
        self._marks[collection.name] = mark

    def _apply(self, doc: dict) -> None:
        new = contribution(doc)
        old = self._apps.get(doc["_id"])
        if old == new:
            return  # re-read within the overlap, or a write that changed nothing counted here
        if old is not None:
            self._count(old, -1)
        self._count(new, 1)
        self._apps[doc["_id"]] = new
        opened = [(row[0], row[4]) for row in new[1] if row[4]]
        if opened:
            self._open[doc["_id"]] = (new[0], opened)
        else:
            self._open.pop(doc["_id"], None)

    def _count(self, contrib: tuple[date, tuple[tuple, ...]], sign: int) -> None:
        day, rows = contrib
        for row in rows:
            self._days[day][row[0]].add(row, sign)

    def _rate(self, row: dict) -> None:
        bureau, score = row.get("bureau"), int(row.get("score") or 0)
        new = (_day(row["submitted_at"]), bureau, score) if bureau in STEPS and 1 <= score <= 5 else None
        old = self._rated.pop(row["_id"], None)
        for rated, sign in ((old, -1), (new, 1)):
            if rated is not None:
                day, bureau, score = rated
                for scope in (bureau, "overall"):
                    self._days[day][scope].ratings[score - 1] += sign
        if new is not None:
            self._rated[row["_id"]] = new

    def result(self, period: Period = "month", today: date | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        today = today or clock.china_today()
        with self._lock:
            accs: dict[str, dict[str, _Acc]] = defaultdict(lambda: {s: _Acc() for s in SCOPES})
            for day, scopes in self._days.items():
                for scope, acc in scopes.items():
                    accs[period_key(day, period)][scope].merge(acc)
            for day, opened in self._open.values():
                for scope, deadline in opened:
                    if overdue(deadline, today):
                        accs[period_key(day, period)][scope].overdue += 1
            count, read = len(self._apps), self.last_read
        accs = {key: scopes for key, scopes in accs.items() if any(a.received or any(a.ratings) for a in scopes.values())}
        totals = {s: _Acc() for s in SCOPES}
        for scopes in accs.values():
            for scope, acc in scopes.items():
                totals[scope].merge(acc)
        return {
            "period": period,
            "today": today.isoformat(),
            "generated_at": clock.now(),
            "target_working_days": TARGET_WORKING_DAYS,
            "totals": {s: totals[s].result() for s in SCOPES},
            "series": [{"period": key, **{s: accs[key][s].result() for s in SCOPES}} for key in sorted(accs)],
            "measured": {"applications": count, "read_by_last_refresh": read,
                         "seconds": round(time.perf_counter() - started, 4)},
            "definitions": DEFINITIONS,
        }


def compute(store: GatewayStore, period: Period = "month", today: date | None = None) -> dict[str, Any]:
    """One full pass over every application and rating (a fresh `Tally`): for one-off callers."""
    return Tally().refresh(store).result(period, today)


_tallies: dict[int, tuple[GatewayStore, Tally]] = {}
_tallies_lock = threading.Lock()


def tally(store: GatewayStore) -> Tally:
    """The one `Tally` of this store in this process."""
    with _tallies_lock:
        found = _tallies.get(id(store))
        if found is None or found[0] is not store:
            found = _tallies[id(store)] = (store, Tally())
        return found[1]


def refreshed(store: GatewayStore, period: Period = "month") -> dict[str, Any]:
    """The statistics from this process's tally, brought up to date (what snapshots compute)."""
    return tally(store).refresh(store).result(period)


class Snapshots:
    """The last result per period, refreshed in the background once older than `max_age` seconds
    (max_age <= 0: no snapshot, every request computes: for development only)."""

    def __init__(self, store: GatewayStore, max_age: float,
                 compute_fn: Callable[[GatewayStore, Period], dict[str, Any]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self.store, self.max_age, self.monotonic = store, max_age, monotonic
        self.compute = compute_fn or refreshed
        self._lock = threading.Lock()
        self._results: dict[str, tuple[float, dict[str, Any]]] = {}
        self._refreshing: dict[str, threading.Thread] = {}

    def get(self, period: Period = "month") -> dict[str, Any]:
        if self.max_age <= 0:
            return self._stamped(self.compute(self.store, period))
        with self._lock:
            entry = self._results.get(period)
            stale = entry is None or self.monotonic() - entry[0] > self.max_age
            if entry is not None and stale and period not in self._refreshing:
                thread = threading.Thread(target=self._refresh, args=(period,), daemon=True,
                                          name=f"stats-{period}")
                self._refreshing[period] = thread
                thread.start()
        if entry is None:  # the first request of this process waits, once
            entry = self._refresh(period)
        return self._stamped(entry[1])

    def wait(self) -> None:
        """Until the refreshes running now have finished (tests)."""
        with self._lock:
            threads = list(self._refreshing.values())
        for thread in threads:
            thread.join()

    def _refresh(self, period: Period) -> tuple[float, dict[str, Any]]:
        try:
            entry = (self.monotonic(), self.compute(self.store, period))
            with self._lock:
                self._results[period] = entry
            return entry
        finally:
            with self._lock:
                self._refreshing.pop(period, None)

    def _stamped(self, result: dict[str, Any]) -> dict[str, Any]:
        return {**result, "max_age_seconds": max(self.max_age, 0)}


_snapshots: dict[int, Snapshots] = {}
_snapshots_lock = threading.Lock()


def snapshots(store: GatewayStore, max_age: float) -> Snapshots:
    """The one `Snapshots` of this store in this process."""
    with _snapshots_lock:
        found = _snapshots.get(id(store))
        if found is None or found.store is not store or found.max_age != max_age:
            found = _snapshots[id(store)] = Snapshots(store, max_age)
        return found


def to_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = [("all", result["totals"]), *((row["period"], row) for row in result["series"])]
    for label, block in rows:
        for scope in SCOPES:
            m = block[scope]
            writer.writerow([label, scope, *(_cell(m[c]) for c in CSV_COLUMNS[2:14]),
                             *(m["ratings"][str(i)] for i in range(1, 6))])
    return out.getvalue()


DEFINITIONS = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in """
received: overall: applications submitted; bureau: steps started
finished: overall: applications completed; bureau: steps done
automatic_share: finished without any clerk task (overall: at any bureau; bureau: at that bureau)
working_days: working days from start to finish as deadlines count them (contracts.calendar)
working_hours: clock hours on working days between start and finish, Beijing time
median: middle value (mean of the two middle values for an even count)
p90: nearest rank: the ceil(0.9 n)-th smallest value
within_target_share: finished no later than 2 working days after the start day, of those finished
overdue_now: not finished and today (Beijing) is after the deadline
ratings: 好差评 scores 1-5 (overall: all bureaus), by the application's submission period
period: the application's submission day, ISO week or month, Beijing time""".strip().splitlines())}


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
