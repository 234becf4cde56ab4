"""Waiting for an outbox to be pulled: in a process that relays the collection, kit.outbox pulls what it
published at the next sweep (every 2 s), not at once."""

from __future__ import annotations

import time
from typing import Any


def pulled(collection: Any, query: dict[str, Any], timeout: float = 30.0) -> bool:
    """True once the matching document's outbox is empty (False if it is not within `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = collection.find_one(query, {"outbox": 1})
        if doc is not None and doc.get("outbox") == []:
            return True
        time.sleep(0.2)
    return False
