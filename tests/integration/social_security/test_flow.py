"""licence_issued -> employer_registered -> employees_enrolled on the real broker and database,
then the clerk path for an employee whose ID number fails its check."""

import json

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts.codes import mask_resident_id
from contracts.rpc import Conflict, Invalid
from tests.support.numbers import next_number

from .conftest import licence_issued, resident_id

pytestmark = pytest.mark.integration


NUMERALS = "甲乙丙丁戊己庚辛壬癸"  # a person's name is 规范汉字 only (contracts/text.py)

def staff(n: int, **over) -> list[dict]:
    return [{"name": f"员工{NUMERALS[i]}", "resident_id": resident_id(i + 1), "start_date": None,
             "monthly_wage": "8000.00"} | over for i in range(n)]


def test_licence_issued_registers_the_employer_then_enrols_the_staff(bureau, today):
    broken = resident_id(3)[:-1] + ("0" if resident_id(3)[-1] != "0" else "1")
    people = staff(2) + [{"name": "王五", "resident_id": broken, "start_date": None, "monthly_wage": "3000.00"}]
    event = licence_issued(people)
    uscc = event.licence.uscc
    with entrypoint_waiter(bureau.recorder, "on_task_queued"):
        bureau.publish_licence(event)

    [registered] = bureau.events("employer_registered")
    assert registered["uscc"] == uscc and registered["application_id"] == event.application_id
    assert registered["employer_number"] == f"420111{today.year}000001"
    assert registered["insurances"] == ["养老保险", "失业保险", "工伤保险"]  # medical: the 医疗保障局's
    assert "housing_fund_account" not in registered  # the housing-fund centre's own (services/housing_fund)
    assert [d["name"] for d in registered["documents"]] == ["social_security.certificate"]

    [enrolled] = bureau.events("employees_enrolled")
    assert registered["occurred_at"] < enrolled["occurred_at"]
    assert [(e["name"], e["start_date"]) for e in enrolled["employees"]] == [
        ("员工甲", today.isoformat()), ("员工乙", today.isoformat())]
    assert all(e["record_number"].startswith(registered["employer_number"]) for e in enrolled["employees"])
    # 就业登记 with each enrolment: its number from the record, its date the day it was recorded
    assert [(e["employment_number"], e["employment_registered_on"]) for e in enrolled["employees"]] == [
        (f"JY{e['record_number']}", today.isoformat()) for e in enrolled["employees"]]
    [queued] = bureau.events("task_queued")
    assert queued["kind"] == "employee_enrolment" and "身份证号码校验未通过" in queued["reason"]
    published = json.dumps(bureau.all_payloads(), ensure_ascii=False)
    for person in people:
        assert person["resident_id"] not in published  # no raw ID number leaves the bureau

    employer = bureau.call("get_employer", uscc)
    assert employer["state"] == "registered" and employer["active_staff"] == 2
    listed = bureau.call("list_staff", uscc)
    assert [(p["name"], p["resident_id"], p["contribution_base"], p["employment_registered_on"]) for p in listed] == [
        ("员工甲", mask_resident_id(people[0]["resident_id"]), "8000.00", today.isoformat()),
        ("员工乙", mask_resident_id(people[1]["resident_id"]), "8000.00", today.isoformat())]

    # the clerk checks 王五's ID card, corrects the number and approves: he is enrolled too
    task = bureau.call("get_task", queued["task_id"])
    assert task["details"]["resident_id"] == mask_resident_id(broken) and task["actions"] == ["approve", "reject"]
    with pytest.raises(Invalid) as caught:  # still broken: refused, nothing written
        bureau.call("act_on_task", queued["task_id"], "clerk-li", "approve", {})
    assert [e.field for e in caught.value.field_errors] == ["resident_id"]
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        done = bureau.call("act_on_task", queued["task_id"], "clerk-li", "approve",
                           {"resident_id": resident_id(3)})
    assert done["state"] == "done" and done["history"][-1]["clerk"] == "clerk-li"
    assert bureau.events("employees_enrolled")[-1]["employees"][0]["name"] == "王五"
    wang = bureau.call("list_staff", uscc)[-1]
    assert wang["name"] == "王五" and wang["contribution_base"] == "4700.00"  # 3000 clamped to the floor
    assert bureau.call("list_tasks", "open") == []


def test_a_clerk_rejection_reaches_the_founder_as_step_rejected(bureau):
    broken = resident_id(5)[:-1] + ("0" if resident_id(5)[-1] != "0" else "1")
    event = licence_issued([{"name": "钱七", "resident_id": broken, "start_date": None, "monthly_wage": "5000"}],
                           org="00000002")
    bureau.publish_licence(event, wait_for="on_task_queued")
    assert bureau.events("employees_enrolled") == []  # nothing standard to report yet
    [queued] = bureau.events("task_queued")
    bureau.call("claim_task", queued["task_id"], "clerk-wang")
    with pytest.raises(Conflict):
        bureau.call("act_on_task", queued["task_id"], "clerk-li", "reject", {"reasons": ["证件不符"]})
    with pytest.raises(Invalid):
        bureau.call("act_on_task", queued["task_id"], "clerk-wang", "reject", {"reasons": []})
    with entrypoint_waiter(bureau.recorder, "on_step_rejected"):
        bureau.call("act_on_task", queued["task_id"], "clerk-wang", "reject", {"reasons": ["身份证件与本人不符"]})
    [rejected] = bureau.events("step_rejected")
    assert rejected["step"] == "employee_enrolment" and rejected["reasons"] == ["身份证件与本人不符"]
    assert bureau.call("list_staff", event.licence.uscc) == []
    assert [t["state"] for t in bureau.call("list_tasks", "done")] == ["rejected"]


def test_a_duplicate_event_registers_once_and_enrols_once(bureau, mongo_db):
    event = licence_issued(staff(3), org="00000003")
    bureau.publish_licence(event)
    first = bureau.call("get_employer", event.licence.uscc)
    bureau.publish_licence(event, wait_for=None)  # redelivered: same event_id
    again = event.model_copy(update={"event_id": "another-delivery"})
    bureau.publish_licence(again, wait_for=None)  # re-sent by registration: new event_id, same licence
    assert bureau.call("get_employer", event.licence.uscc) == first
    assert mongo_db["employers"].count_documents({}) == 1
    assert mongo_db["enrolments"].count_documents({}) == 3
    assert next_number(mongo_db, f"employer:420111:{first['employer_number'][6:10]}") == 2  # drew none
    assert len(bureau.events("employer_registered")) == 1


def test_an_employer_outside_the_served_districts_waits_for_a_clerk(bureau):
    event = licence_issued(staff(1), org="00000004", district="110105")
    bureau.publish_licence(event, wait_for="on_task_queued")
    [queued] = bureau.events("task_queued")
    assert queued["kind"] == "employer_registration" and "不在本系统服务范围内" in queued["reason"]
    assert bureau.call("get_employer", event.licence.uscc)["state"] == "pending_review"
    assert [t["id"] for t in bureau.call("list_tasks")] == [queued["task_id"]]

    claimed = bureau.call("claim_task", queued["task_id"], "clerk-zhou")
    assert claimed["state"] == "claimed" and claimed["claimed_by"] == "clerk-zhou"
    with pytest.raises(Conflict):
        bureau.call("claim_task", queued["task_id"], "clerk-wu")
    assert bureau.call("release_task", queued["task_id"], "clerk-zhou")["state"] == "open"
    with pytest.raises(Invalid):
        bureau.call("act_on_task", queued["task_id"], "clerk-wu", "mark_engraved", {"engraver": "测试用印章刻制单位"})
    with entrypoint_waiter(bureau.recorder, "on_task_queued"):
        done = bureau.call("act_on_task", queued["task_id"], "clerk-wu", "approve", {})
    assert done["state"] == "done" and [h["action"] for h in done["history"]] == ["claim", "release", "approve"]
    [registered] = bureau.events("employer_registered")
    assert registered["employer_number"].startswith("110105")
    # no contribution bases are configured for that district: the employee waits for a clerk, no guess
    staff_task = bureau.events("task_queued")[-1]
    assert staff_task["kind"] == "employee_enrolment" and "尚未配置" in staff_task["reason"]
    assert bureau.events("employees_enrolled") == []
    with pytest.raises(Conflict):  # decided tasks stay decided
        bureau.call("act_on_task", queued["task_id"], "clerk-wu", "approve", {})
