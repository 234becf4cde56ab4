"""The gateway's RPC pool tells the bureau whom a call is made for (kit/callers.py): the logged-in
principal of the request that makes it, and nothing for an anonymous request, even when the pooled
proxy served a logged-in founder just before."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from gateway.api.app import create_app
from gateway.context import Gateway
from gateway.rpc import RpcPool
from gateway.settings import Settings
from gateway.store import GatewayStore
from kit.callers import PRINCIPAL
from tests.factories import resident_id
from tests.unit.gateway.conftest import ApiClient, FakePublisher, login

API = "/api/v1"


class Runner:
    """Stands in for IdentifiedClusterRpcProxy: `context_data` goes into the call's headers."""

    seen: list[tuple[str, str | None]] = []

    def __init__(self, config, timeout):
        self.context_data: dict = {}

    def start(self):
        return self

    def stop(self):
        pass

    def __getattr__(self, service):
        runner = self

        class Service:
            def __getattr__(self, method):
                def call(*args, **kwargs):
                    Runner.seen.append((f"{service}.{method}", runner.context_data.get(PRINCIPAL)))
                    if method == "check_name":
                        return {"ok": True, "name": args[0], "parts": None, "problems": []}
                    return {"service": service, "status": "ok"}
                return call
        return Service()


@pytest.fixture
def client(mongo_db):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    pool = RpcPool({}, timeout=5, size=1, factory=Runner)  # one proxy: every call reuses it
    gateway = Gateway(Settings(gateway_public_url="http://test"), store, pool, FakePublisher(),
                      broker_check=lambda: None, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                                                parallelism=1))
    api = ApiClient(create_app(gateway))
    Runner.seen = []
    yield api
    api.close()


def test_a_founders_call_carries_their_principal_and_an_anonymous_one_none(client):
    reply = client.post(f"{API}/accounts", json={"name": "张伟", "resident_id": resident_id(),
                                                 "email": "zhang@example.com", "password": "correct-horse-9"})
    assert reply.status_code == 201, reply.text
    account = reply.json()["id"]
    headers = login(client, "zhang@example.com", "correct-horse-9")
    assert client.post(f"{API}/name-checks", json={"name": "武汉星河科技有限公司"}, headers=headers).status_code == 200
    client.get("/healthz")  # no login: every service's health, on the same pooled proxy
    assert Runner.seen[0] == ("registration.check_name", f"founder:{account}")
    assert Runner.seen[-1][1] is None, Runner.seen
