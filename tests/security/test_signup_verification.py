"""Issue 20 (medium), sign-up: an account's email or mobile answers a code before it may submit or
confirm; the embedded sender sends nothing and says so; codes are hashed at rest, die after 5 wrong
answers and cannot be re-sent at will. Against the running system (the code read from its outbox file,
as an operator would). Before this, a sign-up could submit at once (the 403 below was a 201)."""

from __future__ import annotations

import json
import uuid

from gateway.contact_verification import UNVERIFIED
from tests.factories import make_form, resident_id
from tests.support.live import PASSWORD
from tests.support.parties import founder_only
from tests.support.verification import code_for, outboxes

API = "/api/v1"


def test_an_unverified_sign_up_cannot_submit_until_it_answers_the_code(world):
    live = world.live
    where = {"X-Forwarded-For": f"10.55.{uuid.uuid4().int % 250}.1"}
    email, number = f"v{uuid.uuid4().hex[:8]}@example.com", resident_id()
    created = live.request("POST", f"{API}/accounts", headers=where, json={
        "name": "孙丽", "resident_id": number, "email": email, "password": PASSWORD})
    assert created.status_code == 201 and created.json()["contact_verified"] is False, created.text
    headers = {"Authorization": f"Bearer {live.token(email, PASSWORD, where)}", **where}
    form = founder_only(make_form(), number, "孙丽")
    refused = live.request("POST", f"{API}/applications", json=form, headers=headers)
    assert refused.status_code == 403 and refused.json()["message"] == UNVERIFIED

    code = code_for(email)
    lines = [json.loads(raw) for path in outboxes() if path.exists()
             for raw in path.read_text().splitlines() if json.loads(raw)["to"] == email]
    assert lines and all("NOT SENT" in line["note"] for line in lines)
    stored = live.db("gateway")["contact_codes"].find_one({"_id": created.json()["id"]})
    assert code not in json.dumps(stored, default=str)  # hashed at rest
    again = live.request("POST", f"{API}/me/verification-code", headers=headers)
    assert again.status_code == 429  # no resend within the minute

    for _ in range(5):
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        assert live.request("POST", f"{API}/me/verification", json={"code": wrong}, headers=headers).status_code == 422
    dead = live.request("POST", f"{API}/me/verification", json={"code": code}, headers=headers)
    assert dead.status_code == 422 and "已作废" in dead.json()["message"]  # a guesser gets 5 tries, not 10^6
    assert live.request("POST", f"{API}/applications", json=form, headers=headers).status_code == 403
