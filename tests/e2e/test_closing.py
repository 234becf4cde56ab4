"""Closing a company by the simplified procedure (简易注销) over real HTTP on a running system whose
clock is pinned (ONESTOP_CLOCK_START): one request publishes the 20-day notice, every bureau answers
its check, and when registration restarts on a clock 21 days on its timer ends the notice. A company
without staff ends 已注销 with every bureau cleared (the licence verifies deregistered with the date);
one with staff lists every blocker with the bureau and what to do, and stays."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytest

from contracts import clock
from contracts.clock import CHINA
from contracts.closing import notice_ends_on
from kit.startup import CLOCK_ANCHOR_ENV, CLOCK_START_ENV
from tests.factories import make_form
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e

# A day ahead of the real one: the database expires sessions on its own (real) clock, so a pinned day
# in the real past would log the founder out mid-test.
START = datetime.combine(clock.china_date(clock.system_clock()) + timedelta(days=7), dt_time(10, 0), tzinfo=CHINA)
ENDS = notice_ends_on(START.date())  # 20 calendar days (contracts.closing; its unit test pins the rule)
API = "/api/v1"
BUREAUS = {"seal", "tax", "social_security", "housing_fund"}


def test_a_simplified_closing_runs_its_notice_and_ends_deregistered_or_lists_its_blockers(tmp_path):
    anchor = time.time()
    env = {CLOCK_START_ENV: START.isoformat(), CLOCK_ANCHOR_ENV: repr(anchor)}
    with clock.using(clock.pinned_at(START, anchor)), \
            LiveSystem("closing", log_dir=tmp_path / "log", extra_env=env) as live:
        founder = live.founder()
        quiet, busy = make_form(employees=[]), make_form()
        ids = [live.submit(founder, quiet), live.submit(founder, busy)]
        assert live.wait_completed(ids, timeout=150) == {i: "completed" for i in ids}
        usccs = [live.request("GET", f"{API}/applications/{i}", headers=founder.headers).json()["outputs"]["uscc"]
                 for i in ids]

        closures = []
        for uscc in usccs:
            url = f"{API}/companies/{uscc}/closures"
            refused = live.request("POST", url, json={"commitment": False}, headers=founder.headers)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "commitment"
            reply = live.request("POST", url, json={"commitment": True},
                                 headers={**founder.headers, "Idempotency-Key": f"close-{uscc}"})
            assert reply.status_code == 201, reply.text
            closure = reply.json()
            assert closure["state"] == "noticed" and closure["notice_from"] == START.date().isoformat()
            assert closure["notice_ends_on"] == ENDS.isoformat() and (ENDS - START.date()).days >= 20
            again = live.request("POST", url, json={"commitment": True},
                                 headers={**founder.headers, "Idempotency-Key": f"close-{uscc}"})
            assert again.json()["closure_id"] == closure["closure_id"]  # a retry, not a second closing
            closures.append(f"{url}/{closure['closure_id']}")
        # a change while the closing is open: 409 naming it
        moved = live.request("POST", f"{API}/companies/{usccs[0]}/changes", headers=founder.headers,
                             json={"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}})
        assert moved.status_code == 409

        def answered(url):
            view = live.request("GET", url, headers=founder.headers).json()
            return view if all(b["answered"] for b in view["bureaus"]) else None

        quiet_view = live.wait_for(lambda: answered(closures[0]), 60, "every bureau's check (no staff)")
        assert {b["bureau"] for b in quiet_view["bureaus"]} == BUREAUS
        assert quiet_view["blockers"] == [] and all(b["cleared"] for b in quiet_view["bureaus"])
        busy_view = live.wait_for(lambda: answered(closures[1]), 60, "every bureau's check (staff)")
        blocked = {(b["bureau"], b["label"]) for b in busy_view["blockers"]}
        assert blocked == {("social_security", "人社（社保）"), ("housing_fund", "住房公积金管理中心"),
                           ("medical_insurance", "医疗保障局")}
        names = {e["name"] for e in busy["employees"]}
        for blocker in busy_view["blockers"]:
            assert any(n in blocker["item"] for n in names) and "减员" in blocker["todo"]
        assert not any(e["resident_id"] in str(busy_view) for e in busy["employees"])

        # an objection from the public page's API is taken during the notice (no login)... for neither
        # company here; a nonsense one is a field error
        bad = live.request("POST", f"{API}/verify/licences/{usccs[0]}/objections", json={"objector": "", "reason": ""})
        assert bad.status_code == 422

        # 21 days on: registration restarts on a clock past the notice's last day and its timer ends it
        live.system.kill("registration", 0, sig=15)
        later = datetime.combine(ENDS + timedelta(days=1), dt_time(10, 0), tzinfo=CHINA)
        live.system.extra_env.update({CLOCK_START_ENV: later.isoformat(), CLOCK_ANCHOR_ENV: repr(time.time())})
        live.system.start_instance("registration", 0)

        def verified(uscc, status):
            view = live.request("GET", f"{API}/verify/licences/{uscc}").json()
            return view if view["status"] == status else None

        gone = live.wait_for(lambda: verified(usccs[0], "deregistered"), 90, "the deregistration")
        assert gone["deregistered_on"] == (ENDS + timedelta(days=1)).isoformat()
        # the seal bureau voids every seal of the deregistered company, with the date
        seal_codes = [s["code"] for s in live.request("GET", f"{API}/applications/{ids[0]}",
                                                      headers=founder.headers).json()["outputs"]["seals"]]

        def void(code):
            found = live.request("GET", f"{API}/verify/seals/{code}").json()
            return found if found["seal"]["status"] == "void" else None

        for code in seal_codes:
            found = live.wait_for(lambda code=code: void(code), 30, "the seals voided")
            assert found["genuine"] is False and found["seal"]["voided_on"] == gone["deregistered_on"]
            assert found["seal"]["void_reason"] == "企业已注销，印章作废"
        def recorded():
            # the state is registration's answer at once; the timeline is the tracker's record of the events,
            # which follows (eventually consistent): wait for the deregistration to be recorded there too
            reply = live.request("GET", closures[0], headers=founder.headers)
            assert reply.status_code == 200, reply.text
            view = reply.json()
            return view if any(e["type"] == "company_deregistered" for e in view["timeline"]) else None

        done = live.wait_for(recorded, 30, "the deregistration on the closure's timeline")
        assert done["state"] == "deregistered" and done["state_label"] == "已注销"
        kinds = [(e["source"], e["type"]) for e in done["timeline"]]
        assert kinds[0] == ("registration", "clearance_requested") and kinds[-1] == ("registration", "company_deregistered"), \
            done["timeline"]
        assert {s for s, t in kinds if t == "clearance_answered"} == BUREAUS

        waiting = live.wait_for(lambda: (lambda v: v if v["state"] == "awaiting_clearance" else None)(
            live.request("GET", closures[1], headers=founder.headers).json()), 30, "the blocked closing's notice end")
        # social security, medical insurance and the housing fund each name every employee still on their books
        assert len(waiting["blockers"]) == 3 * len(busy["employees"])
        assert verified(usccs[1], "active") is not None
