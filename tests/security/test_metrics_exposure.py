"""/metrics is never public by default and its label values are bounded: a client cannot read the
queues and backlogs of the running system, nor create time series by inventing methods."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import generate_latest

from gateway.metrics import Metrics, MetricsMiddleware

pytestmark = pytest.mark.e2e


def test_metrics_are_off_without_a_token(world):
    live = world.live
    for headers in ({}, world.alice.headers, world.staff_headers("ops.admin"), {"Authorization": "Bearer x"}):
        response = live.request("GET", "/metrics", headers=headers)
        assert response.status_code == 404, (headers.keys(), response.status_code)
        assert "onestop_" not in response.text


def test_invented_methods_do_not_become_label_values():
    app = FastAPI()
    metrics = Metrics(lambda: None, cache_seconds=60)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/x")
    def x() -> dict:
        return {}

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for i in range(50):
                await client.request(f"PROBE{i}", "/x")
            await client.get("/x")

    asyncio.new_event_loop().run_until_complete(run())
    text = generate_latest(metrics.registry).decode()
    methods = {line.split('method="')[1].split('"')[0] for line in text.splitlines()
               if line.startswith("onestop_http_requests_total{")}
    assert methods == {"GET", "<other>"}, methods


def test_with_a_token_only_its_bearer_reads_them(mongo_db):
    from argon2 import PasswordHasher

    from gateway.api.app import create_app
    from gateway.context import Gateway
    from gateway.settings import Settings
    from gateway.store import GatewayStore

    settings = Settings(gateway_metrics_token="t0k3n-for-prometheus-0123456789")
    gateway = Gateway(settings, GatewayStore(mongo_db), bureaus=None, publish=None, broker_check=lambda: None,
                      password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    app = create_app(gateway)

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.get("/metrics", headers=h) for h in (
                {}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {settings.gateway_metrics_token}"})]

    missing, wrong, right = asyncio.new_event_loop().run_until_complete(run())
    assert missing.status_code == wrong.status_code == 401 and "onestop_" not in wrong.text
    assert right.status_code == 200 and "onestop_http_requests_total" in right.text
