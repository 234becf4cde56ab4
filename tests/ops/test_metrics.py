"""gateway/metrics.py without a system: route-template labels, the cache, scrape errors.

(httpx's ASGI transport on our own asyncio loop: Starlette's TestClient hangs under eventlet.)
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import generate_latest

from gateway.metrics import Cached, Metrics, MetricsMiddleware


def get(app: FastAPI, *paths: str) -> list[int]:
    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return [(await client.get(p)).status_code for p in paths]

    return asyncio.new_event_loop().run_until_complete(run())


class BrokenStore:
    @property
    def applications(self):
        raise ConnectionError("database down")


def test_requests_are_labelled_by_route_template_never_by_raw_path(tmp_path):
    (tmp_path / "a.css").write_text("x")
    app = FastAPI()
    gateway = SimpleNamespace(store=BrokenStore(), settings=SimpleNamespace(
        amqp_uri="pyamqp://guest:guest@127.0.0.1:9/x", onestop_db_prefix="none"))
    metrics = Metrics(lambda: gateway, cache_seconds=60)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/api/v1/applications/{application_id}")
    def one(application_id: str) -> dict:
        return {"id": application_id}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("bug")

    app.mount("/static", StaticFiles(directory=str(tmp_path)))
    codes = get(app, "/api/v1/applications/APP-SECRET-1", "/api/v1/applications/APP-SECRET-2",
                "/static/a.css", "/nowhere/APP-SECRET-3")
    assert codes == [200, 200, 200, 404]
    try:
        get(app, "/boom")
    except RuntimeError:
        pass  # the app re-raises to the transport; the middleware still counted a 500
    text = generate_latest(metrics.registry).decode()
    assert 'onestop_http_requests_total{method="GET",route="/api/v1/applications/{application_id}",' \
           'status="200"} 2.0' in text
    assert 'route="/static/{path}",status="200"} 1.0' in text
    assert 'route="<unmatched>",status="404"} 1.0' in text
    assert 'route="/boom",status="500"} 1.0' in text
    assert "APP-SECRET" not in text
    assert 'onestop_http_request_duration_seconds_count{method="GET",route="/api/v1/applications/' \
           '{application_id}"} 2.0' in text
    # unreachable sources: reported, not raised (a scrape never fails as a whole)
    for source in ("rabbitmq", "applications"):
        assert f'onestop_scrape_error{{source="{source}"}} 1.0' in text


def test_cached_loads_once_per_interval_and_caches_failures_too():
    calls = []

    def load():
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("down")
        return len(calls)

    cached = Cached(load, seconds=0.2)
    assert cached.value() == 1 and cached.value() == 1 and len(calls) == 1
    time.sleep(0.25)
    for _ in range(2):
        try:
            cached.value()
            raise AssertionError("expected the cached failure")
        except ConnectionError:
            pass
    assert len(calls) == 2
    time.sleep(0.25)
    assert cached.value() == 3
