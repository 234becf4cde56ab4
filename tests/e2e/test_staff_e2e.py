"""Medical insurance and later hires over real HTTP against the running system: the example form
(employees, housing fund ticked) completes with the medical-insurance output and its signed
certificate; then ONE hire request reaches social security, medical insurance and the housing fund,
a retry with the same Idempotency-Key changes nothing, and ONE leaver request ends the person at all
three."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from tests.e2e.test_api_e2e import API, wait_for
from tests.factories import make_form, resident_id

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def company(http):
    from tests.e2e.conftest import sign_up_and_log_in

    founder = sign_up_and_log_in(http)
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 201, reply.text
    view = wait_for(http, reply.json()["id"], founder, {"completed", "rejected"})
    assert view["status"] == "completed", json.dumps(view["steps"], ensure_ascii=False)
    return founder, form, view


def pdf_text(http, founder, view, name) -> str:
    pdf = http.get(f"{API}/applications/{view['id']}/documents/{name}", headers=founder)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_an_application_with_employees_completes_with_the_medical_insurance_output(http, company):
    founder, form, view = company
    assert form["employees"]  # so the medical-insurance step is the founder's
    [step] = [s for s in view["steps"] if s["bureau"] == "medical_insurance"]
    assert step["state"] == "done"
    medical = view["outputs"]["medical_insurance"]
    assert medical["unit_number"].startswith("YB420") and medical["insurances"] == ["职工基本医疗保险", "生育保险"]
    assert view["outputs"]["social_security"]["insurances"] == ["养老保险", "失业保险", "工伤保险"]
    text = pdf_text(http, founder, view, "medical_insurance.certificate")
    assert medical["unit_number"] in text and "生育保险" in text
    assert form["employees"][0]["resident_id"] not in text
    social = pdf_text(http, founder, view, "social_security.certificate")
    assert "就业登记日期" in social and "医疗保险（含生育）" not in social


def test_one_hire_reaches_all_three_bureaus_once_and_one_leaver_request_ends_it_at_each(http, company):
    founder, form, view = company
    uscc = view["outputs"]["uscc"]
    hire = {"name": "李晓明", "resident_id": resident_id(), "start_date": view["outputs"]["licence"]["established_on"],
            "monthly_wage": "9000.00"}
    headers = {**founder, "Idempotency-Key": "hire-e2e-1"}
    first = http.post(f"{API}/companies/{uscc}/employees", json=hire, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["outcome"] == "done" and body["request_id"] == "hire-e2e-1"
    answers = {a["bureau"]: a for a in body["answers"]}
    assert list(answers) == ["social_security", "medical_insurance", "housing_fund"]
    assert {a["status"] for a in answers.values()} == {"done"}, body
    assert answers["social_security"]["result"]["employment_registered_on"]
    assert answers["medical_insurance"]["result"]["record_number"].startswith(view["outputs"]["medical_insurance"]["unit_number"])
    assert answers["housing_fund"]["result"]["account_number"].startswith(view["outputs"]["housing_fund"]["unit_account"])
    assert hire["resident_id"] not in first.text
    again = http.post(f"{API}/companies/{uscc}/employees", json=hire, headers=headers)
    assert again.status_code == 201 and again.json()["answers"] == body["answers"]  # the same, nothing new
    other = http.post(f"{API}/companies/{uscc}/employees", json=hire, headers={**founder, "Idempotency-Key": "hire-e2e-2"})
    assert other.status_code == 409 and other.json()["outcome"] == "refused"  # the same person twice: nowhere
    staff = http.get(f"{API}/companies/{uscc}/employees", headers=founder).json()
    assert len(staff) == len(form["employees"]) + 1
    employee_id = answers["social_security"]["result"]["employee_id"]
    left = http.delete(f"{API}/companies/{uscc}/employees/{employee_id}", headers=founder)
    assert left.status_code == 200 and left.json()["outcome"] == "done", left.text
    states = {a["bureau"]: a["result"]["state"] for a in left.json()["answers"]}
    assert states == {"social_security": "ended", "medical_insurance": "ended", "housing_fund": "closed"}
    assert http.delete(f"{API}/companies/{uscc}/employees/nobody", headers=founder).status_code == 404
