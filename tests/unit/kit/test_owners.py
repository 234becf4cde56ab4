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
