"""Deadlines counted across a year whose holiday notice was not out yet, recomputed once it is.

A provisional year's working days come from the statutory rules (contracts.calendar); the notice adds
make-up working weekends and may move a deadline. When the calendar's sources change (an operator ran
`onestop calendar load FILE`, or a newer chinesecalendar was installed and the process restarted),
every open application with a provisional deadline is derived again: the steps take the recomputed
deadlines, and the timeline gets one `deadlines_recomputed` entry saying what moved. Nothing else of
the application changes.
"""

from __future__ import annotations

import logging
from uuid import NAMESPACE_URL, uuid5

from contracts import clock
from contracts.calendar import default_calendar
from gateway.recording import TRACKER_FIELDS, record
from gateway.store import GatewayStore
from gateway.timeline import derive

log = logging.getLogger(__name__)


def calendar_fingerprint(years: range | None = None) -> tuple:
    """Where each year around today takes its working days from; a change means: recompute."""
    this_year = clock.china_today().year
    years = years or range(this_year - 1, this_year + 3)
    calendar = default_calendar()
    return tuple((year, calendar.source(year)) for year in years)


def recompute_open_deadlines(store: GatewayStore) -> int:
    """Record the recomputed deadlines of every open application that had provisional ones; returns
    how many applications' deadlines moved (or stopped being provisional)."""
    fingerprint = calendar_fingerprint()
    moved = 0
    for app_id in store.with_provisional_deadlines():
        doc = store.application(app_id, TRACKER_FIELDS | {"steps": 1})
        if doc is None:
            continue
        fresh = derive(doc["form"], doc["timeline"], doc["submitted_at"])["steps"]
        changes = [{"bureau": name, "from": old.get("deadline"), "to": fresh[name].get("deadline"),
                    "provisional": fresh[name].get("deadline_provisional", False)}
                   for name, old in doc.get("steps", {}).items()
                   if name in fresh and (old.get("deadline"), old.get("deadline_provisional"))
                   != (fresh[name].get("deadline"), fresh[name].get("deadline_provisional"))]
        if not changes:
            continue
        # one entry per application and calendar state, however many tracker instances do this
        event_id = uuid5(NAMESPACE_URL, f"onestop:deadlines:{app_id}:{fingerprint}:{changes}").hex
        payload = {"type": "deadlines_recomputed", "event_id": event_id, "application_id": app_id,
                   "occurred_at": clock.now().isoformat(), "changes": changes}
        if record(store, "gateway", payload):
            moved += 1
            log.info("deadlines recomputed: %s", changes, extra={"application_id": app_id})
    return moved


class CalendarWatch:
    """Tells, once per change, that the calendar's sources changed since the last look."""

    def __init__(self):
        self._seen: tuple | None = None

    def changed(self) -> bool:
        current = calendar_fingerprint()
        changed, self._seen = current != self._seen, current
        return changed
