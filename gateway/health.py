"""Readiness: the database, the broker and every process behind it, checked in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from contracts import bureaus

HEALTH_TIMEOUT = 3.0
SERVICES = bureaus.SERVICES  # every bureau, and "gateway" = the tracker


def check(gateway: Any) -> tuple[bool, dict[str, str]]:
    def probe(name: str) -> tuple[str, str]:
        try:
            if name == "database":
                gateway.store.ping()
            elif name == "broker":
                if gateway.broker_check:
                    gateway.broker_check()
            else:
                reply = gateway.clients.of(name).health(timeout=HEALTH_TIMEOUT)
                if reply.get("status") != "ok":
                    return name, "down"
            return name, "ok"
        except Exception as exc:  # any failure means "down"; the reason goes to the operator's log
            return name, f"down: {type(exc).__name__}"

    names = ["database", "broker", *SERVICES]
    with ThreadPoolExecutor(len(names)) as pool:
        results = dict(pool.map(probe, names))
    return all(v == "ok" for v in results.values()), results
