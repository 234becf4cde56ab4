"""Kill -9 during a closing on the real system (every service its own process, a fresh vhost on the
shared broker, which is never stopped; only this run's registration process is killed).

Three companies close (简易注销) on a pinned clock; every bureau clears them. Registration then restarts
on a clock past the notice's last day, so its timer deregisters them, and is killed with SIGKILL at
random moments of that sweep, several times, and started again. In the end each company is deregistered
exactly once: one closure state, one deregistration date, one `company_deregistered` event (by event
id, however often the relay published it), its name barred once, every seal voided, no outbox left.

The kill plan is random; the seed is printed and `ONESTOP_FAULT_SEED=<n>` replays it.
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytest

from contracts import clock
from contracts.clock import CHINA
from contracts.closing import notice_ends_on
from kit.startup import CLOCK_ANCHOR_ENV, CLOCK_START_ENV
from tests.factories import make_form
from tests.support.events import EventRecorder
from tests.support.live import LiveSystem

pytestmark = pytest.mark.faults

API = "/api/v1"
SEED = int(os.environ.get("ONESTOP_FAULT_SEED") or random.randrange(1_000_000))
KILLS = 4
# a day ahead of the real one, as the e2e closing test (the database expires sessions on real time)
START = datetime.combine(clock.china_date(clock.system_clock()) + timedelta(days=7), dt_time(10, 0), tzinfo=CHINA)
LATER = datetime.combine(notice_ends_on(START.date()) + timedelta(days=1), dt_time(10, 0), tzinfo=CHINA)


def test_registration_killed_while_it_deregisters_restarts_and_deregisters_each_company_once(tmp_path):
    print(f"\nONESTOP_FAULT_SEED={SEED}")
    rng = random.Random(SEED)
    anchor = time.time()
    env = {CLOCK_START_ENV: START.isoformat(), CLOCK_ANCHOR_ENV: repr(anchor), "LOG_LEVEL": "WARNING"}
    with clock.using(clock.pinned_at(START, anchor)):
        live = LiveSystem("closecrash", tmp_path / "log", extra_env=env).start(timeout=180)
    try:
        recorder = EventRecorder(live.amqp_uri, sources=("registration", "seal")).start()
        founder = live.founder()
        ids = [live.submit(founder, make_form(employees=[])) for _ in range(3)]
        assert live.wait_completed(ids, timeout=150) == {i: "completed" for i in ids}
        usccs = [live.request("GET", f"{API}/applications/{i}", headers=founder.headers).json()["outputs"]["uscc"]
                 for i in ids]
        closures = []
        for uscc in usccs:
            reply = live.request("POST", f"{API}/companies/{uscc}/closures", json={"commitment": True},
                                 headers=founder.headers)
            assert reply.status_code == 201, reply.text
            closures.append(f"{API}/companies/{uscc}/closures/{reply.json()['closure_id']}")

        def cleared(url):
            view = live.request("GET", url, headers=founder.headers).json()
            return view if all(b["answered"] for b in view["bureaus"]) and not view["blockers"] else None

        for url in closures:
            live.wait_for(lambda url=url: cleared(url), 90, "every bureau's clearance")

        # past the notice: the restarted registration's timer (every 5 s) deregisters; kill it mid-sweep
        live.system.kill("registration", 0, sig=signal.SIGKILL)
        live.system.extra_env.update({CLOCK_START_ENV: LATER.isoformat(), CLOCK_ANCHOR_ENV: repr(time.time())})
        for _ in range(KILLS):
            live.system.start_instance("registration", 0)
            time.sleep(rng.uniform(1.0, 8.0))
            live.system.kill("registration", 0, sig=signal.SIGKILL)
        live.system.start_instance("registration", 0)

        def status(uscc):
            return live.request("GET", f"{API}/verify/licences/{uscc}").json()

        for uscc in usccs:
            gone = live.wait_for(lambda uscc=uscc: (lambda v: v if v["status"] == "deregistered" else None)(
                status(uscc)), 90, "the deregistration")
            assert gone["deregistered_on"] == LATER.date().isoformat()
        cases = live.db("registration")["cases"]
        live.wait_for(lambda: cases.count_documents({"outbox.0": {"$exists": True}}) == 0, 60, "the outbox drained")
        # a kill between the deregistration's write and the name's barring leaves the barring to the
        # restarted worker's 5 s sweep (closing.settle_due), not to the outbox relay
        live.wait_for(lambda: cases.count_documents({"_id": {"$in": ids}, "name_barred": True}) == len(ids), 60,
                      "every name barred")
        for app_id in ids:
            case = cases.find_one({"_id": app_id})
            [closure] = case["closures"].values()
            assert closure["state"] == "deregistered" and case["open_closure"] is None
            assert case["licence_status"] == "deregistered" and case["name_barred"] is True
        names = live.db("registration")["names"]
        assert names.count_documents({"application_id": {"$in": ids}, "status": "registered"}) == 0

        def deregistrations():
            return [e for e in recorder.unique() if e.type == "company_deregistered"]
        live.wait_for(lambda: len(deregistrations()) >= len(usccs), 30, "every deregistration published")
        time.sleep(3)  # a late duplicate publication would show here
        assert sorted(e.payload["uscc"] for e in deregistrations()) == sorted(usccs)  # one event id each
        for app_id in ids:  # the seal bureau voided every seal of each deregistered company
            seals = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()["outputs"]["seals"]
            for seal in seals:
                found = live.wait_for(lambda code=seal["code"]: (lambda v: v if v["seal"]["status"] == "void" else None)(
                    live.request("GET", f"{API}/verify/seals/{code}").json()), 30, "the seals voided")
                assert found["seal"]["voided_on"] == LATER.date().isoformat()
        recorder.stop()
    finally:
        live.close()
