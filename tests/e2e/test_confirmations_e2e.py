"""Every person named on a form confirms it from their own account, over HTTP against the running system:
the founder and a second director (who signs up after being named); the application waits, then goes
all the way to completed after the director confirms. A decline withdraws it; so does the deadline passing
(a system whose tracker is restarted on a clock pinned eight working days later)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import httpx
import pytest

from contracts import clock
from contracts.calendar import add_working_days, is_working_day
from kit.startup import CLOCK_ANCHOR_ENV, CLOCK_START_ENV
from tests.factories import make_form, resident_id
from tests.support.live import LiveSystem
from tests.support.parties import Parties
from tests.support.verification import verify

pytestmark = pytest.mark.e2e

API = "/api/v1"
PASSWORD = "two-people-pass-1"


def director_form() -> dict:
    """The founder: shareholder, legal representative (as manager) and manager; the partner: shareholder and
    the sole director; no supervisor (every shareholder consents, art. 83)."""
    form = make_form()
    founder, partner = form["shareholders"][0], form["shareholders"][1]
    form["legal_representative"] = {"name": founder["name"], "resident_id": founder["resident_id"], "position": "manager"}
    form["directors"] = [{"name": partner["name"], "resident_id": partner["resident_id"]}]
    form["supervisors"] = []
    form["governance"] = {**form["governance"], "supervision": "none", "no_supervisor_consent": True}
    return form


def account(http: httpx.Client, name: str, number: str) -> dict[str, str]:
    email = f"{number}@people.example.com"
    reply = http.post(f"{API}/accounts", json={"name": name, "resident_id": number, "email": email,
                                               "password": PASSWORD})
    assert reply.status_code == 201, reply.text
    token = http.post(f"{API}/tokens", data={"username": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    verify(http.request, headers, email)  # the code from the embedded sender's outbox file
    return headers


def view(http, app_id, headers) -> dict:
    return http.get(f"{API}/applications/{app_id}", headers=headers).json()


def wait(http, app_id, headers, statuses, timeout=120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        current = view(http, app_id, headers)
        if current["status"] in statuses or time.monotonic() > deadline:
            return current
        time.sleep(0.3)


def test_the_application_waits_for_the_second_director_then_completes(http):
    form = director_form()
    founder_person, partner = form["shareholders"]
    founder = account(http, founder_person["name"], founder_person["resident_id"])
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 201, reply.text
    app_id = reply.json()["id"]
    time.sleep(3)  # long enough for the automatic path to have issued a licence, had it started
    waiting = view(http, app_id, founder)
    assert waiting["status"] == "awaiting_confirmation" and not waiting["outputs"]
    assert {p["name"]: p["state"] for p in waiting["confirmations"]["parties"]} == {
        founder_person["name"]: "implicit", partner["name"]: "pending"}

    director = account(http, partner["name"], partner["resident_id"])  # named first, signs up afterwards
    [request] = http.get(f"{API}/confirmations", headers=director).json()
    assert request["application_id"] == app_id and request["my_roles"] == ["shareholder", "director"]
    assert request["founder_name"] == founder_person["name"]
    reply = http.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=director)
    assert reply.status_code == 200, reply.text

    done = wait(http, app_id, founder, {"completed", "rejected", "withdrawn"})
    assert done["status"] == "completed", done["steps"]
    kinds = [e["type"] for e in done["timeline"]]
    assert kinds[:3] == ["confirmation_requested", "party_confirmed", "application_submitted"]
    assert partner["resident_id"] not in str(done["timeline"]) and founder_person["resident_id"] not in str(done["timeline"])
    assert http.get(f"{API}/confirmations", headers=director).json() == []  # nothing left for them


def test_a_decline_stops_the_application_with_the_reason(http):
    form = director_form()
    founder_person, partner = form["shareholders"]
    founder = account(http, founder_person["name"], founder_person["resident_id"])
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = reply.json()["id"]
    director = account(http, partner["name"], partner["resident_id"])
    reply = http.put(f"{API}/confirmations/{app_id}", json={"decision": "decline", "reason": "我没有同意担任董事"},
                     headers=director)
    assert reply.status_code == 200 and reply.json()["status"] == "withdrawn"
    again = http.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=director)
    assert again.status_code == 409
    time.sleep(3)
    stopped = view(http, app_id, founder)
    assert stopped["status"] == "withdrawn" and "我没有同意担任董事" in stopped["withdrawal"]["reason"]
    assert "董事" in stopped["withdrawal"]["reason"] and not stopped["outputs"]
    assert "application_submitted" not in [e["type"] for e in stopped["timeline"]]


def test_a_protected_brand_is_refused_unless_its_owner_is_a_shareholder(http):
    form = director_form()
    founder_person = form["shareholders"][0]
    founder = account(http, founder_person["name"], founder_person["resident_id"])
    form["name"]["trade_name"] = "华为云启"
    refused = http.post(f"{API}/applications", json=form, headers=founder)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "name.trade_name" and "华为" in error["message"]
    form["shareholders"][1] = {"kind": "corporate", "name": "华为技术有限公司", "uscc": "914403001922038216",
                               "subscribed_amount": form["shareholders"][1]["subscribed_amount"],
                               "payment_due": form["shareholders"][1]["payment_due"],
                               # not registered here: the form names who confirms for it (issue 20)
                               "legal_representative": {"name": "赵磊", "resident_id": resident_id()}}
    form["directors"] = [{"name": founder_person["name"], "resident_id": founder_person["resident_id"]}]
    form["beneficial_owners"]["owners"] = form["beneficial_owners"]["owners"][:1]
    linked = http.post(f"{API}/applications", json=form, headers=founder)
    assert linked.status_code == 201, linked.text  # the brand's owner invests: its name may be used


def _expiry_days() -> tuple[str, str, str]:
    """The submission's moment (a working day a week or more AHEAD of the real day: the database's TTL index
    removes sessions by the real time, so a clock pinned in the past would lose the founder's login at any
    moment), its 5-working-day deadline, and a moment two days after that deadline."""
    day = clock.china_date(clock.system_clock()) + timedelta(days=7)
    while not is_working_day(day):
        day += timedelta(days=1)
    deadline = add_working_days(day, 5)
    return _at_ten(day), deadline.isoformat(), _at_ten(deadline + timedelta(days=2))


def _at_ten(day) -> str:
    return datetime.combine(day, dt_time(10, 0), tzinfo=clock.CHINA).isoformat()


EXPIRY_START, EXPIRY_DEADLINE, LATER = _expiry_days()


def test_the_deadline_passing_withdraws_the_application(tmp_path):
    anchor = time.time()
    env = {CLOCK_START_ENV: EXPIRY_START, CLOCK_ANCHOR_ENV: repr(anchor)}
    with clock.using(clock.pinned_at(datetime.fromisoformat(EXPIRY_START), anchor)), \
            LiveSystem("expiry", log_dir=tmp_path / "log", extra_env=env) as live:
        founder = live.founder()
        form = make_form()
        app_id = live.submit(founder, form, as_given=True)
        first = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers).json()
        assert first["status"] == "awaiting_confirmation" and first["confirmations"]["deadline"] == EXPIRY_DEADLINE
        # one person confirms; the other never does. Then the tracker runs nine days later.
        people = Parties(live.request)
        number, name = next((p["resident_id"], p["name"]) for p in form["shareholders"])
        assert live.request("PUT", f"{API}/confirmations/{app_id}", json={"decision": "confirm"},
                            headers=people.account(number, name)).status_code == 200
        live.system.kill("gateway", 0)
        live.system.extra_env.update({CLOCK_START_ENV: LATER, CLOCK_ANCHOR_ENV: repr(time.time())})
        live.system.start_instance("gateway", 0)

        def withdrawn():
            reply = live.request("GET", f"{API}/applications/{app_id}", headers=founder.headers)
            assert reply.status_code == 200, reply.text
            doc = reply.json()
            return doc if doc["status"] == "withdrawn" else None

        doc = live.wait_for(withdrawn, timeout=60, what="the expiry")
        assert EXPIRY_DEADLINE in doc["withdrawal"]["reason"] and "已过" in doc["withdrawal"]["reason"]
        assert doc["timeline"][-1]["type"] == "confirmation_expired"
        assert live.db("registration").cases.count_documents({"_id": app_id}) == 0
