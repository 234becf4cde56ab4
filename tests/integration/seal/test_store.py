"""The seal store on the real database: one set per application, codes never stored twice, and a
concurrent clerk action never overwritten."""

from datetime import UTC, datetime

import pytest
from pymongo.errors import DuplicateKeyError

from contracts.codes import make_uscc
from contracts.form import SealKind
from contracts.rpc import Conflict
from kit.repository import MAX_ATTEMPTS as MAX_CAS_ATTEMPTS
from services.seal import domain
from services.seal.store import SealStore
from tests.unit.seal.factories import licence_issued

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(mongo_db):
    store = SealStore(mongo_db)
    store.ensure_indexes()
    return store


def test_codes_come_in_atomic_blocks_per_district(store):
    assert store.allocate_codes("420111", 3) == ["4201110000001", "4201110000002", "4201110000003"]
    assert store.allocate_codes("420102", 1) == ["4201020000001"]
    assert store.allocate_codes("420111", 2) == ["4201110000004", "4201110000005"]
    assert store.allocate_codes("420111", 0) == []


def test_the_loser_of_a_race_keeps_nothing(store, mongo_db):
    event = licence_issued(kinds=[SealKind.company], physical=True)
    first = domain.new_seal_set(event, store.allocate_codes("420111", 2), NOW)
    second = domain.new_seal_set(event, store.allocate_codes("420111", 2), NOW)
    assert store.insert_set(*first) is not None
    assert store.insert_set(*second) is None  # same application: already done
    [doc] = mongo_db["seal_sets"].find()
    assert [s["code"] for s in doc["seals"]] == ["4201110000001", "4201110000002"]
    assert store.by_code("4201110000003") is None  # wasted, never issued


def test_a_code_can_never_be_stored_twice(store):
    codes = store.allocate_codes("420111", 1)
    store.insert_set(*domain.new_seal_set(licence_issued(), codes, NOW))
    other = licence_issued(uscc=make_uscc("420111", "00000002"), company_name="武汉另一家商贸有限公司")
    with pytest.raises(DuplicateKeyError):  # e.g. a counter restored from an old backup
        store.insert_set(*domain.new_seal_set(other, codes, NOW))


def test_a_concurrent_change_is_reread_not_overwritten(store, mongo_db):
    event = licence_issued(physical=True)
    seal_set, events = domain.new_seal_set(event, store.allocate_codes("420111", 2), NOW)
    store.insert_set(seal_set, events)
    task_id = seal_set.tasks[0].id
    seen_versions = []

    def claim(current):
        seen_versions.append(store.by_task(task_id)[1])
        if len(seen_versions) == 1:  # another worker writes between our read and our write
            mongo_db["seal_sets"].update_one({"_id": event.application_id}, {"$inc": {"version": 1}})
        return domain.claim(current, task_id, "王", NOW), []

    changed, entries = store.change_by_task(task_id, claim)
    assert seen_versions == [0, 1] and entries == []
    assert changed.task(task_id).claimed_by == "王"
    assert mongo_db["seal_sets"].find_one({"_id": event.application_id})["version"] == 2

    def always_beaten(current):
        mongo_db["seal_sets"].update_one({"_id": event.application_id}, {"$inc": {"version": 1}})
        return current, []

    with pytest.raises(Conflict):
        store.change_by_task(task_id, always_beaten)
    assert mongo_db["seal_sets"].find_one({"_id": event.application_id})["version"] == 2 + MAX_CAS_ATTEMPTS
