"""Gateway unit fixtures: the real FastAPI app and service layer on a fresh MongoDB database, with a
fake RPC client standing in for the bureaus (no broker).

Starlette's TestClient hangs under the eventlet monkey-patching the root conftest applies (its anyio
portal thread is a green thread); an httpx ASGI transport on our own asyncio loop works, so `client`
is a small synchronous wrapper around that.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from contracts.rpc import NotFound
from gateway.api.app import create_app
from gateway.context import Gateway
from gateway.settings import Settings
from gateway.store import GatewayStore
from tests.factories import resident_id
from tests.support.verification import verify, watch


class FakeBureaus:
    """Records every call; answers from `handlers[(service, method)]` (a value or a callable)."""

    def __init__(self):
        self.calls: list[tuple[str, str, tuple]] = []
        self.handlers: dict[tuple[str, str], Any] = {}

    def on(self, service: str, method: str, answer: Any) -> None:
        self.handlers[(service, method)] = answer

    def call(self, service: str, method: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        self.calls.append((service, method, args))
        answer = self.handlers.get((service, method))
        if answer is None:
            raise NotFound(f"fake {service}.{method}: nothing configured")
        if isinstance(answer, BaseException):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer


class FakePublisher:
    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.fail = False

    def __call__(self, event_type: str, payload: dict) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((event_type, payload))


@pytest.fixture
def bureaus() -> FakeBureaus:
    fake = FakeBureaus()
    # every submit asks for the name check; a clean answer unless a test says otherwise
    fake.on("registration", "check_name", lambda name, *rest: {"ok": True, "name": name, "parts": None, "problems": []})
    # a corporate shareholder is registered elsewhere unless a test says otherwise (gateway/corporate_parties.py)
    fake.on("registration", "legal_representative_of", lambda uscc, founder_id: {"registered": False})
    return fake


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def gateway(mongo_db, bureaus, publisher, tmp_path) -> Gateway:
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    outbox = tmp_path / "contact-outbox.jsonl"  # the embedded sender's file: sign_up reads the code there
    watch(outbox)
    settings = Settings(gateway_public_url="http://test", gateway_max_body_bytes=64 * 1024,
                        gateway_login_max_failures=3, gateway_contact_outbox=str(outbox))
    # cheap argon2 parameters: the hashing itself is argon2-cffi's job, not what these tests check
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Gateway(settings, store, bureaus, publisher, broker_check=lambda: None, password_hasher=fast)


class ApiClient:
    """httpx-like sync calls into the ASGI app, no server, no threads of our own."""

    def __init__(self, app):
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://test")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def client(gateway) -> ApiClient:
    api = ApiClient(create_app(gateway))
    yield api
    api.close()


_seq = itertools.count(1)


@pytest.fixture
def sign_up(client) -> Callable[..., dict]:
    """Sign up a founder and log in: returns {"id", "email", "headers", "resident_id", "name"}."""

    def make(password: str = "correct-horse-9", name: str = "张伟", number: str | None = None,
             verified: bool = True) -> dict:
        """`verified`: answer the code from the outbox (False: the account cannot submit yet)."""
        # unique across processes: code_for reads every outbox, and another run may sign up "founder4" too
        email = f"founder{next(_seq)}.{uuid.uuid4().hex[:8]}@example.com"
        number = number or resident_id()
        reply = client.post("/api/v1/accounts", json={"name": name, "resident_id": number,
                                                       "email": email, "password": password})
        assert reply.status_code == 201, reply.text
        headers = login(client, email, password)
        if verified:
            verify(client.request, headers, email)
        return {"id": reply.json()["id"], "email": email, "headers": headers, "resident_id": number, "name": name}

    return make


def login(client: ApiClient, username: str, password: str) -> dict[str, str]:
    reply = client.post("/api/v1/tokens", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture
def staff(gateway, client) -> Callable[..., dict[str, str]]:
    """Create a clerk (bureau=...) or an operator and return its auth headers."""

    def make(login_name: str, bureau: str | None = None) -> dict[str, str]:
        gateway.accounts.add_staff(login_name, "staff-pass-1", bureau=bureau, operator=bureau is None)
        return login(client, login_name, "staff-pass-1")

    return make


def pdf_document(name: str) -> dict:
    return {"name": name, "filename": "licence.pdf", "content_type": "application/pdf",
            "data_base64": base64.b64encode(b"%PDF-1.4 fake").decode()}
