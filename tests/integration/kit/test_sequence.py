"""Counters hand out every number exactly once, however many workers race on a brand-new counter."""

import eventlet
import pytest

from kit.mongo import next_sequence

pytestmark = pytest.mark.integration


def test_racing_workers_on_a_new_counter_get_distinct_consecutive_numbers(mongo_db):
    counters = mongo_db["counters"]
    results: list[int] = []

    def take():
        results.append(next_sequence(counters, "fresh"))

    pool = eventlet.GreenPool(40)
    for _ in range(120):
        pool.spawn(take)
    pool.waitall()
    assert sorted(results) == list(range(1, 121))
    assert counters.find_one({"_id": "fresh"})["seq"] == 120


def test_blocks_do_not_overlap(mongo_db):
    counters = mongo_db["counters"]
    ends = [next_sequence(counters, "block", 5) for _ in range(3)]
    assert ends == [5, 10, 15]
