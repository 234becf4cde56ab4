"""Across 31 December on a running system: a clerk-path application submitted on Tuesday 2026-12-29
has a registration deadline in 2027, a year whose holiday notice is not out (provisional). The
operator then loads the 2027 notice with `onestop calendar load`; the open deadline is recomputed, the
timeline says so, and the application still completes. Every process runs on a clock pinned at
2026-12-29 10:00 Beijing time (ONESTOP_CLOCK_START), whatever day the suite runs."""

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
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START = "2026-12-29T10:00:00+08:00"
API = "/api/v1"
# test data shaped like a notice: every statutory day, and Saturday 2 January made a working day, so the
# registration deadline (3 working days from Tuesday 29 December) moves from Monday 4 to Saturday 2
NOTICE_2027 = {"year": 2027, "source": "测试用安排（非真实通知）",
               "holidays": ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
                            "2027-04-05", "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15",
                            "2027-10-01", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"],
                "workdays": ["2027-01-02"]}


def test_a_deadline_across_new_year_is_provisional_until_the_notice_and_then_recomputed(tmp_path):
    anchor = time.time()
    holidays = tmp_path / "holidays"
    env = {CLOCK_START_ENV: START, CLOCK_ANCHOR_ENV: repr(anchor), "ONESTOP_HOLIDAY_DIR": str(holidays),
           CALENDAR_RECHECK_ENV: "1", "REGISTRATION_CLERK_DAYS": "3"}  # the 3-working-day review the issue names
    with clock.using(clock.pinned_at(datetime.fromisoformat(START), anchor)), \
            LiveSystem("yearend", log_dir=tmp_path / "log", extra_env=env) as live:
        live.start(timeout=180)
        add_staff("reg.yearend", "clerk-pass-1", bureau="registration", mongo_uri=MONGO_URI,
                  db_prefix=live.db_prefix)
        founder = live.founder()
        app_id = live.submit(founder, make_form(business_scope=["G0001", "L0001"]))  # a permit item: clerk path

        waiting = live.wait_for(lambda: _step_when(live, founder, app_id, "waiting_for_clerk"), 60, "clerk queue")
        assert waiting["deadline"] == "2027-01-04" and waiting["deadline_provisional"] is True
        clerk = {"Authorization": f"Bearer {live.token('reg.yearend', 'clerk-pass-1')}"}
        task = live.request("GET", f"{API}/bureaus/registration/tasks/{waiting['task_id']}", headers=clerk).json()
        assert task["deadline"] == "2027-01-04" and task["deadline_provisional"] is True

        notice = tmp_path / "2027.json"
        notice.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), "utf-8")
        loaded = subprocess.run([str(ROOT / ".venv/bin/onestop"), "calendar", "load", str(notice)],
                                env={**_base_env(), "ONESTOP_HOLIDAY_DIR": str(holidays)},
                                capture_output=True, text=True, timeout=60)
        assert loaded.returncode == 0, loaded.stderr
        assert (holidays / "2027.json").is_file()

        moved = live.wait_for(lambda: _step_when(live, founder, app_id, "waiting_for_clerk", "2027-01-02"), 60,
                              "the recomputed deadline")
        assert moved["deadline_provisional"] is False
        app = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
        recomputed = [e for e in app["timeline"] if e["type"] == "deadlines_recomputed"]
        assert len(recomputed) == 1
        assert {"bureau": "registration", "from": "2027-01-04", "to": "2027-01-02", "provisional": False} \
            in recomputed[0]["details"]["changes"]
        task = live.request("GET", f"{API}/bureaus/registration/tasks/{waiting['task_id']}", headers=clerk).json()
        assert task["deadline"] == "2027-01-02" and task["deadline_provisional"] is False

        assert live.request("POST", f"{API}/bureaus/registration/tasks/{task['id']}/claim",
                            headers=clerk).status_code == 200
        assert live.request("POST", f"{API}/bureaus/registration/tasks/{task['id']}/approve",
                            headers=clerk, json={}).status_code == 200
        assert live.wait_completed([app_id], timeout=120) == {app_id: "completed"}
        done = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
        assert done["outputs"]["licence"]["established_on"] == "2026-12-29"  # the pinned day, in Beijing


def _step_when(live, founder, app_id, state, deadline=None):
    app = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
    step = next(s for s in app["steps"] if s["bureau"] == "registration")
    if step["state"] == state and (deadline is None or step["deadline"] == deadline):
        return step
    return None


def _base_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_CLOCK")}
