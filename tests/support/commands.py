"""A pymongo command listener for the tests that count database round trips (issue 23: round trips per
application are the performance budget)."""

from __future__ import annotations

from collections import Counter

from pymongo import monitoring

ROUND_TRIPS = ("find", "insert", "update", "findAndModify", "delete", "aggregate", "count")


class CommandLog(monitoring.CommandListener):
    """Every round-trip command sent, in order: (command, collection, the update operators of its first
    statement, e.g. ["$pull"] for an outbox pull)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, list[str]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in ROUND_TRIPS:
            updates = event.command.get("updates") or []
            ops = sorted(updates[0].get("u", {})) if updates and isinstance(updates[0].get("u"), dict) else []
            self.seen.append((name, event.command.get(name), ops))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    def by_collection(self) -> dict[tuple[str, str], int]:
        """{(collection, command): how many}"""
        return dict(Counter((collection, name) for name, collection, _ in self.seen))
