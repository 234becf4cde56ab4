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

Anonymous callers must not be able to make the gateway do work that grows with history (one pass
costs about 1.2 ms of CPU per application: 12 s at 10,000). So requests read a `Snapshots` entry:
computed once, then recomputed in the background (one refresh at a time per period) when it is
older than `max_age` seconds; a request never waits for a refresh except the very first one of a
process. The answer says how old it may be (`generated_at`, `max_age_seconds`) and the page shows it.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from contracts import clock
from contracts.calendar import aware
from contracts.clock import CHINA
from gateway.store import GatewayStore
from gateway.timeline import STEPS, TARGET_WORKING_DAYS, deadline_after, overdue, time_taken

Period = Literal["day", "week", "month"]
SCOPES = ("overall", *STEPS)
OPEN_STATES = ("pending", "in_progress", "waiting_for_clerk", "correction_requested")
FINAL_APP_STATES = ("completed", "rejected", "revoked", "withdrawn")  # withdrawn: a named person declined or never confirmed
PROJECTION = {"submitted_at": 1, "status": 1, "completed_at": 1, "steps": 1,
              "timeline.type": 1, "timeline.source": 1, "timeline.data.bureau": 1}
CSV_COLUMNS = ("period", "scope", "received", "finished", "automatic", "automatic_share",
               "median_working_days", "p90_working_days", "median_working_hours", "p90_working_hours",
               "within_target_share", "overdue_now", "ratings_count", "ratings_mean",
               "ratings_1", "ratings_2", "ratings_3", "ratings_4", "ratings_5")


def bucket(moment: datetime, period: Period) -> str:
    day = aware(moment).astimezone(CHINA).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 2)


class _Acc:
    __slots__ = ("received", "finished", "automatic", "days", "hours", "within", "overdue", "ratings")

    def __init__(self) -> None:
        self.received = self.finished = self.automatic = self.within = self.overdue = 0
        self.days: list[float] = []
        self.hours: list[float] = []
        self.ratings = [0, 0, 0, 0, 0]

    def add_finished(self, start: datetime, end: datetime, automatic: bool) -> None:
        self.finished += 1
        self.automatic += automatic
        taken = time_taken(start, end)
        if taken["working_days"] is not None:
            self.days.append(taken["working_days"])
            self.hours.append(taken["working_hours"])
            self.within += bool(taken["within_target"])

    def result(self) -> dict[str, Any]:
        count = sum(self.ratings)
        return {
            "received": self.received,
            "finished": self.finished,
            "automatic": self.automatic,
            "automatic_share": _share(self.automatic, self.finished),
            "median_working_days": median(self.days),
            "p90_working_days": p90(self.days),
            "median_working_hours": median(self.hours),
            "p90_working_hours": p90(self.hours),
            "within_target_share": _share(self.within, len(self.days)),
            "overdue_now": self.overdue,
            "ratings": {str(i + 1): n for i, n in enumerate(self.ratings)},
            "ratings_count": count,
            "ratings_mean": round(sum((i + 1) * n for i, n in enumerate(self.ratings)) / count, 2) if count else None,
        }


def compute(store: GatewayStore, period: Period = "month", today: date | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    today = today or clock.china_today()
    accs: dict[str, dict[str, _Acc]] = defaultdict(lambda: {s: _Acc() for s in SCOPES})
    totals = {s: _Acc() for s in SCOPES}
    submitted: dict[str, str] = {}
    count = 0
    for doc in store.applications.find({}, PROJECTION).batch_size(1000):
        count += 1
        key = bucket(doc["submitted_at"], period)
        submitted[doc["_id"]] = key
        _one(doc, key, today, accs[key], totals)
    for row in store.ratings.aggregate([{"$group": {"_id": {"a": "$application_id", "b": "$bureau", "s": "$score"},
                                                    "n": {"$sum": 1}}}]):
        key = submitted.get(row["_id"]["a"])
        bureau, score = row["_id"]["b"], int(row["_id"]["s"])
        if key is None or bureau not in STEPS or not 1 <= score <= 5:
            continue
        for acc in (accs[key][bureau], accs[key]["overall"], totals[bureau], totals["overall"]):
            acc.ratings[score - 1] += row["n"]
    return {
        "period": period,
        "today": today.isoformat(),
        "generated_at": clock.now(),
        "target_working_days": TARGET_WORKING_DAYS,
        "totals": {s: totals[s].result() for s in SCOPES},
        "series": [{"period": key, **{s: accs[key][s].result() for s in SCOPES}} for key in sorted(accs)],
        "measured": {"applications": count, "seconds": round(time.perf_counter() - started, 4)},
        "definitions": DEFINITIONS,
    }


class Snapshots:
    """The last result per period, refreshed in the background once older than `max_age` seconds
    (max_age <= 0: no snapshot, every request computes: for development only)."""

    def __init__(self, store: GatewayStore, max_age: float,
                 compute_fn: Callable[[GatewayStore, Period], dict[str, Any]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self.store, self.max_age, self.monotonic = store, max_age, monotonic
        self.compute = compute_fn or (lambda st, period: compute(st, period))
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


def _one(doc: dict, key: str, today: date, accs: dict[str, _Acc], totals: dict[str, _Acc]) -> None:
    queued_by = {(e.get("data") or {}).get("bureau") or e.get("source")
                 for e in doc.get("timeline", []) if e.get("type") == "task_queued"}
    both = (accs, totals)
    for acc in both:
        acc["overall"].received += 1
    if doc.get("completed_at"):  # completed, possibly revoked since: the start-up took this long
        for acc in both:
            acc["overall"].add_finished(doc["submitted_at"], doc["completed_at"], not queued_by)
    elif doc.get("status") not in FINAL_APP_STATES and overdue(deadline_after(doc["submitted_at"], TARGET_WORKING_DAYS),
                                                                today):
        for acc in both:
            acc["overall"].overdue += 1
    for bureau in STEPS:
        step = (doc.get("steps") or {}).get(bureau) or {}
        if not step.get("started_at"):
            continue
        for acc in both:
            acc[bureau].received += 1
        if step.get("state") == "done" and step.get("finished_at"):
            for acc in both:
                acc[bureau].add_finished(step["started_at"], step["finished_at"], bureau not in queued_by)
        elif step.get("state") in OPEN_STATES and overdue(step.get("deadline"), today):
            for acc in both:
                acc[bureau].overdue += 1


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
