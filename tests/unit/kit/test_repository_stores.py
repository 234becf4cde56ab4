"""kit.repository's verbs for stores moving onto it (owner by application, insert_many, save with a held
version, native datetimes, documents from before versions, upgrade on read), each on the in-memory
repository AND on the real database (MONGO_URI): the fake must behave as the store does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel

from contracts.events import StepProgressed
from contracts.rpc import NotFound
from kit import owners
from kit.mongo import connect
from kit.repository import InMemoryRepository, Repository
from tests.conftest import MONGO_URI

AT = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


class Employer(BaseModel):
    application_id: str
    state: str = "received"
    established_on: date = date(2026, 11, 25)
    updated_at: datetime = AT
    history: list[dict] = []


def event(step: str = "registered"):
    return StepProgressed(application_id="app-1", bureau="social_security", step=step)


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
def make(request, mongo_db_name):
    """make(model=Employer, **options) -> (repository, raw documents by key)."""
    if request.param == "memory":
        def build(model=Employer, **options):
            repo = InMemoryRepository(model, **options)
            return repo, lambda key: repo.docs.get(key)
        yield build
        return
    db = connect(MONGO_URI, mongo_db_name)
    collection = db["employers"]
    collection.create_index("application_id", unique=True)

    def build(model=Employer, **options):
        return Repository(collection, model, **options), lambda key: collection.find_one({"_id": key})
    yield build
    db.client.close()


def test_the_founders_owner_rides_on_the_first_write_of_an_aggregate_keyed_by_something_else(make):
    repo, raw = make()
    book = owners.OwnerBook(None, None, False, owners._Cache(), source=("employers", owners.Source("employers")))
    with book.recorded({"application_id": "app-1", "founder_id": "acct-9"}):
        repo.insert("U1", Employer(application_id="app-1"), [], owner="app-1")
        repo.insert("U2", Employer(application_id="app-2"), [], owner="app-2")  # not this worker's application
    assert raw("U1")["owner"] == {"founder_id": "acct-9"}
    assert "owner" not in raw("U2")


def test_an_upsert_insert_stores_once_and_a_redelivery_is_none(make):
    repo, raw = make()
    assert [e["type"] for e in repo.insert("U1", Employer(application_id="app-1"), [event()], upsert=True)] \
        == ["step_progressed"]
    assert repo.insert("U1", Employer(application_id="app-1", state="other"), [event()], upsert=True) is None
    assert raw("U1")["state"] == "received" and len(raw("U1")["outbox"]) == 1


def test_insert_many_stores_the_new_ones_and_skips_those_stored(make):
    repo, raw = make()
    repo.insert("U2", Employer(application_id="app-2"), [])
    stored = repo.insert_many([(f"U{i}", Employer(application_id=f"app-{i}"), [event()]) for i in (1, 2, 3)])
    assert stored == ["U1", "U3"]
    assert raw("U2")["outbox"] == [] and [e["type"] for e in raw("U3")["outbox"]] == ["step_progressed"]
    assert repo.insert_many([]) == []


def test_save_with_a_held_version_writes_once_and_loses_to_a_newer_write(make):
    repo, raw = make()
    repo.insert("U1", Employer(application_id="app-1"), [])
    entries = repo.save("U1", 0, Employer(application_id="app-1", state="registered"), [event()])
    assert [e["type"] for e in entries] == ["step_progressed"]
    assert repo.load({"_id": "U1"}) == (Employer(application_id="app-1", state="registered"), 1)
    assert repo.save("U1", 0, Employer(application_id="app-1", state="stale"), [event()]) is None  # held 0, is 1
    assert raw("U1")["state"] == "registered" and len(raw("U1")["outbox"]) == 1


def test_native_datetimes_keep_moments_as_datetimes_and_dates_as_iso_strings(make):
    repo, raw = make(native_datetimes=True)
    at = AT.replace(microsecond=0)
    repo.insert("U1", Employer(application_id="app-1", updated_at=at, history=[{"at": at}]), [])
    doc = raw("U1")
    assert doc["updated_at"] == at and isinstance(doc["updated_at"], datetime)
    assert doc["history"] == [{"at": at}] and doc["established_on"] == "2026-11-25"
    assert [e.application_id for e in repo.find({"updated_at": {"$lt": datetime(2026, 11, 26, tzinfo=UTC)}})] \
        == ["app-1"]  # a range query on the moment finds it (a string would not compare)
    plain, raw_plain = make()
    plain.insert("U2", Employer(application_id="app-2"), [])
    assert isinstance(raw_plain("U2")["updated_at"], str)  # the default stays JSON


def test_a_document_stored_without_a_version_is_version_0_and_is_upgraded_on_read(make):
    def upgrade(doc):
        return {**doc, "state": "received" if doc["state"] == "legacy" else doc["state"]}

    repo, raw = make(upgrade=upgrade)
    repo.insert("U1", Employer(application_id="app-1", state="legacy"), [])
    if isinstance(repo, InMemoryRepository):
        del repo.docs["U1"]["version"]
    else:
        repo.collection.update_one({"_id": "U1"}, {"$unset": {"version": ""}})
    assert repo.load({"_id": "U1"}) == (Employer(application_id="app-1", state="received"), 0)
    changed, _ = repo.change({"_id": "U1"}, lambda e: (e.model_copy(update={"state": "registered"}), []),
                             lambda: NotFound("none"))
    assert changed.state == "registered" and raw("U1")["version"] == 1


def test_find_sorts_and_limits_as_mongo_does(make):
    repo, _ = make()
    for key, state in (("U1", "b"), ("U2", "a"), ("U3", "b")):
        repo.insert(key, Employer(application_id=f"app-{key}", state=state), [])
    found = [e.application_id for e in repo.find({}, sort=[("state", 1), ("application_id", -1)], limit=2)]
    assert found == ["app-U2", "app-U3"]
    assert [(e.application_id, v) for e, v in repo.find_loaded({"state": "a"})] == [("app-U2", 0)]


def test_publish_sends_what_is_pending_and_empties_the_outbox(make):
    repo, raw = make()
    repo.insert("U1", Employer(application_id="app-1"), [event("a"), event("b")])
    sent = []
    repo.publish("U1", lambda kind, payload: sent.append(payload["step"]))
    assert sent == ["a", "b"] and repo.pending("U1") == []
    assert repo.pending("nobody") == []


class Person(BaseModel):
    person_id: str
    name: str


def test_a_key_field_is_stored_once_as_the_id_and_read_back_from_it(make):
    repo, raw = make(Person, key_field="person_id")
    repo.insert("p-1", Person(person_id="p-1", name="孙八"), [])
    assert "person_id" not in raw("p-1")
    assert repo.load({"_id": "p-1"}) == (Person(person_id="p-1", name="孙八"), 0)
    assert repo.save("p-1", 0, Person(person_id="p-1", name="孙九"), []) == []
    assert repo.get({"name": "孙九"}).person_id == "p-1" and "person_id" not in raw("p-1")


def test_move_saves_with_the_held_version_and_after_a_lost_race_decides_again(make):
    repo, raw = make()
    repo.insert("U1", Employer(application_id="app-1"), [])
    held = repo.load({"_id": "U1"})
    repo.save("U1", 0, Employer(application_id="app-1", state="received", history=[{"by": "other"}]), [])
    moved = repo.move("U1", held, lambda e: e.state == "received",
                      lambda e: e.model_copy(update={"state": "registered"}), [event()])
    assert moved is not None and moved[1] == 2 and moved[0].history == [{"by": "other"}]  # read again
    assert raw("U1")["state"] == "registered" and len(raw("U1")["outbox"]) == 1
    assert repo.move("U1", held, lambda e: e.state == "received", lambda e: e, [event()]) is None
    assert len(raw("U1")["outbox"]) == 1  # not ready once read again: nothing written


def test_set_where_writes_only_while_the_condition_holds_and_outdates_a_held_version(make):
    repo, raw = make()
    repo.insert("U1", Employer(application_id="app-1", state="pending_review"), [])
    assert repo.set_where("U1", {"state": "pending_review"}, {"state": "rejected"}, [event()]) is not None
    assert repo.set_where("U1", {"state": "pending_review"}, {"state": "rejected"}, [event()]) is None
    assert raw("U1")["state"] == "rejected" and raw("U1")["version"] == 1 and len(raw("U1")["outbox"]) == 1
    assert repo.save("U1", 0, Employer(application_id="app-1", state="registered"), []) is None
