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


def test_a_fresh_series_is_created_with_its_first_block_and_racers_get_the_following_blocks(mongo_db):
    counters = mongo_db["counters"]
    ends: list[int] = []

    def take():
        ends.append(next_sequence(counters, "company:1", 3, fresh=True))

    pool = eventlet.GreenPool(20)
    for _ in range(20):
        pool.spawn(take)
    pool.waitall()
    # one creator took 1-3, every other racer an increment of its own: 20 disjoint blocks, no gaps
    assert sorted(ends) == list(range(3, 61, 3))
    assert next_sequence(counters, "company:1", fresh=True) == 61
