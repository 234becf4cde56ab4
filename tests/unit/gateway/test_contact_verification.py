"""Issue 20, sign-up: the email or mobile answers a code before the account may submit or confirm
(gateway/contact_verification.py). Codes come from the embedded sender's outbox file, as a founder's
mail or SMS would bring them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from contracts import clock
from gateway.contact_verification import MAX_ATTEMPTS, SENDS_PER_HOUR, UNVERIFIED
from tests.factories import make_form
from tests.support.parties import founder_only
from tests.support.verification import code_for

API = "/api/v1"


def own(founder: dict) -> dict:
    return founder_only(make_form(), founder["resident_id"], founder["name"])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_an_unverified_account_logs_in_and_keeps_drafts_but_may_not_submit(client, sign_up):
    founder = sign_up(verified=False)
    me = client.get(f"{API}/me", headers=founder["headers"]).json()
    assert me["contact_verified"] is False
    draft = {"draft_id": "draft0001", "saved_at": 1, "step": 0, "fields": [["name.trade_name", "丰春渡焱"]]}
    assert client.put(f"{API}/drafts", json=draft, headers=founder["headers"]).status_code == 200
    refused = client.post(f"{API}/applications", json=own(founder), headers=founder["headers"])
    assert refused.status_code == 403 and refused.json()["message"] == UNVERIFIED
    client.post(f"{API}/me/verification", json={"code": code_for(founder["email"])}, headers=founder["headers"])
    assert client.get(f"{API}/me", headers=founder["headers"]).json()["contact_verified"] is True
    assert client.post(f"{API}/applications", json=own(founder), headers=founder["headers"]).status_code == 201


def test_the_outbox_says_it_sends_nothing_and_the_database_holds_no_code(client, sign_up, gateway):
    founder = sign_up(verified=False)
    code = code_for(founder["email"])
    [line] = [json.loads(raw) for raw in Path(gateway.settings.contact_outbox).read_text().splitlines()
              if json.loads(raw)["to"] == founder["email"]]
    assert "NOT SENT" in line["note"] and code in line["text"]
    stored = gateway.store.db["contact_codes"].find_one({"_id": founder["id"]})
    assert code not in json.dumps(stored, default=str) and len(stored["hash"]) == 64  # HMAC-SHA256, salted


def test_wrong_answers_are_counted_and_the_code_dies_after_the_limit(client, sign_up):
    founder = sign_up(verified=False)
    code = code_for(founder["email"])
    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        reply = client.post(f"{API}/me/verification", json={"code": wrong(code)}, headers=founder["headers"])
        assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "code"
        assert (f"还可尝试{left}次" if left else "请重新获取") in reply.json()["message"]
    dead = client.post(f"{API}/me/verification", json={"code": code}, headers=founder["headers"])
    assert dead.status_code == 422 and "已作废" in dead.json()["message"]  # even the right one: ask again


def test_a_code_expires(client, sign_up):
    founder = sign_up(verified=False)
    code = code_for(founder["email"])
    with clock.using(clock.fixed_at(clock.now() + timedelta(minutes=11))):
        reply = client.post(f"{API}/me/verification", json={"code": code}, headers=founder["headers"])
    assert reply.status_code == 422 and "已过期" in reply.json()["message"]


def test_resending_is_limited_and_only_the_newest_code_counts(client, sign_up):
    founder = sign_up(verified=False)
    first = code_for(founder["email"])
    soon = client.post(f"{API}/me/verification-code", headers=founder["headers"])
    assert soon.status_code == 429 and "秒后再试" in soon.json()["message"]
    start = clock.now()
    for i in range(1, SENDS_PER_HOUR):  # the sign-up's code was the first of the hour
        with clock.using(clock.fixed_at(start + timedelta(minutes=2 * i))):
            sent = client.post(f"{API}/me/verification-code", headers=founder["headers"])
            assert sent.status_code == 202 and sent.json()["sender"] == "outbox_file", sent.text
    with clock.using(clock.fixed_at(start + timedelta(minutes=2 * SENDS_PER_HOUR))):
        assert client.post(f"{API}/me/verification-code", headers=founder["headers"]).status_code == 429
        newest = code_for(founder["email"])
        if newest != first:
            stale = client.post(f"{API}/me/verification", json={"code": first}, headers=founder["headers"])
            assert stale.status_code == 422
        ok = client.post(f"{API}/me/verification", json={"code": newest}, headers=founder["headers"])
        assert ok.status_code == 200 and ok.json()["contact_verified"] is True


def test_an_unverified_person_named_on_a_form_cannot_confirm(client, sign_up):
    founder = sign_up()
    other = sign_up(name="李娜", verified=False)
    form = own(founder)
    form["manager"] = {**form["manager"], "name": other["name"], "resident_id": other["resident_id"]}
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    app_id = reply.json()["id"]
    refused = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=other["headers"])
    assert refused.status_code == 403 and refused.json()["message"] == UNVERIFIED
    client.post(f"{API}/me/verification", json={"code": code_for(other["email"])}, headers=other["headers"])
    agreed = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=other["headers"])
    assert agreed.status_code == 200, agreed.text
