"""Per-founder limits (issue 20, Medium): submissions, document downloads and name checks are counted
per founder and rolling hour (gateway/quotas.py); past the allowance the answer is a 429 with a
Chinese message, never a 5xx, and another founder is not affected. The real app and service layer on
a fresh database with fake bureaus (tests/unit/gateway/conftest.py), so no test waits for a bureau.
On main none of these limits existed: every request below the last one was answered."""

from __future__ import annotations

import uuid

import pytest
from argon2 import PasswordHasher

from gateway.context import Gateway
from gateway.recording import record
from gateway.settings import Settings
from gateway.store import GatewayStore
from tests.unit.gateway.conftest import bureaus, client, pdf_document, publisher, sign_up  # noqa: F401
from tests.unit.gateway.test_api import licence_payload, own

API = "/api/v1"
LIMITS = {"submissions": 2, "downloads": 3, "name_checks": 4}


@pytest.fixture
def gateway(mongo_db, bureaus, publisher) -> Gateway:  # noqa: F811 - the unit fixtures, with low limits
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    settings = Settings(gateway_public_url="http://test", gateway_max_body_bytes=64 * 1024,
                        **{f"gateway_{kind}_per_founder_per_hour": n for kind, n in LIMITS.items()})
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Gateway(settings, store, bureaus, publisher, broker_check=lambda: None, password_hasher=fast)


def _too_many(reply) -> None:
    assert reply.status_code == 429, reply.text
    body = reply.json()
    assert body["code"] == "TOO_MANY_REQUESTS" and "频繁" in body["message"]


def test_submissions_per_founder(client, sign_up):  # noqa: F811
    alice, bob = sign_up(), sign_up(name="李娜")
    def submit(who: dict, key: str, form: dict | None = None):
        return client.post(f"{API}/applications", json=form or own(who),
                           headers={**who["headers"], "Idempotency-Key": key})

    first = own(alice)
    assert submit(alice, "first", first).status_code == 201
    for _ in range(LIMITS["submissions"] - 1):
        assert submit(alice, uuid.uuid4().hex).status_code == 201
    replay = submit(alice, "first", first)  # a retry is the same application, not a new one
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    _too_many(submit(alice, uuid.uuid4().hex))
    assert submit(bob, uuid.uuid4().hex).status_code == 201  # another founder's allowance is their own


def test_downloads_per_founder(client, sign_up, bureaus, gateway):  # noqa: F811
    founder = sign_up()
    app_id = client.post(f"{API}/applications", json=own(founder), headers=founder["headers"]).json()["id"]
    record(gateway.store, "registration", licence_payload(app_id))
    bureaus.on("registration", "get_document", lambda a, n: pdf_document(n))
    url = f"{API}/applications/{app_id}/documents/registration.licence"
    for _ in range(LIMITS["downloads"]):
        assert client.get(url, headers=founder["headers"]).status_code == 200
    calls = len(bureaus.calls)
    _too_many(client.get(url, headers=founder["headers"]))
    assert len(bureaus.calls) == calls  # refused before the bureau renders anything


def test_name_checks_per_founder(client, sign_up, bureaus):  # noqa: F811
    alice, bob = sign_up(), sign_up(name="李娜")
    body = {"name": "武汉星河科技有限公司"}
    for _ in range(LIMITS["name_checks"]):
        assert client.post(f"{API}/name-checks", json=body, headers=alice["headers"]).status_code == 200
    _too_many(client.post(f"{API}/name-checks", json=body, headers=alice["headers"]))
    assert client.post(f"{API}/name-checks", json=body, headers=bob["headers"]).status_code == 200


def test_a_retry_of_a_stored_submit_costs_no_allowance(client, sign_up, gateway):  # noqa: F811
    """Issue 23: the idempotency key is no longer read before the insert; a valid retry is found by the
    insert and gives its use back, so retries (a flaky network) never lock a founder out."""
    alice = sign_up()
    form = own(alice)
    headers = {**alice["headers"], "Idempotency-Key": "again"}
    assert client.post(f"{API}/applications", json=form, headers=headers).status_code == 201
    for _ in range(LIMITS["submissions"] + 1):
        replay = client.post(f"{API}/applications", json=form, headers=headers)
        assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    for _ in range(LIMITS["submissions"] - 1):  # the allowance left is the limit less the one stored
        assert client.post(f"{API}/applications", json=own(alice), headers=alice["headers"]).status_code == 201
    _too_many(client.post(f"{API}/applications", json=own(alice), headers=alice["headers"]))
    again = client.post(f"{API}/applications", json=form, headers=headers)  # over the limit: still the same one
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
