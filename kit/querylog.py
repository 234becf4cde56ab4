"""Every database query a process sends, written to a file: for the index test and for diagnosis.

ONESTOP_QUERY_LOG=FILE (unset in production: the lines hold the filters as sent, personal data
included) makes kit.startup register this listener for every MongoClient the process creates. One JSON
line per find, count, distinct, update, delete, findAndModify and aggregate: database, collection,
command and the filter (or pipeline), so a test can replay each with `explain` and refuse a
collection scan on a hot path; an insert is a line with an empty filter and `round_trip` marks the
first line of each command sent, so `python -m bench.trips` counts round trips per process. A line is
written when the reply arrives, with `micros`: how long the command took as this process saw it (the
database's work plus the wire and any queueing), so bench.trips can say which commands cost the time.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from bson import json_util
from pymongo import monitoring

QUERY_LOG_ENV = "ONESTOP_QUERY_LOG"
_FILTER_OF = {"find": "filter", "count": "query", "distinct": "query", "findAndModify": "query",
              "aggregate": "pipeline"}


class QueryLog(monitoring.CommandListener):
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sent: dict[tuple, list[dict]] = {}  # (request id, server) -> its lines, until the reply
        self.process = f"{sys.argv[-1] if sys.argv else '?'}:{os.getpid()}"  # the module a launcher ran

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command_name
        body = event.command
        rows = []
        if command in _FILTER_OF:
            rows.append({"filter": body.get(_FILTER_OF[command], {}), "sort": body.get("sort")})
        elif command in ("update", "delete"):
            key = "updates" if command == "update" else "deletes"
            # the update's operators (`$set`, `$pull`...) say which step it is; never the values
            rows.extend({"filter": op.get("q", {}), "ops": sorted(op.get("u", {})) if isinstance(op.get("u"), dict) else []}
                        for op in body.get(key, []))
        elif command == "insert":
            rows.append({"filter": {}})
        else:
            return
        collection = body.get(command)
        lines = [{"db": event.database_name, "collection": collection, "command": command,
                  "process": self.process, "round_trip": i == 0, **row} for i, row in enumerate(rows)]
        with self._lock:
            self._sent[_key(event)] = lines

    def succeeded(self, event) -> None:
        self._write(event)

    def failed(self, event) -> None:
        self._write(event, failed=True)

    def _write(self, event, failed: bool = False) -> None:
        with self._lock:
            lines = self._sent.pop(_key(event), None)
            if not lines:
                return  # a command this log does not keep (getMore, hello, ...)
            with self.path.open("a", encoding="utf-8") as out:
                for line in lines:
                    out.write(json_util.dumps({**line, "micros": event.duration_micros,
                                               **({"failed": True} if failed else {})}) + "\n")


def _key(event) -> tuple:
    return (event.request_id, event.connection_id)  # request ids count up per process


def install(path: str | Path) -> None:
    monitoring.register(QueryLog(path))


def read(path: str | Path) -> list[dict]:
    text = Path(path).read_text("utf-8") if Path(path).exists() else ""
    return [json_util.loads(line) for line in text.splitlines() if line.strip()]

