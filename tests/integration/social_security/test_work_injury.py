"""The work-injury risk class (人社部发〔2015〕71号) on the real broker and database: recorded at registration
from the licence's scope, charged in the month's contributions, printed on the certificate; a scope
with no known industry waits for a clerk, who sets the class."""

import base64
from io import BytesIO

import pytest
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from contracts.rpc import Invalid

from .conftest import licence_issued, resident_id

pytestmark = pytest.mark.integration


def one_employee() -> list[dict]:
    return [{"name": "员工甲", "resident_id": resident_id(1), "start_date": None, "monthly_wage": "8000.00"}]


def test_the_riskiest_scope_item_sets_the_rate_on_registration_contributions_and_certificate(bureau, today):
    event = licence_issued(one_employee(), org="00000021", scope=("G0001", "G0008"))  # 65 一类 + 51 二类
    bureau.publish_licence(event)
    uscc = event.licence.uscc
    employer = bureau.call("get_employer", uscc)
    assert (employer["work_injury"]["class"], employer["work_injury"]["rate"], employer["work_injury"]["scope_code"]) \
        == (2, "0.004", "G0008")
    owed = bureau.call("contributions", uscc, today.strftime("%Y-%m"))
    assert owed["employees"][0]["kinds"]["work_injury"] == {"base": "8000.00", "employer": "32.00", "personal": "0.00"}
    assert owed["work_injury"]["label"] == "二类"
    pdf = bureau.call("get_document", event.application_id, "social_security.certificate")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(base64.b64decode(pdf["data_base64"]))).pages)
    assert "二类行业，基准费率0.4%" in text.replace(" ", "").replace("\n", "")


def test_a_scope_of_no_known_industry_waits_for_a_clerk_who_sets_the_class(bureau, today):
    event = licence_issued(one_employee(), org="00000022", scope=("X0000",))
    bureau.publish_licence(event, wait_for="on_task_queued")
    [queued] = bureau.events("task_queued")
    assert queued["kind"] == "employer_registration" and "工伤保险行业风险类别" in queued["reason"]
    with pytest.raises(Invalid) as caught:
        bureau.call("act_on_task", queued["task_id"], "clerk-li", "approve", {"work_injury_class": 9})
    assert {e.field: e.message for e in caught.value.field_errors} == {"work_injury_class": "工伤保险行业风险类别应为1至8类"}
    with entrypoint_waiter(bureau.recorder, "on_employees_enrolled"):
        bureau.call("act_on_task", queued["task_id"], "clerk-li", "approve", {"work_injury_class": 5})
    employer = bureau.call("get_employer", event.licence.uscc)
    assert (employer["state"], employer["work_injury"]["class"], employer["work_injury"]["rate"]) == \
        ("registered", 5, "0.011")
    owed = bureau.call("contributions", event.licence.uscc, today.strftime("%Y-%m"))
    assert owed["employees"][0]["kinds"]["work_injury"]["employer"] == "88.00"
