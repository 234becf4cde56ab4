"""kit.clerk.free_for on a real database: the claim a view shows as lapsed is the one a write may take."""

from datetime import UTC, datetime, timedelta

import pytest

from kit import clerk

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 2, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("expires", "free"), [(NOW - timedelta(seconds=1), True), (NOW, True),
                                               (NOW + timedelta(seconds=1), False)])
def test_a_claim_expiring_exactly_now_is_free_in_the_store_as_in_the_view(mongo_db, expires, free):
    tasks = mongo_db["tasks"]
    tasks.insert_one({"_id": "t-1", "task": {"claimed_by": "li", "claim_expires_at": expires}})
    matched = tasks.count_documents({"_id": "t-1", **clerk.free_for("wang", NOW, "task.")})
    assert bool(matched) is free
    assert (clerk.holder("li", expires, NOW) is None) is free
    assert tasks.count_documents({"_id": "t-1", **clerk.free_for("li", NOW, "task.")}) == 1  # the holder's own
