"""Open data after start-up: how long changes of details and closings take (registration computes
them from its own records: services/registration/after_start_stats.py). Served with /api/v1/stats
and on /stats. An anonymous request must not make registration scan its cases each time: the answer
is kept for `max_age` seconds (the stats snapshot's setting); while registration cannot answer, the
last answer is served, or None (the page says so)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from contracts.rpc import OneStopError
from gateway.clients import Clients

log = logging.getLogger(__name__)


class AfterStartStats:
    def __init__(self, clients: Clients, max_age: float):
        self.clients, self.max_age = clients, max_age
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = float("-inf")

    def get(self) -> dict[str, Any] | None:
        with self._lock:  # one refresh at a time; the others read the answer it brings
            if time.monotonic() - self._at >= self.max_age:
                try:
                    self._value = self.clients.registration.after_start_stats()
                except OneStopError:  # registration unavailable: keep what we had
                    log.warning("after-start stats unavailable")
                self._at = time.monotonic()
            return self._value
