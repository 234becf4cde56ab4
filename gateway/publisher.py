"""Publishing the gateway's own events from the web process (outbox first, then publish, then pull).

The tracker relays whatever is left in an application's outbox if this process dies or the broker
is down between the write and the publish, so events come from source "gateway" either way.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from nameko.standalone.events import event_dispatcher

from kit.outbox import pull

log = logging.getLogger(__name__)

SOURCE = "gateway"


class Publisher(Protocol):
    def __call__(self, event_type: str, payload: dict[str, Any]) -> None: ...


class NamekoPublisher:
    """A broker-confirmed publish as service "gateway"."""

    def __init__(self, config: dict):
        self._dispatch = event_dispatcher(config)

    def __call__(self, event_type: str, payload: dict[str, Any]) -> None:
        self._dispatch(SOURCE, event_type, payload)


def publish_outbox(store, publish: Publisher, app_id: str, entries: list[dict[str, Any]]) -> None:
    """Publish an application's new outbox entries at once and pull them; if the broker is down they
    stay for the tracker's relay. `store`: a GatewayStore."""
    try:
        for entry in entries:
            publish(entry["type"], entry["payload"])
    except Exception:
        log.warning("publish failed, left for the relay", exc_info=True, extra={"application_id": app_id})
        return
    pull(store.applications, app_id, [e["event_id"] for e in entries])  # in the web: by its Sweeper
