"""General deregistration (一般注销) over real HTTP: the founder files the liquidation group, field errors
name the Company Law's rule, the filing publishes the creditor notice with each step's deadline, every
bureau checks, and the report is refused until the 45-day declaration period is over (the rest of the
flow, on a moved clock, is tests/integration/registration/test_closing.py)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from contracts import clock
from contracts.liquidation import claims_end_on
from tests.e2e.conftest import confirm_everyone
from tests.e2e.test_api_e2e import wait_for
from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"


def test_a_liquidation_is_filed_published_checked_and_its_report_waits_for_the_period(http, founder):
    form = make_form(employees=[])
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder, {"completed", "rejected"})
    assert view["status"] == "completed"
    company = f"{API}/companies/{view['outputs']['uscc']}"
    today = clock.china_today()
    group = {"dissolved_on": (today - timedelta(days=2)).isoformat(), "formed_on": today.isoformat(),
             "members": ["张伟", "李娜"], "leader": "张伟", "creditors_notified": True}

    late = http.post(f"{company}/liquidations", headers=founder,
                     json={**group, "dissolved_on": (today - timedelta(days=16)).isoformat(), "creditors_notified": False})
    assert late.status_code == 422
    errors = {e["field"]: e["message"] for e in late.json()["errors"]}
    assert "第二百三十二条" in errors["formed_on"] and "第二百三十五条" in errors["creditors_notified"]

    reply = http.post(f"{company}/liquidations", json=group, headers={**founder, "Idempotency-Key": "liq-1"})
    assert reply.status_code == 201, reply.text
    closure = reply.json()
    ends = claims_end_on(today).isoformat()
    assert closure["kind"] == "general" and closure["state"] == "liquidating" and closure["notice_ends_on"] == ends
    assert [s["step"] for s in closure["steps"]] == ["group_formed", "creditors_notified", "notice_published",
                                                      "claims_period", "report", "deregistered"]
    again = http.post(f"{company}/liquidations", json=group, headers={**founder, "Idempotency-Key": "liq-1"})
    assert again.json()["closure_id"] == closure["closure_id"]  # a retry, not a second closing
    assert http.post(f"{company}/closures", json={"commitment": True}, headers=founder).status_code == 409

    url = f"{company}/closures/{closure['closure_id']}"
    deadline = time.monotonic() + 90
    while True:
        checked = http.get(url, headers=founder).json()
        # the answers are registration's at once; the timeline is the tracker's record and follows
        recorded = {e["type"] for e in checked["timeline"]} >= {"clearance_requested", "clearance_answered"}
        if all(b["answered"] for b in checked["bureaus"]) and recorded:
            break
        assert time.monotonic() < deadline, "not every bureau checked"
        time.sleep(0.3)
    assert checked["blockers"] == [] and {e["type"] for e in checked["timeline"]} >= {"clearance_requested",
                                                                                       "clearance_answered"}
    early = http.post(f"{url}/report", headers=founder,
                      json={"shareholders_confirmed": True, "summary": "债务已全部清偿，剩余财产已按出资比例分配"})
    assert early.status_code == 409 and ends in early.json()["message"]
    assert http.get(f"{API}/verify/licences/{view['outputs']['uscc']}").json()["status"] == "active"
