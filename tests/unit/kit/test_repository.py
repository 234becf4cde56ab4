"""kit.repository: the compare-and-set save with its outbox, and the in-memory finders."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from contracts.events import StepProgressed
from contracts.rpc import Conflict, NotFound
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
