"""Database round trips of social security's automatic path (issue 23: round trips per application are
the performance budget), counted by a command listener on the store's own client."""

import pytest

from contracts import clock
from kit.mongo import connect
from services.social_security.store import SocialSecurityStore
from services.social_security.workflow import receive_licence
from tests.conftest import MONGO_URI
from tests.support.commands import CommandLog

from .conftest import licence_issued, resident_id

pytestmark = pytest.mark.integration


def staff(n: int, first: int = 0):
    return [{"name": "孙八", "resident_id": resident_id(first + i), "start_date": None, "monthly_wage": "9000.00"}
            for i in range(n)]


@pytest.fixture
def counted(mongo_db_name):
    commands = CommandLog()
    db = connect(MONGO_URI, mongo_db_name, event_listeners=[commands])
    store = SocialSecurityStore(db)
    store.ensure_indexes()
    # one application first: the employer-number block (kit.mongo NUMBER_BLOCK) is then in hand, as in
    # a running worker, so what is counted is the steady state of one application
    receive_licence(store, lambda *a: None, licence_issued(staff(1), org="00000050"), clock.now())
    commands.seen.clear()
    yield store, commands
    db.client.close()


def test_a_standard_employer_with_its_staff_costs_two_writes(counted):
    store, commands = counted
    sent = []
    receive_licence(store, lambda kind, payload: sent.append(kind), licence_issued(staff(3), org="00000051"),
                    clock.now())
    assert sent == ["employer_registered", "employees_enrolled"]
    writes = [c for c in commands.seen if c[2] != ["$pull"]]  # a running worker's relay batches the pulls
    print(f"\nsocial security, standard application with 3 staff: {len(commands.seen)} commands, "
          f"{len(writes)} without the outbox pull: {commands.seen}")
    # the staff in one insert, then the employer registered with its staff done (and its record counter)
    # in its first write
    assert [c[:2] for c in writes] == [("insert", "enrolments"), ("update", "employers")]


def test_an_employer_for_a_clerk_costs_two_writes(counted):
    store, commands = counted
    sent = []
    receive_licence(store, lambda kind, payload: sent.append(kind),
                    licence_issued(staff(1), org="00000052", district="110105"), clock.now())
    assert sent == ["task_queued"]
    writes = [c for c in commands.seen if c[2] != ["$pull"]]
    print(f"\nsocial security, employer for a clerk: {len(commands.seen)} commands, "
          f"{len(writes)} without the outbox pull: {commands.seen}")
    assert [c[:3] for c in writes] == [("insert", "tasks", []), ("update", "employers", ["$setOnInsert"])]  # task first


def test_a_redelivered_licence_changes_nothing_and_sends_nothing_again(counted):
    store, commands = counted
    event = licence_issued(staff(2), org="00000053")
    receive_licence(store, lambda *a: None, event, clock.now())
    commands.seen.clear()
    sent = []
    receive_licence(store, lambda kind, payload: sent.append(kind), event, clock.now())
    assert sent == []
    print(f"\nsocial security, redelivered licence: {commands.seen}")
    # the staff's refused insert tells the redelivery
    assert [c[:3] for c in commands.seen if c[0] != "find"] == [("insert", "enrolments", [])]
    assert store.enrolments.count_documents({"uscc": event.licence.uscc}) == 2


def test_a_later_enrolment_takes_its_number_from_the_employer_in_one_command(counted):
    store, commands = counted
    event = licence_issued(staff(2), org="00000054")
    receive_licence(store, lambda *a: None, event, clock.now())
    employer, version = store.load_employer(event.licence.uscc)
    commands.seen.clear()
    assert list(store.allocate_records(employer, 2)) == [3, 4]
    assert [c[:2] for c in commands.seen] == [("findAndModify", "employers")]
    # the version moved with the count: a save held from before cannot write the old count back
    assert store.load_employer(event.licence.uscc)[1] == version + 1
    assert store.employer(event.licence.uscc).record_seq == 4 and store.counters.find_one(
        {"_id": f"record:{event.licence.uscc}"}) is None
    older = employer.model_copy(update={"record_seq": None})  # stored before: its counter apart
    assert list(store.allocate_records(older)) == [1]
    assert store.counters.find_one({"_id": f"record:{event.licence.uscc}"})["seq"] == 1
