"""Changes after start-up without any new form: enrol, leave, re-enrol, contributions, certificate."""

import base64
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from contracts.codes import mask_resident_id
from contracts.rpc import Conflict, Invalid, NotFound, register_remote_errors

from .conftest import licence_issued, resident_id

pytestmark = pytest.mark.integration


@pytest.fixture
def employer(bureau):
    """A registered employer with one founding employee on 8000.00 a month."""
    event = licence_issued([{"name": "张三", "resident_id": resident_id(1), "start_date": None,
                             "monthly_wage": "8000.00"}], org="00000010")
    bureau.publish_licence(event)
    return event


def new_hire(seq=2, **over):
    return {"name": "李四", "resident_id": resident_id(seq), "start_date": None, "monthly_wage": "12000.00"} | over


def test_enrol_leave_and_enrol_again(bureau, employer, today):
    uscc = employer.licence.uscc
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        li = bureau.call("enrol_employee", uscc, new_hire())
    assert li["state"] == "active" and li["resident_id"] == mask_resident_id(resident_id(2))
    assert li["start_date"] == today.isoformat() and li["contribution_base"] == "12000.00"
    announced = bureau.events("employees_enrolled")[-1]
    assert announced["employees"][0]["employee_id"] == li["employee_id"]
    assert resident_id(2) not in str(announced)

    left = bureau.call("end_employment", uscc, li["employee_id"])
    assert left["state"] == "ended" and left["end_date"] == today.isoformat()
    assert bureau.call("end_employment", uscc, li["employee_id"]) == left  # a retry changes nothing
    assert bureau.call("get_employer", uscc)["active_staff"] == 1

    back = bureau.call("enrol_employee", uscc, new_hire(start_date=(today + timedelta(days=30)).isoformat()))
    assert back["employee_id"] != li["employee_id"] and back["record_number"] != li["record_number"]
    assert [(p["name"], p["state"]) for p in bureau.call("list_staff", uscc)] == [
        ("张三", "active"), ("李四", "ended"), ("李四", "active")]


def test_the_same_person_cannot_be_enrolled_twice_at_once(bureau, employer):
    uscc = employer.licence.uscc
    pool = eventlet.GreenPool()
    results = []

    register_remote_errors()  # Conflict comes back over the wire as our own class

    def attempt():  # two real RPC clients, as two browser tabs or two HR clerks would be
        with ServiceRpcProxy("social_security", bureau.config) as proxy:
            try:
                results.append(proxy.enrol_employee(uscc, new_hire(seq=7)))
            except Conflict as exc:
                results.append(exc)

    for _ in range(2):
        pool.spawn(attempt)
    pool.waitall()
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    assert "已在本单位参保" in str(next(r for r in results if isinstance(r, Conflict)))
    with pytest.raises(Conflict):  # and later, while still employed
        bureau.call("enrol_employee", uscc, new_hire(seq=7, name="李四四"))
    assert len([p for p in bureau.call("list_staff", uscc) if p["name"] == "李四"]) == 1


def test_a_retried_request_returns_the_first_enrolment(bureau, employer):
    uscc = employer.licence.uscc
    first = bureau.call("enrol_employee", uscc, new_hire(seq=8), request_id="hr-42")
    assert bureau.call("enrol_employee", uscc, new_hire(seq=8), request_id="hr-42") == first
    assert len(bureau.call("list_staff", uscc)) == 2


def test_bad_employee_input_names_each_field_and_writes_nothing(bureau, employer, mongo_db, today):
    uscc = employer.licence.uscc
    bad = {"name": "李", "resident_id": resident_id(9)[:-1] + "Y", "start_date": "2026-02-30", "monthly_wage": "0"}
    with pytest.raises(Invalid) as caught:
        bureau.call("enrol_employee", uscc, bad)
    assert [e.field for e in caught.value.field_errors] == ["name", "resident_id", "start_date", "monthly_wage"]
    with pytest.raises(Invalid) as caught:
        bureau.call("enrol_employee", uscc, new_hire(start_date=(today + timedelta(days=400)).isoformat()))
    assert [e.field for e in caught.value.field_errors] == ["start_date"]
    assert mongo_db["enrolments"].count_documents({}) == 1
    with pytest.raises(NotFound):
        bureau.call("enrol_employee", "91420111MA0000000X", new_hire())
    with pytest.raises(NotFound):
        bureau.call("end_employment", uscc, "no-such-employee")
    zhang = bureau.call("list_staff", uscc)[0]
    for end_date in ("2020-01-01", "31/12/2026"):
        with pytest.raises(Invalid) as caught:
            bureau.call("end_employment", uscc, zhang["employee_id"], end_date)
        assert [e.field for e in caught.value.field_errors] == ["end_date"]
    assert bureau.call("list_staff", uscc)[0]["state"] == "active"


def test_contributions_for_a_month(bureau, employer, today):
    uscc = employer.licence.uscc
    bureau.call("enrol_employee", uscc, new_hire(seq=3, monthly_wage="3000.00"))  # below the floor
    month = today.strftime("%Y-%m")
    owed = bureau.call("contributions", uscc, month)
    assert owed["month"] == month and owed["totals"]["headcount"] == 2
    by_name = {row["name"]: row for row in owed["employees"]}
    zhang = by_name["张三"]
    assert zhang["contribution_base"] == "8000.00"
    assert zhang["kinds"]["pension"] == {"base": "8000.00", "employer": "1280.00", "personal": "640.00"}
    assert "housing_fund" not in zhang["kinds"]
    assert Decimal(by_name["李四"]["contribution_base"]) > Decimal("3000.00")
    assert owed["totals"]["employer"] == str(sum(Decimal(r["employer"]) for r in owed["employees"]))
    assert owed["totals"]["total"] == str(Decimal(owed["totals"]["employer"]) + Decimal(owed["totals"]["personal"]))
    last_shipped = date(2027, 8, 31)  # the end of the last period shipped in data/
    assert owed["provisional"] is (today > last_shipped) and owed["policy"]["period"].endswith(
        last_shipped.isoformat()) or today < date(2026, 9, 1)
    # a month past every published period: the last figures continue, marked provisional
    later = bureau.call("contributions", uscc, "2031-01")
    assert later["provisional"] and later["policy"]["provisional"] and later["totals"]["headcount"] == 2
    with pytest.raises(Invalid) as caught:  # before the first period: nothing to continue from
        bureau.call("contributions", uscc, "2020-01")
    assert caught.value.field_errors[0].field == "month" and "尚未配置" in str(caught.value)
    with pytest.raises(Invalid):
        bureau.call("contributions", uscc, "January")
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert bureau.call("contributions", uscc, last_month)["totals"]["headcount"] == 0


def test_certificate_pdf_lists_the_employer_and_masked_staff(bureau, employer):
    refs = bureau.call("list_documents", employer.application_id)
    assert [r["name"] for r in refs] == ["social_security.certificate"]
    document = bureau.call("get_document", employer.application_id, "social_security.certificate")
    assert document["content_type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(base64.b64decode(document["data_base64"]))).pages)
    registered = bureau.call("get_employer", employer.licence.uscc)
    for expected in (employer.licence.company_name, employer.licence.uscc, registered["employer_number"],
                     "养老保险", "张三", mask_resident_id(resident_id(1))):
        assert expected in text, expected
    assert resident_id(1) not in text
    with pytest.raises(NotFound):
        bureau.call("get_document", employer.application_id, "social_security.other")
    assert bureau.call("list_documents", "app-unknown") == []


def test_health(bureau):
    assert bureau.call("health") == {"service": "social_security", "status": "ok", "database": "ok", "checks": {}}
