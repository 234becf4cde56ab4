"""Across 31 December on a running system: a clerk-path application submitted on 29 December has a
registration deadline in the next year, a year whose holiday notice is not out (provisional). The
operator then loads that year's notice with `onestop calendar load`; the open deadline is recomputed, the
timeline says so, and the application still completes. Every process runs on a clock pinned at 29
December 10:00 Beijing time (ONESTOP_CLOCK_START): the coming one at least a week ahead of the real day
(tests/support/days.py: the database's TTL index expires sessions by the real time), and the expected
dates are what contracts/calendar.py makes of that year."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from contracts import clock
from gateway.ops.cli import add_staff
from kit.startup import CALENDAR_RECHECK_ENV, CLOCK_ANCHOR_ENV, CLOCK_START_ENV
from tests.conftest import MONGO_URI
from tests.factories import make_form
from tests.support import days
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DAY = days.year_end(29)
START = days.at(DAY, 10)
NEXT = DAY.year + 1
API = "/api/v1"
# test data shaped like a notice: every statutory day, and the first free weekend day of January made a
# working day, so the registration deadline (counted in working days from 29 December) moves onto it
MAKEUP = days.free_weekend_day(NEXT)
NOTICE_NEXT = days.notice(NEXT, (MAKEUP,))
# the pinned year itself must not be provisional too: without a shipped notice, the test loads one first
LOADED = days.notices_for(DAY)
BEFORE = days.calendar_with(*LOADED)
AFTER = days.calendar_with(*LOADED, NOTICE_NEXT)


def _clerk_days() -> int:
    """The issue's 3-working-day review, longer if need be for the deadline to fall after the make-up day
    (else the notice would not move it)."""
    n = 3
    while BEFORE.add_working_days(DAY, n) <= MAKEUP:
        n += 1
    return n


CLERK_DAYS = _clerk_days()
PROVISIONAL_DUE = BEFORE.add_working_days(DAY, CLERK_DAYS).isoformat()
MOVED_DUE = AFTER.add_working_days(DAY, CLERK_DAYS).isoformat()


def test_the_expected_dates_are_the_calendars_and_the_notice_moves_the_deadline():
    assert DAY.month == 12 and DAY.day == 29 and DAY >= days.real_today() + days.AHEAD
    assert BEFORE.is_provisional(NEXT) and not BEFORE.is_provisional(DAY.year) and not AFTER.is_provisional(NEXT)
    assert DAY.isoformat() < MOVED_DUE < PROVISIONAL_DUE and MOVED_DUE.startswith(f"{NEXT}-")
    assert AFTER.is_working_day(MAKEUP) and not BEFORE.is_working_day(MAKEUP)


def test_a_deadline_across_new_year_is_provisional_until_the_notice_and_then_recomputed(tmp_path):
    anchor = time.time()
    holidays = days.install(LOADED, tmp_path / "holidays")
    env = {CLOCK_START_ENV: START, CLOCK_ANCHOR_ENV: repr(anchor), "ONESTOP_HOLIDAY_DIR": str(holidays),
           CALENDAR_RECHECK_ENV: "1", "REGISTRATION_CLERK_DAYS": str(CLERK_DAYS)}
    with clock.using(clock.pinned_at(datetime.fromisoformat(START), anchor)), \
            LiveSystem("yearend", log_dir=tmp_path / "log", extra_env=env) as live:
        add_staff("reg.yearend", "clerk-pass-1", bureau="registration", mongo_uri=MONGO_URI,
                  db_prefix=live.db_prefix)
        founder = live.founder()
        app_id = live.submit(founder, make_form(business_scope=["G0001", "L0001"]))  # a permit item: clerk path

        waiting = live.wait_for(lambda: _step_when(live, founder, app_id, "waiting_for_clerk"), 60, "clerk queue")
        assert waiting["deadline"] == PROVISIONAL_DUE and waiting["deadline_provisional"] is True
        clerk = {"Authorization": f"Bearer {live.token('reg.yearend', 'clerk-pass-1')}"}
        task = live.request("GET", f"{API}/bureaus/registration/tasks/{waiting['task_id']}", headers=clerk).json()
        assert task["deadline"] == PROVISIONAL_DUE and task["deadline_provisional"] is True

        notice = tmp_path / f"{NEXT}.json"
        notice.write_text(json.dumps(NOTICE_NEXT, ensure_ascii=False), "utf-8")
        loaded = subprocess.run([str(ROOT / ".venv/bin/onestop"), "calendar", "load", str(notice)],
                                env={**_base_env(), "ONESTOP_HOLIDAY_DIR": str(holidays)},
                                capture_output=True, text=True, timeout=60)
        assert loaded.returncode == 0, loaded.stderr
        assert (holidays / f"{NEXT}.json").is_file()

        moved = live.wait_for(lambda: _step_when(live, founder, app_id, "waiting_for_clerk", MOVED_DUE), 60,
                              "the recomputed deadline")
        assert moved["deadline_provisional"] is False
        app = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
        recomputed = [e for e in app["timeline"] if e["type"] == "deadlines_recomputed"]
        assert len(recomputed) == 1
        assert {"bureau": "registration", "from": PROVISIONAL_DUE, "to": MOVED_DUE, "provisional": False} \
            in recomputed[0]["details"]["changes"]
        task = live.request("GET", f"{API}/bureaus/registration/tasks/{waiting['task_id']}", headers=clerk).json()
        assert task["deadline"] == MOVED_DUE and task["deadline_provisional"] is False

        assert live.request("POST", f"{API}/bureaus/registration/tasks/{task['id']}/claim",
                            headers=clerk).status_code == 200
        assert live.request("POST", f"{API}/bureaus/registration/tasks/{task['id']}/approve",
                            headers=clerk, json={}).status_code == 200
        assert live.wait_completed([app_id], timeout=120) == {app_id: "completed"}
        done = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
        assert done["outputs"]["licence"]["established_on"] == DAY.isoformat()  # the pinned day, in Beijing


def _step_when(live, founder, app_id, state, deadline=None):
    app = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
    step = next(s for s in app["steps"] if s["bureau"] == "registration")
    if step["state"] == state and (deadline is None or step["deadline"] == deadline):
        return step
    return None


def _base_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_CLOCK")}
