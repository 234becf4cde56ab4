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


def test_a_counter_moved_by_another_instance_is_never_handed_out_twice(mongo_db):
    counters = mongo_db["counters"]
    assert next_sequence(counters, "district:420102") == 1  # this process now remembers 1
    # another instance takes 2 and 3 meanwhile
    counters.update_one({"_id": "district:420102"}, {"$inc": {"seq": 2}})
    assert next_sequence(counters, "district:420102") == 4
    assert next_sequence(counters, "district:420102", 2) == 6
    counters.delete_one({"_id": "district:420102"})  # an operator reset it: start again at 1
    assert next_sequence(counters, "district:420102") == 1


def test_the_memory_of_counters_stays_bounded_and_forgetting_hands_out_nothing_twice(mongo_db, monkeypatch):
    from kit import mongo

    monkeypatch.setattr(mongo, "MAX_REMEMBERED_COUNTERS", 3)
    counters = mongo_db["counters"]
    taken = [next_sequence(counters, f"company:{n % 5}") for n in range(25)]
    assert len(mongo._slot_locks) <= 3 and len(mongo._last_seen) <= 3
    assert sorted(taken) == sorted(list(range(1, 6)) * 5)  # each of the 5 series counted 1..5
    assert [counters.find_one({"_id": f"company:{n}"})["seq"] for n in range(5)] == [5] * 5


def test_numbers_reserved_in_blocks_are_given_once_across_instances_and_a_lost_block_is_a_gap(mongo_db):
    from kit import mongo

    counters = mongo_db["counters"]
    racers: list[int] = []

    def take():
        racers.append(next_sequence(counters, "unit", block=10))

    pool = eventlet.GreenPool(20)
    for _ in range(25):
        pool.spawn(take)
    pool.waitall()
    assert sorted(racers) == list(range(1, 26))  # one process: consecutive, each once
    assert counters.find_one({"_id": "unit"})["seq"] == 30  # the counter is past every number given
    # another instance takes the next block meanwhile: this one goes on with its own, then past both
    counters.update_one({"_id": "unit"}, {"$inc": {"seq": 10}})
    mine = [next_sequence(counters, "unit", block=10) for _ in range(6)]
    assert mine == [26, 27, 28, 29, 30, 41]
    # a crash (the memory lost): the rest of the block is skipped, never handed out again
    mongo._blocks.clear()
    mongo._last_seen.clear()
    assert next_sequence(counters, "unit", block=10) == 51
    # a run of several numbers comes from one block, or a fresh one when the rest is too short
    assert next_sequence(counters, "unit", 4, block=10) == 55  # 52-55
    assert next_sequence(counters, "unit", 6, block=10) == 66  # 56-60 too short: skipped, 61-66


def test_a_number_never_stored_is_given_back_only_while_it_is_the_last_one_handed_out(mongo_db):
    from kit.mongo import give_back

    counters = mongo_db["counters"]
    first = next_sequence(counters, "back", block=20)
    assert give_back(counters, "back", first) is True  # a late duplicate's number: handed out again
    assert next_sequence(counters, "back", block=20) == first
    codes = next_sequence(counters, "back", 3, block=20)  # three at once, all given back together
    assert give_back(counters, "back", codes, 3) is True
    assert next_sequence(counters, "back", 3, block=20) == codes
    older = next_sequence(counters, "back", block=20)
    newer = next_sequence(counters, "back", block=20)
    assert give_back(counters, "back", older) is False  # another number was drawn after it: a gap
    assert give_back(counters, "back", newer) is True
    assert next_sequence(counters, "back", block=20) == newer  # never the gap's number, never twice
    assert give_back(counters, "unblocked", next_sequence(counters, "unblocked")) is False  # no block: a gap
    assert next_sequence(counters, "unblocked") == 2
