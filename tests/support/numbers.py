"""What a bureau's counter gives next in this process. Its numbers come in blocks (kit.mongo
NUMBER_BLOCK): the stored counter is at the end of the block, not at the last number given, so a test
that proves "no number was drawn" asks for the next one (the service under test runs in this process
and shares the block)."""

from __future__ import annotations

from typing import Any

from kit.mongo import NUMBER_BLOCK, next_sequence


def next_number(db: Any, key: str) -> int:
    return next_sequence(db["counters"], key, block=NUMBER_BLOCK)


def only_counter(db: Any) -> str:
    [key] = [c["_id"] for c in db["counters"].find({}, {"_id": 1})]
    return key
