"""One real OneStop system for the whole e2e session: every service as its own process (kit.launcher),
on a fresh RabbitMQ vhost, fresh databases and a free port; removed afterwards."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from gateway.ops.cli import add_staff
from tests.conftest import MONGO_URI
from tests.support.live import LiveSystem
from tests.support.parties import Parties
from tests.support.verification import verify

ROOT = Path(__file__).resolve().parents[2]

STAFF_PASSWORD = "e2e-staff-pass-1"


@pytest.fixture(scope="session")
def system():
    # the webhook receiver of test_beyond listens on some 127.0.0.1 port: the operator allow-list lets
    # the tracker reach loopback here (tests/security checks that nothing inside is reachable without it)
    live = LiveSystem("e2e", log_dir=ROOT / "var" / "log" / "e2e",
                      extra_env={"GATEWAY_WEBHOOK_ALLOW": "127.0.0.1/32"}).start(timeout=180)
    try:
        for login, bureau in (("reg.clerk", "registration"), ("tax.clerk", "tax"), ("seal.clerk", "seal")):
            add_staff(login, STAFF_PASSWORD, bureau=bureau, mongo_uri=MONGO_URI, db_prefix=live.db_prefix)
        yield live.system
    finally:
        live.close()


@pytest.fixture(scope="session")
def http(system):
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        yield client


def sign_up_and_log_in(http: httpx.Client) -> dict[str, str]:
    from tests.factories import resident_id

    email = f"{uuid.uuid4().hex[:10]}@example.com"
    reply = http.post("/api/v1/accounts", json={"name": "张伟", "resident_id": resident_id(), "email": email,
                                                "password": "founder-pass-1"})
    assert reply.status_code == 201, reply.text
    headers = log_in(http, email, "founder-pass-1")
    verify(http.request, headers, email)  # the code from the embedded sender's outbox file
    return headers


def log_in(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    reply = http.post("/api/v1/tokens", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


_parties: dict[int, Parties] = {}


def confirm_everyone(http: httpx.Client, reply: httpx.Response, form: dict) -> str:
    """After a 201: every person named on the form signs up (once per resident ID) and confirms, so the
    application goes on to the bureaus (the founder's test accounts hold none of the form's numbers).
    Returns the application id."""
    assert reply.status_code == 201, reply.text
    app_id = reply.json()["id"]
    _parties.setdefault(id(http), Parties(http.request)).confirm_all(app_id, form)
    return app_id


@pytest.fixture
def founder(http) -> dict[str, str]:
    return sign_up_and_log_in(http)
