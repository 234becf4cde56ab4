"""Event handlers that never drop an event on a passing failure.

Nameko's `event_handler` acknowledges a message even when the handler raises, so a database blip, a
broker hiccup or a year the holiday calendar does not cover yet would lose the event for good.
`durable_handler` redelivers instead (`requeue_on_error=True`), after a short pause so an outage is not
a hot loop. A payload that can never succeed (it does not parse, or breaks a contract rule) is not
requeued forever: it is logged as an error with its ids and acknowledged.

Every event handled logs one INFO line with its `application_id` and `event_id`, so
one application's path through every bureau is one grep over the JSON logs.
"""

from __future__ import annotations

import functools
import logging

import eventlet
from nameko.events import event_handler
from pydantic import ValidationError

from contracts.rpc import OneStopError
from kit import acks

log = logging.getLogger(__name__)

acks.install()  # a broker outage during an ack must not kill the service (see kit/acks.py)

REDELIVERY_PAUSE_SECONDS = 1.0


class Unprocessable(Exception):
    """Raise from a handler when this payload can never be processed (it will not be redelivered)."""


# ValueError covers pydantic's ValidationError and parse_event's unknown type: the payload is wrong.
PERMANENT_ERRORS = (ValueError, ValidationError, OneStopError, Unprocessable)


def durable_handler(source: str, event_type: str, **kwargs):
    def decorate(handler):
        @functools.wraps(handler)
        def handle(self, payload):
            ids = _ids(payload)
            log.info("handling %s from %s", event_type, source, extra=ids)  # one line per event: grep an id
            try:
                return handler(self, payload)
            except PERMANENT_ERRORS as exc:
                log.error("dropped unprocessable %s from %s: %s", event_type, source, exc, extra=ids)
                return None
            except Exception:
                log.exception("handling %s from %s failed; it will be redelivered", event_type, source,
                              extra=ids)
                eventlet.sleep(REDELIVERY_PAUSE_SECONDS)
                raise

        return event_handler(source, event_type, requeue_on_error=True, **kwargs)(handle)

    return decorate


def _ids(payload) -> dict:
    return {"event_id": _get(payload, "event_id"), "application_id": _get(payload, "application_id")}


def _get(payload, key):
    return payload.get(key) if isinstance(payload, dict) else None
