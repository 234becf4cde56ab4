"""kit/owners.py: who may call a founder-facing RPC, decided from the principal and the bureau's register
(a dict-backed stand-in for the collection; tests/security/test_bureau_ownership.py runs the real thing)."""

from __future__ import annotations

import pytest
from nameko.exceptions import IncorrectSignature

from contracts.rpc import Forbidden
from kit.owners import APPLICATION, COMPANY, FOUNDER, OwnerBook, _Cache, owned


class Register:
    """The two calls OwnerBook makes, over a dict."""

    def __init__(self):
        self.rows: dict[str, dict] = {}
        self.reads = 0

    def update_one(self, query, update, upsert=False):
        self.rows.setdefault(query["_id"], {"_id": query["_id"]}).update(update["$set"])

    def find_one(self, query, projection=None):
        self.reads += 1
        return next((r for r in self.rows.values() if all(r.get(k) == v for k, v in query.items())), None)


@pytest.fixture
def register():
    register = Register()
    book = OwnerBook(register, None, True, _Cache())
    book.record({"application_id": "app-a", "founder_id": "alice", "licence": {"uscc": "USCC-A"}})
    book.record({"application_id": "app-b", "founder_id": "bob"})  # registration: before the licence
    book.record({"application_id": "app-old"})  # an event without founder_id: no owner, never open
    return register


def book(register, principal, checking=True):
    return OwnerBook(register, principal, checking, _Cache())


def test_the_founder_passes_and_anyone_else_is_refused(register):
    book(register, "founder:alice").check(COMPANY, "USCC-A")
    book(register, "founder:alice").check(APPLICATION, "app-a")
    book(register, "founder:bob").check(APPLICATION, "app-b")
    for principal in ("founder:bob", "clerk:alice", "alice", None, "founder:", "operator:ops"):
        with pytest.raises(Forbidden):
            book(register, principal).check(COMPANY, "USCC-A")
    with pytest.raises(Forbidden):
        book(register, "founder:alice").check(APPLICATION, "app-old")
    with pytest.raises(Forbidden):
        book(register, "founder:alice").check(COMPANY, "USCC-UNKNOWN")


def test_an_operator_reads_applications_only(register):
    book(register, "operator:ops").check(APPLICATION, "app-a")
    with pytest.raises(Forbidden):
        book(register, "operator:ops").check(COMPANY, "USCC-A")


def test_the_founder_id_passed_on_must_be_the_principals(register):
    book(register, "founder:alice").check(FOUNDER, "alice")
    with pytest.raises(Forbidden):
        book(register, "founder:bob").check(FOUNDER, "alice")


def test_off_when_the_caller_check_is_off(register):
    book(register, None, checking=False).check(COMPANY, "USCC-A")


def test_a_known_owner_is_remembered(register):
    cache = _Cache()
    for _ in range(3):
        OwnerBook(register, "founder:alice", True, cache).check(COMPANY, "USCC-A")
    assert register.reads == 1


class Service:
    def __init__(self, owners):
        self.owners = owners

    @owned("uscc")
    def list_staff(self, uscc: str, month: str | None = None) -> str:
        return f"staff of {uscc}"


def test_the_decorator_checks_the_named_argument_however_it_is_passed(register):
    alice, bob = Service(book(register, "founder:alice")), Service(book(register, "founder:bob"))
    assert alice.list_staff("USCC-A") == alice.list_staff(uscc="USCC-A") == "staff of USCC-A"
    with pytest.raises(Forbidden):
        bob.list_staff(uscc="USCC-A")
    with pytest.raises(IncorrectSignature):
        alice.list_staff()
    with pytest.raises(ValueError):
        owned("name")


# ---- folded owners (issue 23): the owner rides on the bureau's first write

class Units(Register):
    """A bureau's collection: documents keyed by application id, each with its USCC."""

    def find_one(self, query, projection=None):
        self.reads += 1
        return next((r for r in self.rows.values() if all(r.get(k) == v for k, v in query.items())), None)


def folded(register, units, principal=None):
    from kit.owners import Source
    return OwnerBook(register, principal, True, _Cache(), (units, Source("units")))


LICENSED = {"application_id": "app-f", "founder_id": "fay", "licence": {"uscc": "USCC-F"}}


def test_a_first_write_inside_the_block_carries_the_owner_and_the_register_is_not_written():
    from kit.owners import stamped
    register, units = Register(), Units()
    with folded(register, units).recorded(LICENSED):
        doc = stamped({"_id": "app-f", "application_id": "app-f", "uscc": "USCC-F"})
        assert stamped({"_id": "app-other"}) == {"_id": "app-other"}  # another application: untouched
        units.rows["app-f"] = doc
    assert doc["owner"] == {"founder_id": "fay"} and register.rows == {}
    folded(register, units, "founder:fay").check(COMPANY, "USCC-F")
    folded(register, units, "founder:fay").check(APPLICATION, "app-f")
    with pytest.raises(Forbidden):
        folded(register, units, "founder:bob").check(COMPANY, "USCC-F")
    assert stamped({"_id": "app-f"}) == {"_id": "app-f"}  # outside the block nothing is pending


def test_without_a_first_write_nothing_is_written_and_a_failure_writes_nothing_either():
    """A redelivery of a stored application, a lost insert race, a step that stores nothing: replaying
    every event changes nothing (tests/faults/test_crash_and_replay.py)."""
    from kit.owners import stamped
    register, units = Register(), Units()
    with folded(register, units).recorded(LICENSED):
        stamped({"_id": "app-f"})  # built, then the insert met a duplicate: the winner carries it
    assert register.rows == {}
    with pytest.raises(Forbidden):  # nothing stored here: nothing of that company to show
        folded(register, units, "founder:fay").check(COMPANY, "USCC-F")
    with pytest.raises(RuntimeError), folded(register, units).recorded(LICENSED):
        raise RuntimeError("database blip: the event is redelivered")
    assert register.rows == {}


def test_records_from_before_folding_are_still_read():
    register, units = Register(), Units()
    OwnerBook(register, None, True, _Cache()).record(LICENSED)  # the register's upsert of old
    folded(register, units, "founder:fay").check(COMPANY, "USCC-F")
    folded(register, units, "founder:fay").check(APPLICATION, "app-f")


def test_the_repository_folds_the_owner_into_its_insert():
    from pydantic import BaseModel

    from kit.repository import InMemoryRepository

    class Unit(BaseModel):
        application_id: str
        uscc: str

    register, repo = Register(), InMemoryRepository(Unit)
    with folded(register, Units()).recorded(LICENSED):
        repo.insert("app-f", Unit(application_id="app-f", uscc="USCC-F"), [])
    assert repo.docs["app-f"]["owner"] == {"founder_id": "fay"} and register.rows == {}
    assert repo.get({"_id": "app-f"}) == Unit(application_id="app-f", uscc="USCC-F")  # not in the aggregate

