"""A revoked business licence on the real RabbitMQ and database: registration's licence_revoked voids
the company's seals and stops its physical seals being made or sent, in whatever order the events come.
"""

from datetime import UTC, datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from contracts.codes import make_uscc
from contracts.form import SealKind
from contracts.rpc import Conflict, register_remote_errors
from tests.unit.seal.factories import REP_ID, USCC, licence_issued, licence_revoked

pytestmark = pytest.mark.integration

# 17:30 UTC on the 24th is the 25th in China: the date a clerk reads is the Chinese one.
REVOKED_AT = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
REASON = "连续六个月未开业"
REVOKED = f"营业执照已于2026-11-25被吊销（{REASON}）"


@pytest.fixture
def rpc(seal, service_config):
    register_remote_errors()
    with ServiceRpcProxy("seal", service_config) as proxy:
        yield proxy


@pytest.fixture
def deliver(seal, publish):
    """Publish a registration event and wait until the seal bureau has handled it."""

    def deliver(event):
        with entrypoint_waiter(seal, f"on_{event.type}", timeout=15):
            publish(event)

    return deliver


def physical_order(deliver, **kwargs):
    event = licence_issued(kinds=[SealKind.company, SealKind.finance], physical=True, **kwargs)
    deliver(event)
    return event


def the_revocation(event):
    return licence_revoked(application_id=event.application_id, reason=REASON, occurred_at=REVOKED_AT)


def test_a_revoked_company_s_seals_are_void_and_its_physical_seals_are_not_made(rpc, deliver):
    event = physical_order(deliver)
    deliver(the_revocation(event))
    [task] = rpc.list_tasks("open")
    assert task["kind"] == "engraving" and task["actions"] == ["reject"]
    assert task["details"]["licence_revoked"] == {"revoked_at": REVOKED_AT.isoformat(), "reason": REASON}

    with pytest.raises(Conflict) as err:
        rpc.claim_task(task["id"], "engraver-1")
    assert err.value.message == f"{REVOKED}，不能再刻制实物印章"
    with pytest.raises(Conflict) as err:
        rpc.act_on_task(task["id"], "engraver-1", "mark_engraved", {"engraver": "测试用印章刻制单位"})
    assert err.value.message == f"{REVOKED}，不能再刻制实物印章"
    assert rpc.get_task(task["id"])["history"] == []  # the refusals left no trace

    seals = rpc.list_seals(USCC)
    assert [s["medium"] for s in seals] == ["electronic", "physical", "electronic", "physical"]
    assert all(s["licence_revoked"] == {"revoked_at": REVOKED_AT.isoformat(), "reason": REASON} for s in seals)
    public = rpc.lookup_seal(seals[0]["code"])
    assert public["genuine"] is False and public["seal"]["filed"] is True
    assert public["seal"]["licence_revoked"]["reason"] == REASON and REP_ID not in str(public)

    # Winding down still works: the documents already issued, and closing the clerk's queue.
    assert [r["name"] for r in rpc.list_documents(event.application_id)][0] == "seal.certificate"
    assert rpc.get_document(event.application_id, "seal.certificate")["content_type"] == "application/pdf"
    rejected = rpc.act_on_task(task["id"], "engraver-1", "reject", {"reasons": ["营业执照已吊销"]})
    assert rejected["state"] == "rejected" and rpc.list_tasks("open") == []


def test_a_revocation_stops_a_physical_seal_already_filed_from_being_sent(rpc, deliver):
    event = physical_order(deliver)
    for action in ("mark_engraved", "file_with_police"):
        [task] = rpc.list_tasks("open")
        assert rpc.act_on_task(task["id"], "police-7", action, {"engraver": "测试用印章刻制单位"} if action == "mark_engraved" else {})["state"] == "done"
    deliver(the_revocation(event))
    [task] = rpc.list_tasks("open")
    assert task["kind"] == "dispatch"
    with pytest.raises(Conflict) as err:
        rpc.act_on_task(task["id"], "post-1", "dispatch", {"tracking_number": "SF1234567890"})
    assert err.value.message == f"{REVOKED}，不能再寄递或交付实物印章"
    assert {s["status"] for s in rpc.list_seals(USCC) if s["medium"] == "physical"} == {"filed"}


def test_a_duplicate_revocation_changes_nothing(rpc, deliver, mongo_db):
    event = physical_order(deliver)
    revoked = the_revocation(event)
    deliver(revoked)
    first = mongo_db["revocations"].find_one({"_id": USCC})
    assert first == {"_id": USCC, "application_id": event.application_id, "reason": REASON,
                     "revoked_at": REVOKED_AT, "event_id": revoked.event_id, "received_at": first["received_at"]}
    deliver(revoked)  # redelivered
    assert list(mongo_db["revocations"].find()) == [first]
    assert rpc.list_seals(USCC)[0]["licence_revoked"]["revoked_at"] == REVOKED_AT.isoformat()


def test_a_revocation_that_overtakes_the_licence_still_blocks_once_the_seals_exist(rpc, deliver, mongo_db):
    issued = licence_issued(kinds=[SealKind.company], physical=True)
    deliver(the_revocation(issued))  # redelivery reordered the events: no seal set yet
    assert mongo_db["seal_sets"].count_documents({}) == 0
    deliver(issued)
    [task] = rpc.list_tasks("open")
    with pytest.raises(Conflict) as err:
        rpc.act_on_task(task["id"], "engraver-1", "mark_engraved", {"engraver": "测试用印章刻制单位"})
    assert err.value.message == f"{REVOKED}，不能再刻制实物印章"
    electronic = next(s for s in rpc.list_seals(USCC) if s["medium"] == "electronic")
    assert rpc.lookup_seal(electronic["code"])["genuine"] is False


def test_another_company_s_revocation_does_not_touch_these_seals(rpc, deliver):
    physical_order(deliver)
    other = licence_revoked(uscc=make_uscc("420111", "00000002"), reason=REASON, occurred_at=REVOKED_AT)
    deliver(other)
    [task] = rpc.list_tasks("open")
    assert task["actions"] == ["mark_engraved", "reject"] and task["details"]["licence_revoked"] is None
    assert rpc.act_on_task(task["id"], "engraver-1", "mark_engraved", {"engraver": "测试用印章刻制单位"})["state"] == "done"
    assert all(s["licence_revoked"] is None for s in rpc.list_seals(USCC))
