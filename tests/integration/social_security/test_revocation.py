"""A revoked licence (registration's `licence_revoked`) stops new insured staff and clerk approvals for
that company, over real RPC; leaving, contributions, the certificate and rejections still work, and
the employer view shows the revocation. A repeat changes nothing; an early one still holds."""

from datetime import UTC, datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from contracts.rpc import Conflict, NotFound, register_remote_errors

from .conftest import licence_issued, licence_revoked, resident_id

pytestmark = pytest.mark.integration

REVOKED_AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the same day
REASON = "提交虚假材料取得公司登记"
REVOKED = f"营业执照已于2026-11-25被吊销（{REASON}）"


@pytest.fixture
def rpc(bureau):
    """A real RPC client, as the gateway calls the bureau: errors come back over the wire."""
    register_remote_errors()
    with ServiceRpcProxy("social_security", bureau.config) as proxy:
        yield proxy


def zhang() -> dict:
    return {"name": "张三", "resident_id": resident_id(1), "start_date": None, "monthly_wage": "8000.00"}


def new_hire() -> dict:
    return {"name": "李四", "resident_id": resident_id(2), "start_date": None, "monthly_wage": "12000.00"}


def broken_id(seq: int) -> str:
    good = resident_id(seq)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def test_a_revoked_company_takes_no_new_staff_but_winds_down(bureau, rpc, mongo_db, today):
    wang = {"name": "王五", "resident_id": broken_id(3), "start_date": None, "monthly_wage": "5000.00"}
    issued = licence_issued([zhang(), wang], org="00000030")
    uscc = issued.licence.uscc
    with entrypoint_waiter(bureau.recorder, "on_task_queued"):
        bureau.publish_licence(issued)
    [queued] = bureau.events("task_queued")
    assert rpc.get_employer(uscc)["licence_revoked"] is None

    bureau.publish_revocation(licence_revoked(issued, REASON, REVOKED_AT))

    with pytest.raises(Conflict) as caught:
        rpc.enrol_employee(uscc, new_hire(), "hr-1")
    assert str(caught.value) == f"{REVOKED}，不能再为员工办理参保登记"
    with pytest.raises(Conflict) as caught:
        rpc.act_on_task(queued["task_id"], "clerk-li", "approve", {"resident_id": resident_id(3)})
    assert str(caught.value) == f"{REVOKED}，不能再核准员工参保"
    assert rpc.get_task(queued["task_id"])["history"] == []  # refused before the claim: untouched
    assert mongo_db["enrolments"].count_documents({}) == 1

    employer = rpc.get_employer(uscc)
    assert employer["licence_revoked"] == {"revoked_at": REVOKED_AT.isoformat(), "reason": REASON}
    assert employer["state"] == "registered" and employer["active_staff"] == 1

    # winding down: the founding employee leaves, what is owed stays owed, the certificate stays
    [founder] = rpc.list_staff(uscc)
    assert rpc.end_employment(uscc, founder["employee_id"])["state"] == "ended"
    assert rpc.contributions(uscc, today.strftime("%Y-%m"))["totals"]["headcount"] == 1
    assert [d["name"] for d in rpc.list_documents(issued.application_id)] == ["social_security.certificate"]
    assert rpc.get_document(issued.application_id, "social_security.certificate")["data_base64"]
    with entrypoint_waiter(bureau.recorder, "on_step_rejected"):
        rejected = rpc.act_on_task(queued["task_id"], "clerk-li", "reject", {"reasons": ["营业执照已被吊销"]})
    assert rejected["state"] == "rejected"
    assert len(bureau.events("employees_enrolled")) == 1  # only the founding batch, ever


def test_a_duplicate_revocation_changes_nothing(bureau, mongo_db):
    issued = licence_issued([zhang()], org="00000031")
    bureau.publish_licence(issued)
    first = licence_revoked(issued, REASON, REVOKED_AT)
    bureau.publish_revocation(first)
    recorded = mongo_db["revocations"].find_one({"_id": issued.licence.uscc})
    assert recorded["event_id"] == first.event_id and recorded["application_id"] == issued.application_id
    assert recorded["revoked_at"] == REVOKED_AT

    bureau.publish_revocation(first)  # redelivered: same event_id
    bureau.publish_revocation(licence_revoked(issued, "另一个原因"))  # re-sent: new event_id, new reason
    assert list(mongo_db["revocations"].find()) == [recorded]
    assert bureau.call("get_employer", issued.licence.uscc)["licence_revoked"]["reason"] == REASON


def test_a_revocation_delivered_before_licence_issued_still_blocks(bureau, rpc):
    issued = licence_issued([zhang()], org="00000032")
    bureau.publish_revocation(licence_revoked(issued, REASON, REVOKED_AT))
    with pytest.raises(NotFound):  # the company is not known here yet
        rpc.get_employer(issued.licence.uscc)

    bureau.publish_licence(issued)  # the automatic path runs as usual: it does not read revocations
    assert rpc.get_employer(issued.licence.uscc)["licence_revoked"]["reason"] == REASON
    with pytest.raises(Conflict) as caught:
        rpc.enrol_employee(issued.licence.uscc, new_hire())
    assert str(caught.value) == f"{REVOKED}，不能再为员工办理参保登记"


def test_a_pending_employer_registration_cannot_be_approved_only_rejected(bureau, rpc):
    issued = licence_issued([zhang()], org="00000033", district="110105")  # outside the served districts
    bureau.publish_licence(issued, wait_for="on_task_queued")
    [queued] = bureau.events("task_queued")
    bureau.publish_revocation(licence_revoked(issued, REASON, REVOKED_AT))

    with pytest.raises(Conflict) as caught:
        rpc.act_on_task(queued["task_id"], "clerk-zhou", "approve", {})
    assert str(caught.value) == f"{REVOKED}，不能再核准单位社保登记"
    assert rpc.get_employer(issued.licence.uscc)["state"] == "pending_review"
    assert bureau.events("employer_registered") == []

    with entrypoint_waiter(bureau.recorder, "on_step_rejected"):
        rpc.act_on_task(queued["task_id"], "clerk-zhou", "reject", {"reasons": ["营业执照已被吊销"]})
    assert rpc.get_employer(issued.licence.uscc)["state"] == "rejected"
