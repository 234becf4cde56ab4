"""Record every event a running system publishes, and publish them all again (duplicate delivery).

The recorder binds its own queue to each service's `<service>.events` topic exchange with `#`, so it
sees each event exactly as the services' handlers received it (full payload, source, type). The
replay publishes each recorded event once more with `nameko.standalone.events.event_dispatcher`, as
if the broker had delivered it twice.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue, binding

from kit.launcher import NAMEKO_SERVICES


@dataclass(frozen=True)
class Recorded:
    source: str
    type: str
    payload: dict[str, Any]


class EventRecorder:
    def __init__(self, amqp_uri: str, sources: tuple[str, ...] = tuple(NAMEKO_SERVICES)):
        self.amqp_uri = amqp_uri
        self.sources = sources
        self.events: list[Recorded] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30) -> EventRecorder:
        self._thread = threading.Thread(target=self._run, name="event-recorder", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"event recorder did not start: {self._error!r}")
        if self._error:
            raise self._error
        return self

    def _run(self) -> None:
        try:
            with Connection(self.amqp_uri, connect_timeout=10) as conn:
                exchanges = {s: Exchange(f"{s}.events", type="topic", durable=True) for s in self.sources}
                queue = Queue(f"test-recorder-{uuid.uuid4().hex[:8]}", auto_delete=True, durable=False,
                              bindings=[binding(e, routing_key="#") for e in exchanges.values()])
                with conn.channel() as channel:
                    for exchange in exchanges.values():
                        exchange(channel).declare()
                    consumer = Consumer(channel, [queue], callbacks=[self._on_message], accept=["json"])
                    with consumer:
                        self._ready.set()
                        while not self._stop.is_set():
                            try:
                                conn.drain_events(timeout=0.5)
                            except TimeoutError:
                                continue
                            except OSError as exc:  # socket.timeout is an OSError
                                if "timed out" not in str(exc):
                                    raise
        except BaseException as exc:  # surfaced by start() or stop()
            self._error = exc
            self._ready.set()

    def _on_message(self, body: Any, message) -> None:
        source = message.delivery_info["exchange"].removesuffix(".events")
        payload = body if isinstance(body, dict) else json.loads(body)
        self.events.append(Recorded(source, message.delivery_info["routing_key"], payload))
        message.ack()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._error is not None:
            raise self._error

    def unique(self) -> list[Recorded]:
        """Each event once (by source, routing key and event_id: a broad event's per-bureau copies share
        its id, contracts/sharing.py), in the order first seen."""
        seen, out = set(), []
        for event in self.events:
            key = (event.source, event.type, event.payload.get("event_id"))
            if key not in seen:
                seen.add(key)
                out.append(event)
        return out


def replay(amqp_uri: str, events: list[Recorded]) -> int:
    """Publish every event again to its source's exchange (broker-confirmed, persistent)."""
    from nameko.standalone.events import event_dispatcher

    dispatch = event_dispatcher({"AMQP_URI": amqp_uri, "serializer": "json"})
    for event in events:
        dispatch(event.source, event.type, event.payload)
    return len(events)


def as_published(config: dict):
    """nameko's standalone `event_dispatcher(config)`, publishing a broad event the way a service's outbox
    does (kit/outbox.py): one copy per consuming bureau under its own routing key (contracts/sharing.py),
    so a bureau under test gets exactly the fields it would get in production."""
    from nameko.standalone.events import event_dispatcher

    from contracts.sharing import copies

    dispatch = event_dispatcher(config)

    def publish(source: str, event_type: str, payload: dict[str, Any]) -> None:
        for routing_key, copy in copies(event_type, payload):
            dispatch(source, routing_key, copy)

    return publish
