"""One real OneStop system for the whole e2e session: every service as its own process (kit.launcher),
on a fresh RabbitMQ vhost, fresh databases and a free port; removed afterwards."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest

from kit.cli import add_staff
from kit.launcher import DEFAULT_AMQP_URI, System, create_vhost, delete_vhost
from kit.mongo import connect
from tests.conftest import MONGO_URI

STAFF_PASSWORD = "e2e-staff-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def system():
    run = uuid.uuid4().hex[:8]
    vhost = f"e2e_{run}"
    create_vhost(vhost)
    system = System(amqp_uri=f"{DEFAULT_AMQP_URI}{vhost}", mongo_uri=MONGO_URI, db_prefix=f"e2e_{run}",
                    gateway_port=free_port())
    try:
        system.start(timeout=180)
        for login, bureau in (("reg.clerk", "registration"), ("tax.clerk", "tax"), ("seal.clerk", "seal")):
            add_staff(login, STAFF_PASSWORD, bureau=bureau, mongo_uri=MONGO_URI, db_prefix=system.db_prefix)
        yield system
    finally:
        system.stop()
        delete_vhost(vhost)
        db = connect(MONGO_URI, "admin")
        for name in system.database_names():
            db.client.drop_database(name)
        db.client.close()


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
    return log_in(http, email, "founder-pass-1")


def log_in(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    reply = http.post("/api/v1/tokens", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture
def founder(http) -> dict[str, str]:
    return sign_up_and_log_in(http)
