"""Install the process clock from the environment: the one place a process learns it runs shifted.

ONESTOP_CLOCK_START (ISO 8601, e.g. 2026-12-31T09:00:00+08:00) starts this process's clock at that
instant and lets it run on at real speed; tests pin every process they start the same way. Unset: the
system clock.
"""

from __future__ import annotations

import os
from datetime import datetime

from contracts import clock

CLOCK_START_ENV = "ONESTOP_CLOCK_START"


def install_from_env(environ: dict | None = None) -> None:
    value = (environ if environ is not None else os.environ).get(CLOCK_START_ENV, "").strip()
    if value:
        clock.use(clock.pinned_at(datetime.fromisoformat(value)))
