"""Sessions and passwords over real HTTP: common passwords refused, spaces never stripped silently,
password change and "log out everywhere" revoke every token, an operator can disable a staff
account at once, and behind an https ingress the answers carry HSTS and the session cookie is Secure."""

from __future__ import annotations

import uuid

import httpx
import pytest

from gateway.ops.cli import disable_account
from tests.factories import resident_id
from tests.security.conftest import SIGNUPS_PER_ADDRESS
from tests.support.live import PASSWORD

pytestmark = pytest.mark.e2e

API = "/api/v1"


def _sign_up(live, password: str, where: dict) -> object:
    body = {"name": "刘洋", "resident_id": resident_id(), "email": f"{abs(hash(password)) % 10**9}@example.com",
            "password": password}
    return live.request("POST", f"{API}/accounts", json=body, headers=where)


@pytest.mark.parametrize("password", ["password1", "qwerty123", "1qaz2wsx", "Password123", "iloveyou1"])
def test_common_passwords_are_refused(world, password):
    response = _sign_up(world.live, password, {"X-Forwarded-For": "10.99.0.1"})
    assert response.status_code == 422, (password, response.status_code)
    assert [e["field"] for e in response.json()["errors"]] == ["password"]


def test_spaces_around_a_password_are_refused_not_stripped(world):
    response = _sign_up(world.live, f" {PASSWORD} ", {"X-Forwarded-For": "10.99.0.2"})
    assert response.status_code == 422, response.text[:300]
    assert [e["field"] for e in response.json()["errors"]] == ["password"]
    inside = _sign_up(world.live, "two words 4 me", {"X-Forwarded-For": "10.99.0.2"})
    assert inside.status_code == 201, inside.text[:300]  # a space inside is part of the password


def _status(live, token: str) -> int:
    return live.request("GET", f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_changing_the_password_ends_every_other_session(world):
    live = world.live
    founder, where = world.newcomer("孙丽")
    other = live.token(founder.login, founder.password, where)
    url = f"{API}/me/password"
    wrong = live.request("PUT", url, json={"current_password": "not-it-123", "new_password": "Brand-new-pass-2"},
                         headers={**founder.headers, **where})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    common = live.request("PUT", url, json={"current_password": founder.password, "new_password": "password1"},
                          headers={**founder.headers, **where})
    assert common.status_code == 422 and common.json()["errors"][0]["field"] == "new_password"
    changed = live.request("PUT", url, json={"current_password": founder.password, "new_password": "Brand-new-pass-2"},
                           headers={**founder.headers, **where})
    assert changed.status_code == 200, changed.text
    assert _status(live, founder.token) == 401 and _status(live, other) == 401
    assert _status(live, changed.json()["access_token"]) == 200
    old = live.request("POST", f"{API}/tokens", data={"username": founder.login, "password": founder.password},
                       headers=where)
    assert old.status_code == 401
    assert live.token(founder.login, "Brand-new-pass-2", where)


def test_log_out_everywhere_revokes_every_token(world):
    live = world.live
    founder, where = world.newcomer("钱进")
    tokens = [founder.token, live.token(founder.login, founder.password, where)]
    assert all(_status(live, t) == 200 for t in tokens)
    response = live.request("DELETE", f"{API}/tokens", headers=founder.headers)
    assert response.status_code == 204
    assert [_status(live, t) for t in tokens] == [401, 401]


def test_an_operator_disables_a_staff_account_at_once_and_can_enable_it_again(world):
    live = world.live
    where = {"X-Forwarded-For": "10.99.0.9"}
    live.staff("leaving.clerk", PASSWORD, bureau="tax")
    token = live.token("leaving.clerk", PASSWORD, where)
    assert _status(live, token) == 200
    disable_account("leaving.clerk", mongo_uri=live.mongo_uri, db_prefix=live.db_prefix)
    # the web process trusts a resolved token for at most PRINCIPAL_SECONDS (5 s): wait that long at most
    live.wait_for(lambda: _status(live, token) == 401, timeout=15, what="the token to be refused")
    refused = live.request("POST", f"{API}/tokens", data={"username": "leaving.clerk", "password": PASSWORD},
                           headers=where)
    assert refused.status_code == 401 and "停用" in refused.json()["message"]
    disable_account("leaving.clerk", disabled=False, mongo_uri=live.mongo_uri, db_prefix=live.db_prefix)
    assert live.token("leaving.clerk", PASSWORD, where)


def test_behind_an_https_ingress_answers_carry_hsts_and_the_cookie_is_secure(world):
    # the gateway trusts X-Forwarded-Proto from FORWARDED_ALLOW_IPS (here: uvicorn's default, 127.0.0.1);
    # fresh clients each time: no session cookie yet, so the answer sets one
    with httpx.Client(base_url=world.live.url, timeout=30) as client:
        secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers.get("strict-transport-security", "").startswith("max-age=31536000")
    cookie = secure.headers.get("set-cookie", "")
    assert cookie and "secure" in cookie.lower() and "httponly" in cookie.lower(), cookie
    with httpx.Client(base_url=world.live.url, timeout=30) as client:
        plain = client.get("/login")
    assert plain.headers.get("set-cookie")
    assert "strict-transport-security" not in plain.headers
    assert "secure" not in plain.headers.get("set-cookie", "").lower()


def _person(i: int) -> dict:
    return {"name": "吴敏", "resident_id": resident_id(), "email": f"rate{i}.{uuid.uuid4().hex[:6]}@example.com",
            "password": PASSWORD}


def test_sign_ups_are_limited_per_address(world):
    live = world.live
    where = {"X-Forwarded-For": "10.98.0.1"}
    for i in range(SIGNUPS_PER_ADDRESS):
        assert live.request("POST", f"{API}/accounts", json=_person(i), headers=where).status_code == 201, i
    refused = live.request("POST", f"{API}/accounts", json=_person(99), headers=where)
    assert refused.status_code == 429 and refused.json()["code"] == "TOO_MANY_REQUESTS"
    elsewhere = live.request("POST", f"{API}/accounts", json=_person(100), headers={"X-Forwarded-For": "10.98.0.2"})
    assert elsewhere.status_code == 201


def test_sign_ups_are_limited_in_all_whatever_the_addresses(mongo_db):
    from argon2 import PasswordHasher

    from contracts.rpc import OneStopError
    from gateway.auth import AccountService, SignUp
    from gateway.store import GatewayStore

    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    accounts = AccountService(store, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                              signup_limits=(2, 5))
    for i in range(5):
        accounts.sign_up(SignUp(**_person(i)), client=f"198.51.100.{i}")
    with pytest.raises(OneStopError) as refused:
        accounts.sign_up(SignUp(**_person(9)), client="198.51.100.200")
    assert refused.value.status == 429
    assert store.accounts.count_documents({}) == 5
