"""What every OneStop process learns from its environment before it does anything else.

- ONESTOP_CLOCK_START (ISO 8601, e.g. 2026-12-31T09:00:00+08:00): run this process's clock from that
  instant at real speed (contracts.clock). ONESTOP_CLOCK_ANCHOR (Unix seconds) is the real instant the
  shifted clock read ONESTOP_CLOCK_START; the first process sets it, so every process it starts reads
  the same shifted time, however much later it starts.
- ONESTOP_HOLIDAY_DIR (default var/holidays): where the holiday notices an operator loaded live.
- ONESTOP_QUERY_LOG (tests and diagnosis only): write every database query to this file (kit.querylog).

Every service module, the gateway and the operator CLI call `configure_from_env()` once at import.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from contracts import calendar, clock
from kit import querylog

CLOCK_START_ENV = "ONESTOP_CLOCK_START"
CLOCK_ANCHOR_ENV = "ONESTOP_CLOCK_ANCHOR"
CALENDAR_RECHECK_ENV = "ONESTOP_CALENDAR_RECHECK_SECONDS"  # how soon a loaded notice is seen (default 30)


def configure_from_env(environ: os._Environ | dict | None = None) -> None:
    env = os.environ if environ is None else environ
    start = env.get(CLOCK_START_ENV, "").strip()
    if start:
        anchor = float(env.get(CLOCK_ANCHOR_ENV) or time.time())
        env[CLOCK_ANCHOR_ENV] = repr(anchor)  # children started from here share this shifted time
        clock.use(clock.pinned_at(datetime.fromisoformat(start), anchor))
    if env.get(querylog.QUERY_LOG_ENV):
        querylog.install(env[querylog.QUERY_LOG_ENV])  # tests and diagnosis only: filters hold personal data
    calendar.configure(env.get(calendar.OVERRIDE_DIR_ENV) or calendar.DEFAULT_OVERRIDE_DIR,
                       float(env.get(CALENDAR_RECHECK_ENV) or calendar.RECHECK_SECONDS))

