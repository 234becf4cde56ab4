"""gateway/store.py `take_quota`: the sliding hour in one conditional write (issue 23), on the real
database: refused at the limit, allowed again once the oldest kept use leaves the window."""

from __future__ import annotations

import time
from datetime import timedelta

from contracts import clock
from gateway.store import GatewayStore


def test_the_limit_holds_and_the_window_slides(mongo_db):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    hour_ago = clock.now() - timedelta(hours=1)
    assert store.take_quota("quota:submission:a", hour_ago, 2)
    time.sleep(0.01)  # the database keeps milliseconds: the two uses apart
    assert store.take_quota("quota:submission:a", hour_ago, 2)
    assert not store.take_quota("quota:submission:a", hour_ago, 2)  # the third within the hour
    assert store.take_quota("quota:submission:b", hour_ago, 2)  # another key is its own
    kept = store.quotas.find_one({"_id": "quota:submission:a"})["times"]
    assert len(kept) == 2
    # the window moved past the first use: one more is allowed, and only one
    between = kept[0] + timedelta(milliseconds=1)
    assert kept[1] > between
    assert store.take_quota("quota:submission:a", between, 2)
    assert not store.take_quota("quota:submission:a", between, 2)
    assert len(store.quotas.find_one({"_id": "quota:submission:a"})["times"]) == 2  # never more than the limit
    assert not store.take_quota("quota:submission:c", hour_ago, 0)
