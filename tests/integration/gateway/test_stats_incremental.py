"""The statistics refresh reads what was written since the last one, not the history: after each
change the incremental tally (gateway.stats.Tally) answers exactly what a full pass (`compute`)
answers, while its refresh read only the changed applications and ratings (and those within the
overlap), through the `updated_at` indexes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import clock
from gateway import stats
from gateway.store import GatewayStore
from tests.integration.gateway.seeding import seed

pytestmark = pytest.mark.integration
N = 120
COMPARED = ("totals", "series")


def _same(tally: stats.Tally, store: GatewayStore) -> None:
    for period in ("day", "week", "month"):
        incremental, full = tally.result(period), stats.compute(store, period)
        assert {k: incremental[k] for k in COMPARED} == {k: full[k] for k in COMPARED}, period


def test_a_refresh_reads_only_what_changed_and_answers_what_a_full_pass_answers(mongo_db):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    rows = seed(mongo_db, N)
    tally = stats.Tally().refresh(store)
    assert tally.last_read == 2 * N  # the first refresh of a process reads everything once
    _same(tally, store)

    tally.refresh(store)  # nothing written since: only the overlap's few are read again
    assert tally.last_read < 10

    now = clock.now()
    # a stuck tax step (overdue now) is finished, which completes its application
    stuck = next(r for r in rows if r["tax"] == "stuck")
    app_id = f"seed{stuck['i']:04d}"
    doc = mongo_db["applications"].find_one({"_id": app_id})
    done = stuck["licence"] + timedelta(hours=2)
    mongo_db["applications"].update_one({"_id": app_id}, {"$set": {
        "steps.tax.state": "done", "steps.tax.finished_at": done, "status": "completed", "completed_at": done,
        "updated_at": now}})
    assert doc["steps"]["tax"]["state"] != "done"
    # a rating edited, a rating added, and one application more
    mongo_db["ratings"].update_one({"_id": "seed0001:registration"}, {"$set": {"score": 1, "updated_at": now}})
    mongo_db["ratings"].insert_one({"_id": "seed0002:tax", "application_id": "seed0002", "bureau": "tax", "score": 4,
                                    "submitted_at": rows[2]["submitted"], "created_at": now, "updated_at": now})
    extra = mongo_db["applications"].find_one({"_id": "seed0003"})
    extra.update(_id="later0003", idempotency="later:0003", updated_at=now)
    mongo_db["applications"].insert_one(extra)

    tally.refresh(store)
    assert tally.last_read < 10 + 4  # the four writes (and the overlap), not the history of 2N documents
    _same(tally, store)
    month = tally.result("month")
    assert month["totals"]["overall"]["received"] == N + 1
    assert month["totals"]["tax"]["ratings_count"] == 1
    assert month["measured"]["applications"] == N + 1


def test_the_refresh_queries_are_served_by_indexes(mongo_db):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    since = {"updated_at": {"$gte": clock.now() - stats.OVERLAP}}
    for collection in (store.applications, store.ratings):
        plan = collection.find(since).explain()
        assert "COLLSCAN" not in str(plan["queryPlanner"]["winningPlan"]), (collection.name, plan)
