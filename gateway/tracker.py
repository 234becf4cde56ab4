"""Nameko service `gateway`: every bureau event into its application's timeline, exactly once, and
the relay of the gateway's own outbox (events the web process stored but could not publish).

    nameko run --config gateway/config.yml gateway.tracker
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc
from nameko.timer import timer
from pydantic import ValidationError

from contracts.events import EVENT_SOURCES, event_type, parse_event
from contracts.rpc import OneStopError
from gateway.store import GatewayStore
from gateway.tracking import record
from kit.mongo import MongoStore
from kit.outbox import relay

log = logging.getLogger(__name__)

RELAY_INTERVAL = 2  # seconds


class GatewayTracker:
    name = "gateway"
    store = MongoStore(GatewayStore)
    dispatch = EventDispatcher()

    def _on_event(self, source: str, payload: dict) -> None:
        try:
            event = parse_event(source, payload)
        except (ValueError, ValidationError):
            # a malformed event can never succeed: log it and let it go rather than loop on it
            log.exception("unreadable %s event dropped", source, extra={"event_id": payload.get("event_id")})
            return
        record(self.store, source, event.model_dump(mode="json"))

    @timer(interval=RELAY_INTERVAL)
    def relay_outbox(self) -> None:
        relay(self.store.applications, self.dispatch)

    @rpc(expected_exceptions=OneStopError)
    def health(self) -> dict:
        self.store.ping()
        return {"service": self.name, "status": "ok", "database": "ok"}


def _handler(source: str, kind: str):
    # requeue_on_error: a database outage or write contention retries the event instead of losing it
    @event_handler(source, kind, requeue_on_error=True)
    def handle(self, payload: dict) -> None:
        self._on_event(source, payload)

    handle.__name__ = f"on_{source}_{kind}"
    return handle


# one handler per (source, event type) every bureau emits: nameko binds one handler to one pair
for _source, _classes in EVENT_SOURCES.items():
    if _source == GatewayTracker.name:
        continue
    for _cls in _classes:
        _name = f"on_{_source}_{event_type(_cls)}"
        setattr(GatewayTracker, _name, _handler(_source, event_type(_cls)))
