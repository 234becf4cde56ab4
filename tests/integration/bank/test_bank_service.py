"""The bank on the real RabbitMQ and database: licence_issued in, the appointment, the account number and
the events out; concurrent bookers never exceed a slot's capacity; the counter clerk over RPC; the
account recorded by the housing-fund centre from the real event."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from contracts import banks, clock
from contracts.rpc import Conflict, NotFound
from kit.mongo import connect
from services.bank import domain, workflow
from services.bank.service import BankService
from services.bank.store import BankStore
from services.housing_fund.service import HousingFundService
from tests.conftest import MONGO_URI
from tests.support.events import as_published
from tests.support.outbox import pulled
from tests.support.watchers import publish, started, watcher
from tests.unit.bank.factories import licence_issued
from tests.unit.housing_fund import factories as housing

pytestmark = pytest.mark.integration
JIANGAN = banks.branch("jc-jiangan")  # 2 slots a day, 1 place each: fills fast


# stands in for the gateway's tracker: records what the bank tells the world
Watcher = watcher("bank", on_reserved="bank_account_reserved", on_opened="account_opened",
                  on_step_rejected="step_rejected")


@pytest.fixture
def bank(container_factory, service_config):
    return started(container_factory, service_config, BankService, Watcher)


def test_a_licence_books_once_and_the_counter_opens_the_account(bank, service_config, mongo_db):
    container, watcher = bank
    event = licence_issued()
    with entrypoint_waiter(watcher, "on_reserved"):
        publish(service_config, event, container)
    publish(service_config, event, container)  # redelivered: nothing new
    [reserved] = Watcher.seen
    assert reserved["uscc"] == event.licence.uscc and reserved["branch_id"] == "jc-hongshan"
    assert reserved["account_number"] == domain.account_number("901", "0111", 1)
    assert reserved["appointment_slot"] == "09:00-10:00" and reserved["appointment_date"]
    assert mongo_db["accounts"].count_documents({}) == 1
    assert [c["seq"] for c in mongo_db["counters"].find()] == [1]
    assert [s["booked"] for s in mongo_db["slots"].find()] == [1]
    assert pulled(mongo_db["accounts"], {})  # published, pulled at the next sweep

    with ServiceRpcProxy("bank", service_config) as rpc:
        account = rpc.get_account(event.licence.uscc)
        assert account["state"] == "reserved" and account["account_number"] == reserved["account_number"]
        assert {b["id"] for b in rpc.list_branches()} == set(banks.branches())
        [task] = rpc.list_tasks("open")
        assert task["kind"] == "account_opening" and task["deadline"] == reserved["appointment_date"]
        with entrypoint_waiter(watcher, "on_opened"):
            done = rpc.act_on_task(task["id"], "柜员甲", "approve", {})
        assert done["state"] == "done" and rpc.list_tasks("open") == []
        with pytest.raises(Conflict):
            rpc.act_on_task(task["id"], "柜员甲", "approve", {})
        assert rpc.get_account(event.licence.uscc)["state"] == "opened"
        with pytest.raises(NotFound):
            rpc.get_account("91420111000000019N")
        assert rpc.health()["status"] == "ok"
    assert [p["type"] for p in Watcher.seen] == ["bank_account_reserved", "account_opened"]


def test_concurrent_bookers_of_one_slot_get_its_capacity_and_no_more(mongo_db_name):
    """Real concurrency against the real database: 12 green threads race for one slot of capacity 3."""
    store = BankStore(connect(MONGO_URI, mongo_db_name))
    store.ensure_indexes()
    branch = banks.branch("jc-jianghan")
    slot = domain.Appointment(day=date(2026, 12, 8), slot=banks.slots(branch)[0])
    pool = eventlet.GreenPool(12)
    results = list(pool.imap(lambda i: store.slots.book(branch, slot, f"app-{i}"), range(12)))
    assert results.count(True) == branch.capacity_per_slot == 3
    doc = store.slots.collection.find_one({"_id": slot.slot_id(branch.id)})
    assert doc["booked"] == 3 and len(set(doc["holders"])) == 3
    assert store.slots.book(branch, slot, doc["holders"][0]) is False  # no second place for a holder
    store.db.client.close()


def test_a_place_a_crash_left_held_is_given_back_by_the_sweep_on_the_real_database(mongo_db_name):
    """The booking time kept per holder, and the sweep's reads and release, as the real database runs them:
    a place booked two minutes ago and no account's goes back; a fresh one and an account's own stay."""
    store = BankStore(connect(MONGO_URI, mongo_db_name))
    store.ensure_indexes()
    branch = banks.branch("jc-jianghan")
    slot = domain.Appointment(day=date(2026, 12, 8), slot=banks.slots(branch)[0])
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    with clock.using(clock.fixed_at(start)):
        assert store.slots.book(branch, slot, "crashed-app")
    with clock.using(clock.fixed_at(start + timedelta(seconds=90))):
        assert store.slots.book(branch, slot, "in-flight-app")
    later = start + timedelta(seconds=domain.STRAY_AFTER_SECONDS + 1)
    assert workflow.release_stray_places(store, later) == 1
    doc = store.slots.collection.find_one({"_id": slot.slot_id(branch.id)})
    assert doc["booked"] == 1 and doc["holders"] == ["in-flight-app"] and set(doc["held_at"]) == {"in-flight-app"}
    store.db.client.close()


def test_a_flood_of_licences_fills_each_slot_to_capacity_with_one_appointment_each(bank, service_config, mongo_db):
    container, watcher = bank
    events = [licence_issued(branch_id=JIANGAN.id) for _ in range(9)]
    dispatch = as_published(service_config)
    for event in events:  # all at once: the service's workers book concurrently
        dispatch("registration", event.type, event.model_dump(mode="json"))
    for _ in range(600):  # a bounded wait for work done by the service's workers
        if len(Watcher.seen) >= len(events):
            break
        eventlet.sleep(0.1)
    assert len(Watcher.seen) == len(events)
    slots = Counter((r["appointment_date"], r["appointment_slot"]) for r in Watcher.seen)
    assert set(slots.values()) == {1}  # capacity 1 per slot: every appointment its own slot
    assert len({r["account_number"] for r in Watcher.seen}) == len(events)
    for doc in mongo_db["slots"].find():
        assert doc["booked"] == len(doc["holders"]) <= JIANGAN.capacity_per_slot
    held = [h for doc in mongo_db["slots"].find() for h in doc["holders"]]
    assert sorted(held) == sorted(e.application_id for e in events)


def test_the_housing_fund_centre_records_the_account_once_and_shows_it(container_factory, service_config, bank):
    container, watcher = bank
    centre = container_factory(HousingFundService, service_config)
    centre.start()
    unit_event = housing.licence_issued(housing.staff("8000.00"))
    with entrypoint_waiter(centre, "on_licence_issued"):
        as_published(service_config)("registration", unit_event.type, unit_event.model_dump(mode="json"))
    reserved = domain.new_account(
        licence_issued(application_id=unit_event.application_id).model_copy(update={"licence": unit_event.licence}),
        banks.branch("jc-hongshan"), "90101110000000099", None, unit_event.occurred_at, "bank-x")[1][0]
    for _ in range(2):  # redelivered: recorded once
        with entrypoint_waiter(centre, "on_bank_account_reserved"):
            as_published(service_config)("bank", reserved.type, reserved.model_dump(mode="json"))
    with ServiceRpcProxy("housing_fund", service_config) as rpc:
        shown = rpc.get_unit(unit_event.licence.uscc)["bank_account"]
    assert shown["account_number"] == "90101110000000099" and shown["purpose"] == "委托扣款"


def test_founders_moving_to_one_slot_in_parallel_get_its_capacity_and_the_rest_a_422_on_the_slot(
        bank, service_config, mongo_db):
    """Parallel move_appointment RPCs against the real service and database: JIANGAN has 1 place per
    slot, 6 founders ask for the same one at once; one moves, five are refused on `appointment_slot`
    and keep their appointment; every place booked is held by exactly the account that shows it."""
    from contracts.calendar import add_working_days
    from contracts.clock import china_today
    from contracts.rpc import Invalid

    container, watcher = bank
    events = [licence_issued(branch_id=JIANGAN.id) for _ in range(6)]
    for event in events:
        with entrypoint_waiter(watcher, "on_reserved"):
            publish(service_config, event, container)
    day, slot = add_working_days(china_today(), 9).isoformat(), banks.slots(JIANGAN)[-1]

    def move(event):
        with ServiceRpcProxy("bank", service_config) as rpc:
            try:
                return rpc.move_appointment(event.licence.uscc, day, slot)
            except Invalid as exc:
                return exc

    answers = list(eventlet.GreenPool(6).imap(move, events))
    moved = [a for a in answers if isinstance(a, dict)]
    refused = [a for a in answers if isinstance(a, Invalid)]
    assert len(moved) == 1 and len(refused) == 5
    assert {(e.field, e.message) for r in refused for e in r.field_errors} == {("appointment_slot", domain.FULL)}
    assert mongo_db["slots"].find_one({"_id": f"{JIANGAN.id}|{day}|{slot}"})["booked"] == 1
    for doc in mongo_db["accounts"].find():  # each account holds exactly its own appointment's place
        held = [s["_id"] for s in mongo_db["slots"].find({"holders": doc["_id"]})]
        assert held == [f"{JIANGAN.id}|{doc['appointment']['day']}|{doc['appointment']['slot']}"]
    for s in mongo_db["slots"].find():
        assert s["booked"] == len(s["holders"]) <= JIANGAN.capacity_per_slot
