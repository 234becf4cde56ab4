"""Nameko service `gateway`: every bureau event into its application's timeline, exactly once, and
the relay of the gateway's own outbox (events the web process stored but could not publish).

    nameko run --config gateway/config.yml gateway.tracker
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from contracts.events import EVENT_SOURCES, event_type, parse_event
from contracts.rpc import OneStopError
from gateway import confirmations, deadlines, webhooks
from gateway.egress import Egress
from gateway.recording import RecentApplications, append, prime
from gateway.store import GatewayStore
from kit.events import durable_handler
from kit.mongo import MongoStore, health_view
from kit.outbox import relay
from kit.queues import rpc
from kit.startup import configure_from_env

log = logging.getLogger(__name__)

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs

RELAY_INTERVAL = 2  # seconds
BATCH_WINDOW = 0.15  # seconds: bench.trips at 4/s: 9 timeline updates per application at 0, 3.2 at 0.05, 1.2 at 0.15
CALENDAR_CHECK_INTERVAL = 10  # seconds
CONFIRMATION_CHECK_INTERVAL = 5  # seconds: how late after its deadline an unconfirmed application is withdrawn; a loaded notice is seen within contracts.calendar.RECHECK_SECONDS


class Recent(DependencyProvider):
    """One `RecentApplications` per running service: its workers share it. TRACKER_BATCH_SECONDS is
    how long the first event of an application waits for the rest of its burst (gateway.recording.Batches):
    one timeline update for all of them instead of one each, for that much more tracker lag."""

    def setup(self) -> None:
        window = float(self.container.config.get("TRACKER_BATCH_SECONDS", BATCH_WINDOW))
        self.recent = RecentApplications(window=window)

    def get_dependency(self, worker_ctx) -> RecentApplications:
        return self.recent


class WebhookEgress(DependencyProvider):
    """Where webhooks may go: public addresses, plus the operator's WEBHOOK_ALLOW (gateway/egress.py)."""

    def setup(self) -> None:
        self.egress = Egress.from_setting(self.container.config.get("WEBHOOK_ALLOW"))

    def get_dependency(self, worker_ctx) -> Egress:
        return self.egress


class Watch(DependencyProvider):
    """One CalendarWatch per running service."""

    def setup(self) -> None:
        self.watch = deadlines.CalendarWatch()

    def get_dependency(self, worker_ctx) -> deadlines.CalendarWatch:
        return self.watch


class GatewayTracker:
    name = "gateway"
    store = MongoStore(GatewayStore)
    recent = Recent()
    egress = WebhookEgress()
    calendar = Watch()
    dispatch = EventDispatcher()

    def _on_event(self, source: str, payload: dict) -> None:
        event = parse_event(source, payload)  # unreadable: durable_handler logs and drops it
        data = event.model_dump(mode="json")
        doc = append(self.store, source, data, self.recent)  # with its data-sharing receipt
        # an idempotent side effect, re-run safely on a redelivery
        webhooks.after_event(self.store, data["application_id"], self.egress,
                             founder_id=doc["founder_id"] if doc else None)

    @durable_handler("gateway", "application_submitted")
    def on_gateway_application_submitted(self, payload: dict) -> None:
        prime(self.recent, payload)  # recorded by the web process; cached here so the first answer reads nothing

    @timer(interval=RELAY_INTERVAL)
    def send_webhooks(self) -> None:
        webhooks.tick(self.store, self.egress)  # events recorded elsewhere, and retries that are due

    @timer(interval=RELAY_INTERVAL)
    def relay_outbox(self) -> None:
        relay(self.store.applications, self.dispatch)

    @timer(interval=CALENDAR_CHECK_INTERVAL)
    def recompute_deadlines(self) -> None:
        if self.calendar.changed():  # at start-up too: a restart may bring a newer chinesecalendar
            deadlines.recompute_open_deadlines(self.store)

    @timer(interval=CONFIRMATION_CHECK_INTERVAL)
    def expire_confirmations(self) -> None:
        confirmations.expire_due(self.store)  # on contracts.clock: a pinned process clock moves it too

    @rpc(expected_exceptions=OneStopError, public=True)
    def health(self) -> dict:  # the bureaus' answer (kit.mongo.health_view): degraded, never raised
        return health_view(self.name, self.store.ping)


def _handler(source: str, kind: str):
    # a database outage or write contention redelivers the event instead of losing it
    def handle(self, payload: dict) -> None:
        self._on_event(source, payload)

    handle.__name__ = handle.__qualname__ = f"on_{source}_{kind}"
    return durable_handler(source, kind)(handle)


# one handler per (source, event type) every bureau emits: nameko binds one handler to one pair
for _source, _classes in EVENT_SOURCES.items():
    if _source == GatewayTracker.name:
        continue
    for _cls in _classes:
        _name = f"on_{_source}_{event_type(_cls)}"
        setattr(GatewayTracker, _name, _handler(_source, event_type(_cls)))
