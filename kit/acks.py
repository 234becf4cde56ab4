"""Nameko 2.14.1 kills a whole service when the broker goes away during an acknowledgement.

`QueueConsumer.ack_message` / `requeue_message` guard only against `amqp.exceptions.ConnectionError`,
but a broker that has just stopped shows up at the socket as `ConnectionResetError` or
`BrokenPipeError` (OSError). That escapes the worker's greenthread, the container logs "thread exited
with error", kills every active worker and stops consuming for good: after a broker outage the
service never reconnects (found by tests/faults/test_broker_outage.py, where the gateway tracker died
this way and applications stayed `licensed` forever).

Losing the ack is harmless: the broker has already taken the unacknowledged message back and will
deliver it again (every consumer here is idempotent). So the failure is logged and swallowed.
`install()` runs once when `kit.events` is imported, i.e. in every service process.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def install() -> None:
    from nameko.messaging import QueueConsumer

    if getattr(QueueConsumer, "_onestop_tolerant_acks", False):
        return
    for name in ("ack_message", "requeue_message"):
        setattr(QueueConsumer, name, _tolerant(getattr(QueueConsumer, name), name))
    QueueConsumer._onestop_tolerant_acks = True


def _tolerant(method, name):
    def call(self, message):
        try:
            return method(self, message)
        except OSError as exc:  # ConnectionResetError, BrokenPipeError, socket timeouts
            log.warning("%s failed, the broker connection is gone (%s): the broker redelivers the message",
                        name, exc)
            return None

    call.__name__ = name
    return call
