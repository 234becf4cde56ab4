"""Open data after start-up: how long changes of details and closings take (registration computes
them from its own records: services/registration/after_start_stats.py). Served with /api/v1/stats
and on /stats. An anonymous request must not make registration scan its cases each time: the answer
is kept for `max_age` seconds (the stats snapshot's setting); while registration cannot answer, the
last answer is served, or None (the page says so). `to_csv` is the same answer as one CSV table
(/api/v1/stats?format=csv&table=after_start): one row per change kind, closing kind and bureau."""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from typing import Any

from contracts.rpc import OneStopError, Unavailable
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


# One header for every row: a kind row fills the counts and medians, a bureau row `answered` and its
# median; a cell that does not apply is empty (as in the stats CSV).
CSV_COLUMNS = ("section", "key", "label", "requested", "registered", "refused", "median_days_to_registration",
               "median_days_to_completion", "answered", "median_working_days")
CSV_SECTIONS = (("changes", "change"), ("closings", "closing"), ("change_bureaus", "change_bureau"),
                ("closing_bureaus", "closing_bureau"))


def to_csv(result: dict[str, Any] | None) -> str:
    """The after-start numbers as CSV; registration's answer not yet had: Unavailable (503, said in Chinese)."""
    if result is None:
        raise Unavailable("登记机关暂时无法提供变更、注销的统计，请稍后再试")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group, section in CSV_SECTIONS:
        for key, m in result.get(group, {}).items():
            writer.writerow([section, key, *("" if m.get(c) is None else m[c] for c in CSV_COLUMNS[2:])])
    return out.getvalue()
