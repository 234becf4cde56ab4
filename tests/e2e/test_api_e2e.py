"""The real system over real HTTP: a founder signs up, submits the example form and follows it to
`completed`, then downloads the licence; plus the refusals a user meets."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from pypdf import PdfReader

from tests.e2e.conftest import STAFF_PASSWORD, confirm_everyone, log_in, sign_up_and_log_in
from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "application.json"


def wait_for(http, app_id, headers, statuses, timeout=90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = http.get(f"{API}/applications/{app_id}", headers=headers).json()
        if view["status"] in statuses or time.monotonic() > deadline:
            return view
        time.sleep(0.2)


def test_submit_the_example_and_follow_it_to_completed(http, founder):
    # examples/application.json with a fresh trade name and IDs, so reruns never clash on the name
    form = make_form()
    assert form["business_scope"] == json.loads(EXAMPLE.read_text("utf-8"))["business_scope"]
    started = time.monotonic()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)  # both people named confirm from their own accounts
    view = wait_for(http, app_id, founder, {"completed", "rejected"})
    elapsed = time.monotonic() - started
    print(f"\nsubmit -> completed on the automatic path: {elapsed:.2f} s")
    assert view["status"] == "completed", json.dumps(view["steps"], ensure_ascii=False)
    assert {s["state"] for s in view["steps"] if s["bureau"] != "bank"} == {"done"}  # no bank account asked for
    outputs = view["outputs"]
    assert outputs["uscc"] and outputs["seals"] and outputs["tax_registration"] and outputs["invoices"]
    assert len(outputs["employees"]) == len(form["employees"])
    assert outputs["housing_fund"]["unit_account"].startswith("GJJ")  # the form ticked the housing fund
    assert (outputs["housing_fund"]["employer_rate"], outputs["housing_fund"]["employee_rate"]) == (8, 8)
    certificate = next(d for d in view["documents"] if d["name"] == "housing_fund.certificate")
    pdf = http.get(certificate["url"].removeprefix(str(http.base_url).rstrip("/")), headers=founder)
    assert pdf.status_code == 200 and outputs["housing_fund"]["unit_account"] in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert view["taken"]["working_days"] in (0, 1) and view["taken"]["within_target"] is True
    licence = next(d for d in view["documents"] if d["name"] == "registration.licence")
    pdf = http.get(licence["url"].removeprefix(str(http.base_url).rstrip("/")), headers=founder)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert outputs["uscc"] in text
    verified = http.get(f"{API}/verify/licences/{outputs['uscc']}").json()
    assert verified["genuine"] is True


def test_a_bad_form_gets_422_naming_each_bad_field(http, founder):
    form = make_form()
    form["name"]["trade_name"] = "A1"
    form["contact"]["email"] = "not-an-email"
    form["shareholders"][0]["subscribed_amount"] = "1.00"
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 422
    fields = {e["field"] for e in reply.json()["errors"]}
    assert {"name.trade_name", "contact.email", "shareholders"} <= fields
    assert http.get(f"{API}/applications", headers=founder).json() == []


def test_a_retried_submit_creates_nothing_new(http):
    headers = {**sign_up_and_log_in(http), "Idempotency-Key": "retry-1"}
    form = make_form()
    ids = {http.post(f"{API}/applications", json=form, headers=headers).json()["id"] for _ in range(3)}
    assert len(ids) == 1
    assert [a["id"] for a in http.get(f"{API}/applications", headers=headers).json()] == list(ids)


def test_another_founders_application_is_404(http, founder):
    app_id = http.post(f"{API}/applications", json=make_form(), headers=founder).json()["id"]
    stranger = sign_up_and_log_in(http)
    assert http.get(f"{API}/applications/{app_id}", headers=stranger).status_code == 404
    reply = http.get(f"{API}/applications/{app_id}/documents/registration.licence", headers=stranger)
    assert reply.status_code == 404 and reply.json()["code"] == "NOT_FOUND"


def test_a_clerk_is_refused_another_bureaus_tasks(http):
    tax = log_in(http, "tax.clerk", STAFF_PASSWORD)
    assert http.get(f"{API}/bureaus/tax/tasks", headers=tax).status_code == 200
    reply = http.get(f"{API}/bureaus/seal/tasks", headers=tax)
    assert reply.status_code == 403 and reply.json()["code"] == "FORBIDDEN"


def test_health_and_a_valid_openapi_document(http):
    health = http.get("/healthz")
    assert health.status_code == 200, health.text
    document = http.get("/openapi.json").json()
    validate(document)
    assert "/api/v1/applications" in document["paths"]
    docs = http.get("/docs")
    assert docs.status_code == 200 and "/static/docs/swagger-ui-bundle.js" in docs.text
    assert http.get("/static/docs/swagger-ui-bundle.js").status_code == 200
