"""A pymongo command listener for the tests that count database round trips (issue 23: round trips per
application are the performance budget)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import NamedTuple

from pymongo import monitoring

# getMore: the next batch of a cursor is a round trip of its own
ROUND_TRIPS = ("find", "insert", "update", "findAndModify", "delete", "aggregate", "count", "getMore")


class Command(NamedTuple):
    name: str
    collection: str
    ops: list[str]  # the update operators of its first statement, e.g. ["$pull"] for an outbox pull
    thread: str  # the name of the thread that sent it


class CommandLog(monitoring.CommandListener):
    """Every round-trip command sent, in order."""

    def __init__(self) -> None:
        self.seen: list[Command] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in ROUND_TRIPS:
            updates = event.command.get("updates") or []
            ops = sorted(updates[0].get("u", {})) if updates and isinstance(updates[0].get("u"), dict) else []
            # a getMore names its cursor's id under its own name, the collection under "collection"
            collection = event.command.get("collection" if name == "getMore" else name)
            self.seen.append(Command(name, collection, ops, threading.current_thread().name))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    def by_collection(self) -> dict[tuple[str, str], int]:
        """{(collection, command): how many}"""
        return dict(Counter((c.collection, c.name) for c in self.seen))

    def names(self, *only: str) -> list[str]:
        """The commands' names in the order sent; with `only`, just those commands."""
        return [c.name for c in self.seen if not only or c.name in only]
