"""kit.repository: the compare-and-set save with its outbox, and the in-memory finders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel

from contracts.events import StepProgressed
from contracts.rpc import Conflict, NotFound
from kit import clerk
from kit.repository import MAX_ATTEMPTS, InMemoryRepository, matches


class Thing(BaseModel):
    name: str
    tags: list[dict] = []


def event():
    return StepProgressed(application_id="a", bureau="seal", step="engraved")


def test_insert_once_with_the_outbox_and_a_redelivery_is_none():
    repo = InMemoryRepository(Thing)
    entries = repo.insert("a", Thing(name="x"), [event()])
    assert [e["type"] for e in entries] == ["step_progressed"] and repo.outbox("a") == entries
    assert repo.insert("a", Thing(name="y"), []) is None
    assert repo.get({"_id": "a"}) == Thing(name="x")


def test_change_writes_state_and_events_together_and_bumps_the_version():
    repo = InMemoryRepository(Thing)
    repo.insert("a", Thing(name="x"), [])
    changed, entries = repo.change({"name": "x"}, lambda t: (t.model_copy(update={"name": "z"}), [event()]),
                                   lambda: NotFound("none"))
    assert changed.name == "z" and repo.load({"_id": "a"}) == (changed, 1)
    assert repo.outbox("a") == entries
    with pytest.raises(NotFound):
        repo.change({"name": "x"}, lambda t: (t, []), lambda: NotFound("none"))


def test_a_lost_race_reads_again_and_gives_up_with_a_conflict():
    repo = InMemoryRepository(Thing, busy="忙")
    repo.insert("a", Thing(name="x"), [])
    calls = []

    def beaten(t):  # someone else writes between our read and our write, every time
        calls.append(1)
        repo.docs["a"]["version"] += 1
        return t, []

    with pytest.raises(Conflict, match="忙"):
        repo.change({"_id": "a"}, beaten, lambda: NotFound("none"))
    assert len(calls) == MAX_ATTEMPTS


@pytest.mark.parametrize(("query", "hit"), [
    ({"tags.code": "2"}, True), ({"tags.code": "9"}, False), ({"tags.0": {"$exists": True}}, True),
    ({"tags.5": {"$exists": True}}, False), ({"tags.state": {"$in": ["done", "open"]}}, True),
    ({"tags.state": {"$in": ["gone"]}}, False), ({"name": "x", "tags.code": "1"}, True),
])
def test_the_in_memory_finders_follow_mongo_on_dotted_paths(query, hit):
    doc = {"_id": "a", "name": "x", "tags": [{"code": "1", "state": "open"}, {"code": "2", "state": "done"}]}
    assert matches(doc, query) is hit


AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TASK = {"_id": "r", "task": {"id": "t", "state": "claimed", "claimed_by": "li", "claim_expires_at": AT,
                             "history": [{"clerk": "li", "action": "claim"}]},
        "used_fen": 500, "allocations": [{"request_id": "o-1", "number": "n1"}], "buyer_use": None}


@pytest.mark.parametrize(("query", "hit"), [
    # the clerk queue's write condition (kit.clerk.free_for): a claim expiring exactly now has lapsed
    ({"task.id": "t", **clerk.free_for("wang", AT, "task.")}, True),
    ({"task.id": "t", **clerk.free_for("wang", AT - timedelta(seconds=1), "task.")}, False),
    ({"task.id": "t", **clerk.free_for("li", AT - timedelta(seconds=1), "task.")}, True),
    ({"task.claim_expires_at": {"$gt": AT}}, False), ({"task.claim_expires_at": {"$gte": AT}}, True),
    ({"task.claim_expires_at": {"$lt": AT + timedelta(microseconds=1)}}, True),
    ({"task.claim_expires_at": {"$lte": AT.replace(tzinfo=None)}}, False),  # naive and aware: not compared
    # the quota charge: numbers compare across int, float and Decimal
    ({"used_fen": {"$lte": Decimal("500")}}, True), ({"used_fen": {"$lte": 499.5}}, False),
    ({"used_fen": {"$gt": 100, "$lt": 600}}, True), ({"used_fen": {"$gt": 100, "$lt": 500}}, False),
    ({"allocations.request_id": {"$ne": "o-2"}}, True), ({"allocations.request_id": {"$ne": "o-1"}}, False),
    # None matches a missing field and a null one, in equality and in $in, as in Mongo
    ({"buyer_use": None}, True), ({"reversed_by": None}, True), ({"buyer_use": {"$in": [None]}}, True),
    ({"reversed_by": {"$in": ["x"]}}, False), ({"task.claimed_by": None}, False),
    ({"task.id": {"$type": "string"}}, True), ({"used_fen": {"$type": "string"}}, False),
    ({"allocations": {"$elemMatch": {"number": "n1", "request_id": "o-1"}}}, True),
    ({"allocations": {"$elemMatch": {"number": "n1", "request_id": "o-2"}}}, False),
    ({"$and": [{"used_fen": 500}, {"$or": [{"task.state": "open"}, {"task.state": "claimed"}]}]}, True),
    ({"$or": [{"task.state": "open"}, {"used_fen": 0}]}, False),
    ({"task": {"id": "t"}}, False),  # a dict without operators is a whole subdocument, not a prefix
])
def test_the_in_memory_matcher_follows_mongo_on_the_operators_the_stores_use(query, hit):
    assert matches(TASK, query) is hit


def test_an_operator_the_matcher_does_not_know_is_refused_not_guessed():
    with pytest.raises(NotImplementedError):
        matches(TASK, {"task.history": {"$size": 1}})
