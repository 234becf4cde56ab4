"""Event handlers that never drop an event on a passing failure.

Nameko's `event_handler` acknowledges a message even when the handler raises, so a database blip, a
broker hiccup or a year the holiday calendar does not cover yet would lose the event for good.
`durable_handler` redelivers instead (`requeue_on_error=True`), after a pause that grows with the
broker's delivery count so an outage is not a hot loop. A payload that can never succeed (it does not
parse, or breaks a contract rule) is not requeued: it is logged as an error with its ids and, on quorum
queues, dead-lettered to `onestop.dead-letter` (inspect and replay with `onestop dead-letters`); on
classic queues it is acknowledged and dropped. On quorum queues the broker also bounds the retries of
a passing failure (`x-delivery-limit`, kit/queues.py): past it the message is dead-lettered, not lost.

Every event handled logs one INFO line with its `application_id` and `event_id`, so
one application's path through every bureau is one grep over the JSON logs.
"""

from __future__ import annotations

import functools
import logging

import eventlet
from pydantic import ValidationError

from contracts.rpc import OneStopError
from kit import acks
from kit.queues import DeadLetter, QueueTypedEventHandler, delivery_count

log = logging.getLogger(__name__)

acks.install()  # a broker outage during an ack must not kill the service (see kit/acks.py)

REDELIVERY_PAUSE_SECONDS = 1.0  # after the first failure; then one more second per delivery, up to
MAX_REDELIVERY_PAUSE_SECONDS = 10.0


class Unprocessable(Exception):
    """Raise from a handler when this payload can never be processed (it will not be redelivered)."""


# ValueError covers pydantic's ValidationError and parse_event's unknown type: the payload is wrong.
PERMANENT_ERRORS = (ValueError, ValidationError, OneStopError, Unprocessable)


class DurableEventHandler(QueueTypedEventHandler):
    """Requeue after a pause that grows with the delivery count (the worker holds it, so a failing
    stream of events slows down instead of spinning)."""

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and not isinstance(exc_info[1], DeadLetter):
            eventlet.sleep(redelivery_pause(delivery_count(message)))
        super().handle_message_processed(message, result, exc_info)


def redelivery_pause(deliveries: int) -> float:
    return min(REDELIVERY_PAUSE_SECONDS * (1 + deliveries), MAX_REDELIVERY_PAUSE_SECONDS)


def durable_handler(source: str, event_type: str, **kwargs):
    def decorate(handler):
        @functools.wraps(handler)
        def handle(self, payload):
            ids = _ids(payload)
            log.info("handling %s from %s", event_type, source, extra=ids)  # one line per event: grep an id
            try:
                return handler(self, payload)
            except PERMANENT_ERRORS as exc:
                log.error("unprocessable %s from %s (dead-lettered on quorum queues, else dropped): %s",
                          event_type, source, exc, extra=ids)
                raise DeadLetter(str(exc)) from exc
            except Exception:
                log.exception("handling %s from %s failed; it will be redelivered", event_type, source,
                              extra=ids)
                raise

        return DurableEventHandler.decorator(source, event_type, requeue_on_error=True,
                                             expected_exceptions=DeadLetter, **kwargs)(handle)

    return decorate


def _ids(payload) -> dict:
    return {"event_id": _get(payload, "event_id"), "application_id": _get(payload, "application_id")}


def _get(payload, key):
    return payload.get(key) if isinstance(payload, dict) else None
