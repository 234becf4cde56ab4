"""Prometheus metrics of one gateway web process (served at /metrics in the text format).

- `onestop_http_requests_total{method,route,status}` and `onestop_http_request_duration_seconds`
  (histogram): an ASGI middleware labels each request with its ROUTE TEMPLATE
  (`/api/v1/applications/{application_id}`), never the raw path, so ids never become label values;
  a path no route matches is `<unmatched>`; a method outside the HTTP methods the API uses is
  `<other>` and a status outside 100-599 `<invalid>`, so no client can create series at will.
- Gauges computed when scraped, each source cached for a few seconds so several scrapers (or a
  short scrape interval) cost one query per interval:
  `onestop_rabbitmq_queue_messages{queue,kind}` / `..._consumers{queue}` (management API),
  `onestop_applications{state}`, `onestop_clerk_queue{bureau}`, `onestop_clerk_queue_overdue{bureau}`,
  `onestop_sla_breaches{bureau}` (open steps past their working-day deadline; one aggregation of the
  gateway's database, gateway.ops.status.overview), `onestop_outbox_pending{database,collection}`;
  `onestop_scrape_error{source}` is 1 when a source could not be read (its gauges are then absent).

Counters are per process, which is what Prometheus expects of several replicas: it scrapes each
one and `sum()` adds them up. The gauges read shared state, so every replica reports the same value:
aggregate them with `max()`, not `sum()`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.ops import status as ops

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
UNMATCHED = "<unmatched>"
OTHER = "<other>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Cached:
    """`value()` calls `load()` at most once per `seconds`; a failure is cached too (as the exception)."""

    def __init__(self, load: Callable[[], Any], seconds: float = CACHE_SECONDS):
        self.load, self.seconds = load, seconds
        self._at, self._value, self._error = -1e9, None, None
        self._lock = threading.Lock()

    def value(self) -> Any:
        with self._lock:
            if time.monotonic() - self._at >= self.seconds:
                try:
                    self._value, self._error = self.load(), None
                except Exception as exc:  # reported as onestop_scrape_error, logged once per interval
                    log.warning("metrics source failed: %s: %s", type(exc).__name__, exc)
                    self._value, self._error = None, exc
                self._at = time.monotonic()
            if self._error is not None:
                raise self._error
            return self._value


class SystemCollector(Collector):
    """Gauges read from the broker and the databases when Prometheus scrapes."""

    def __init__(self, gateway: Callable[[], Any], cache_seconds: float = CACHE_SECONDS):
        self._gateway = gateway  # the app's Gateway (made at start-up, so looked up lazily)
        self.queues = Cached(self._queues, cache_seconds)
        self.overview = Cached(self._overview, cache_seconds)
        self.outbox = Cached(self._outbox, cache_seconds)

    def _queues(self) -> list[dict]:
        amqp = self._gateway().settings.amqp_uri
        management = os.environ.get(ops.MANAGEMENT_URI_ENV) or ops.management_uri_for(amqp)
        return ops.rabbit_queues(management, ops.vhost_of(amqp), timeout=3)

    def _overview(self) -> dict:
        return ops.overview(self._gateway().store.applications)

    def _outbox(self) -> list[dict]:
        gateway = self._gateway()
        return ops.outbox_backlog(gateway.store.db.client, gateway.settings.onestop_db_prefix)

    def describe(self):
        return []  # collected on scrape only: registering must not query anything

    def collect(self):
        errors = GaugeMetricFamily("onestop_scrape_error", "1 when a metrics source could not be read",
                                   labels=["source"])
        for source, build in (("rabbitmq", self._queue_metrics), ("applications", self._app_metrics),
                              ("outbox", self._outbox_metrics)):
            try:
                families = build()
            except Exception:
                errors.add_metric([source], 1)
                continue
            errors.add_metric([source], 0)
            yield from families
        yield errors

    def _queue_metrics(self):
        messages = GaugeMetricFamily("onestop_rabbitmq_queue_messages",
                                     "Messages in a RabbitMQ queue (kind: ready or unacked)",
                                     labels=["queue", "kind"])
        consumers = GaugeMetricFamily("onestop_rabbitmq_queue_consumers", "Consumers of a RabbitMQ queue",
                                      labels=["queue"])
        for q in self.queues.value():
            messages.add_metric([q["queue"], "ready"], q["ready"])
            messages.add_metric([q["queue"], "unacked"], q["unacked"])
            consumers.add_metric([q["queue"]], q["consumers"])
        return [messages, consumers]

    def _app_metrics(self):
        view = self.overview.value()
        states = GaugeMetricFamily("onestop_applications", "Applications by state", labels=["state"])
        for state, n in view["states"].items():
            states.add_metric([state], n)
        waiting = GaugeMetricFamily("onestop_clerk_queue", "Steps waiting for a bureau's clerk", labels=["bureau"])
        late = GaugeMetricFamily("onestop_clerk_queue_overdue", "Clerk steps past their deadline", labels=["bureau"])
        breaches = GaugeMetricFamily("onestop_sla_breaches",
                                     "Open steps past their working-day deadline (Beijing date)", labels=["bureau"])
        for bureau, q in view["queues"].items():
            waiting.add_metric([bureau], q["waiting"])
            late.add_metric([bureau], q["overdue"])
            breaches.add_metric([bureau], q["overdue_steps"])
        return [states, waiting, late, breaches]

    def _outbox_metrics(self):
        pending = GaugeMetricFamily("onestop_outbox_pending", "Outbox entries not yet published",
                                    labels=["database", "collection"])
        rows = self.outbox.value()
        if any(r.get("error") for r in rows):
            raise RuntimeError("an outbox database is not readable")
        for r in rows:
            pending.add_metric([r["database"], r["collection"]], r["pending"])
        return [pending]


class Metrics:
    """One registry per app (so tests may build several apps in one process)."""

    def __init__(self, gateway: Callable[[], Any], cache_seconds: float = CACHE_SECONDS):
        self.registry = CollectorRegistry()
        self.requests = Counter("onestop_http_requests", "HTTP requests by route template, method and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("onestop_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.system = SystemCollector(gateway, cache_seconds)
        self.registry.register(self.system)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else OTHER
        self.requests.labels(method, route, str(status) if 100 <= status <= 599 else "<invalid>").inc()
        self.latency.labels(method, route).observe(seconds)


def route_template(scope: dict, root_path: str = "") -> str:
    """The matched route's template; a mounted app (static files) is `<mount path>/{path}` (FastAPI sets
    no `route` for mounts, only a longer `root_path`); `<unmatched>` when nothing matched."""
    route = scope.get("route")
    if route is not None and getattr(route, "path_format", None):
        return route.path_format
    mounted = scope.get("root_path", "")
    if scope.get("endpoint") is not None and len(mounted) > len(root_path):
        return mounted[len(root_path):] + "/{path}"
    return UNMATCHED


class MetricsMiddleware:
    """Pure ASGI: times every HTTP request and counts it under its route template."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, root_path = 500, scope.get("root_path", "")

        async def record_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.observe(scope["method"], route_template(scope, root_path), status, time.perf_counter() - started)
