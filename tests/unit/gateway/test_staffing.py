"""One hire or leaver request reaches every bureau that keeps staff (gateway.staffing), over the fake
bureaus: each bureau's answer is shown, a refusal undoes nothing, the request id is the same at each."""

from __future__ import annotations

from contracts.rpc import Conflict, Invalid, NotFound, Unavailable
from gateway.recording import record
from tests.unit.gateway import captured
from tests.unit.gateway.test_api import API, licence_payload, submitted
from tests.unit.social_security.helpers import resident_id

HIRE = {"name": "王芳", "resident_id": resident_id(), "start_date": "2026-12-01", "monthly_wage": "8000.00"}


def company(client, gateway, founder, housing_fund: bool = False) -> str:
    app_id = submitted(client, founder)
    chosen = {"employer_rate": 8, "employee_rate": 8} if housing_fund else None
    gateway.store.applications.update_one({"_id": app_id}, {"$set": {"form.housing_fund": chosen}})
    record(gateway.store, "registration", licence_payload(app_id))
    return client.get(f"{API}/applications/{app_id}", headers=founder["headers"]).json()["outputs"]["uscc"]


def by_bureau(reply) -> dict[str, dict]:
    return {a["bureau"]: a for a in reply.json()["answers"]}


def test_one_hire_reaches_social_security_medical_insurance_and_the_housing_fund_with_one_request_id(
        client, sign_up, bureaus, gateway):
    owner = sign_up()
    uscc = company(client, gateway, owner, housing_fund=True)
    bureaus.on("social_security", "enrol_employee",
               lambda u, e, r: captured.reply("social_security", "enrol_employee", employee_id="ss-1",
                                              employment_registered_on="2026-12-01"))
    bureaus.on("medical_insurance", "enrol_member", lambda u, e, r: captured.reply("medical_insurance", "enrol_member", record_number="YB1"))
    bureaus.on("housing_fund", "open_account", lambda u, e, r: captured.reply("housing_fund", "open_account", account_number="GJJ1"))
    reply = client.post(f"{API}/companies/{uscc}/employees", json=HIRE, headers={**owner["headers"], "Idempotency-Key": "k-1"})
    assert reply.status_code == 201 and reply.json()["outcome"] == "done"
    answers = by_bureau(reply)
    assert list(answers) == ["social_security", "medical_insurance", "housing_fund"]
    assert {a["status"] for a in answers.values()} == {"done"}
    assert answers["housing_fund"]["result"] == captured.reply("housing_fund", "open_account", account_number="GJJ1")
    asked = [(c[0], c[2][0], c[2][2]) for c in bureaus.calls if c[1] in ("enrol_employee", "enrol_member", "open_account")]
    assert asked == [("social_security", uscc, "k-1"), ("medical_insurance", uscc, "k-1"), ("housing_fund", uscc, "k-1")]


def test_a_bureau_that_refuses_undoes_nothing_and_the_answer_says_so(client, sign_up, bureaus, gateway):
    owner = sign_up()
    uscc = company(client, gateway, owner)  # no housing fund on the form: the centre is not asked
    bureaus.on("social_security", "enrol_employee",
               lambda u, e, r: captured.reply("social_security", "enrol_employee", employee_id="ss-1"))
    bureaus.on("medical_insurance", "enrol_member", Conflict("王芳已在本单位参加职工医保，不能重复参保"))
    reply = client.post(f"{API}/companies/{uscc}/employees", json=HIRE, headers=owner["headers"])
    assert reply.status_code == 201
    body = reply.json()
    assert body["outcome"] == "partial" and "医疗保障局未办理" in body["message"] and "不受影响" in body["message"]
    answers = by_bureau(reply)
    assert answers["social_security"]["status"] == "done"
    assert (answers["medical_insurance"]["status"], answers["medical_insurance"]["code"]) == ("refused", "CONFLICT")
    assert answers["housing_fund"]["status"] == "not_applicable"
    assert not any(c[0] == "housing_fund" for c in bureaus.calls)
    # the generated request id is the same at both bureaus asked
    ids = {c[2][2] for c in bureaus.calls if c[1] in ("enrol_employee", "enrol_member")}
    assert ids == {body["request_id"]}


def test_when_no_bureau_does_it_the_status_is_the_first_refusal(client, sign_up, bureaus, gateway):
    owner = sign_up()
    uscc = company(client, gateway, owner)
    refusal = Invalid.with_fields("员工信息有1处需要修改", [{"field": "start_date", "message": "不能早于单位成立日期"}])
    bureaus.on("social_security", "enrol_employee", refusal)
    bureaus.on("medical_insurance", "enrol_member", Unavailable("medical_insurance 暂时无法响应，请稍后再试"))
    reply = client.post(f"{API}/companies/{uscc}/employees", json=HIRE, headers=owner["headers"])
    assert reply.status_code == 422 and reply.json()["outcome"] == "refused"
    answers = by_bureau(reply)
    assert answers["social_security"]["errors"][0]["field"] == "start_date"
    assert answers["medical_insurance"]["status"] == "unavailable"


def test_a_leaver_is_named_by_resident_id_at_the_other_bureaus_and_the_id_is_never_answered(
        client, sign_up, bureaus, gateway):
    owner, stranger = sign_up(), sign_up()
    uscc = company(client, gateway, owner, housing_fund=True)
    bureaus.on("social_security", "person_of", lambda u, e: {"employee_id": e, "name": "王芳", "resident_id": HIRE["resident_id"]})
    bureaus.on("social_security", "end_employment",
               lambda u, e, d: captured.reply("social_security", "end_employment", employee_id=e))
    bureaus.on("medical_insurance", "end_membership", lambda u, r, d: captured.reply("medical_insurance", "end_membership"))
    bureaus.on("housing_fund", "close_account_of", NotFound("本单位没有此人的住房公积金个人账户"))
    assert client.delete(f"{API}/companies/{uscc}/employees/ss-1", headers=stranger["headers"]).status_code == 404
    reply = client.delete(f"{API}/companies/{uscc}/employees/ss-1?end_date=2026-12-31", headers=owner["headers"])
    assert reply.status_code == 200 and reply.json()["outcome"] == "partial"
    assert HIRE["resident_id"] not in reply.text
    calls = {c[1]: c[2] for c in bureaus.calls}
    assert calls["end_membership"] == (uscc, HIRE["resident_id"], "2026-12-31")
    assert calls["close_account_of"] == (uscc, HIRE["resident_id"], "2026-12-31")
    assert by_bureau(reply)["housing_fund"]["status"] == "refused"


def test_each_staff_row_gets_the_same_persons_medical_base_and_none_when_the_bureau_has_no_record():
    from gateway.staffing import with_medical_bases

    staff = [{"employee_id": "ss-1", "name": "王芳", "resident_id": "420***********123X", "start_date": "2026-11-24"},
             {"employee_id": "ss-2", "name": "王芳", "resident_id": "420***********123X", "start_date": "2027-10-08"},
             {"employee_id": "ss-3", "name": "李雷", "resident_id": "110***********0011", "start_date": "2026-11-24"}]
    members = [{"employee_id": "mi-2", "name": "王芳", "resident_id": "420***********123X", "start_date": "2027-10-08",
                "contribution_base": "4700.00", "base_provisional": True, "period": "2026-09"},
               {"employee_id": "mi-1", "name": "王芳", "resident_id": "420***********123X", "start_date": "2026-11-24",
                "contribution_base": "8000.00", "base_provisional": False, "period": "2026-09"}]
    rows = with_medical_bases(staff, members)
    assert [r["medical"] for r in rows] == [
        {"contribution_base": "8000.00", "base_provisional": False, "period": "2026-09"},
        {"contribution_base": "4700.00", "base_provisional": True, "period": "2026-09"},
        None]
    assert rows[0]["employee_id"] == "ss-1"  # social security's row, its id kept (the leaver form uses it)
