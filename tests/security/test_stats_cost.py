"""The anonymous statistics cannot be made to cost what history costs: requests read a snapshot, a
stale snapshot is recomputed in the background (never on the request's thread), and the answer and
the page say how old the numbers may be. Costs are counted as the database commands each thread
sends (pymongo command monitoring), not timed."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from pymongo import MongoClient

from contracts import clock
from gateway import stats
from gateway.store import GatewayStore
from tests.conftest import MONGO_URI
from tests.integration.gateway.seeding import seed
from tests.support.commands import CommandLog

HISTORY = ("applications", "ratings")
READS = ("find", "aggregate", "getMore", "count")


def history_reads(log: CommandLog) -> Counter[str]:
    """Reads of the history collections, per thread that sent them."""
    return Counter(c.thread for c in log.seen if c.name in READS and c.collection in HISTORY)


@pytest.fixture
def counted(mongo_db_name):
    log = CommandLog()
    client = MongoClient(MONGO_URI, event_listeners=[log])
    try:
        yield client[mongo_db_name], log
    finally:
        client.drop_database(mongo_db_name)
        client.close()


def _more_history(db, n: int, tag: str) -> None:
    docs = list(db.applications.find({}).limit(n))
    for doc in docs:
        doc["_id"], doc["idempotency"] = f"{tag}-{doc['_id']}", f"{tag}-{doc['idempotency']}"
        doc["updated_at"] = clock.now()  # written now, as every write to an application stamps it
    db.applications.insert_many(docs)


def test_requests_read_a_snapshot_and_a_stale_one_is_refreshed_off_the_request_thread(counted):
    db, log = counted
    seed(db, 40)
    now = [1000.0]
    snaps = stats.Snapshots(GatewayStore(db), max_age=60, monotonic=lambda: now[0])
    me = threading.current_thread().name

    first = snaps.get("month")
    assert first["totals"]["overall"]["received"] == 40 and first["max_age_seconds"] == 60
    assert history_reads(log)[me] >= 2  # the first request of a process computes, once
    log.seen.clear()

    _more_history(db, 40, "later")  # history grows; requests within max_age cost no history reads
    log.seen.clear()
    for _ in range(50):
        assert snaps.get("month")["totals"]["overall"]["received"] == 40
    assert sum(history_reads(log).values()) == 0

    now[0] += 61  # stale: the request still answers from the snapshot, a background thread refreshes
    stale = snaps.get("month")
    assert stale["generated_at"] == first["generated_at"]
    snaps.wait()
    reads = history_reads(log)
    assert reads[me] == 0 and sum(reads.values()) >= 2
    fresh = snaps.get("month")
    assert fresh["totals"]["overall"]["received"] == 80 and fresh["generated_at"] > first["generated_at"]


def test_one_refresh_at_a_time_however_many_stale_requests(counted):
    db, _ = counted
    seed(db, 10)
    now = [0.0]
    started = threading.Event()
    release = threading.Event()
    calls = Counter()

    def slow_compute(store, period):
        calls[period] += 1
        if calls[period] > 1:
            started.set()
            release.wait(30)
        return stats.compute(store, period)

    snaps = stats.Snapshots(GatewayStore(db), max_age=60, compute_fn=slow_compute, monotonic=lambda: now[0])
    snaps.get("week")
    now[0] = 100
    for _ in range(20):
        snaps.get("week")
    assert started.wait(30)
    release.set()
    snaps.wait()
    assert calls["week"] == 2


@pytest.mark.e2e
def test_the_answer_and_the_page_say_how_old_the_numbers_may_be(world):
    live = world.live
    answer = live.request("GET", "/api/v1/stats").json()
    assert answer["max_age_seconds"] == 60 and answer["generated_at"]
    page = live.request("GET", "/stats").text
    assert 'id="stats-age"' in page and "最长60秒更新一次" in page
