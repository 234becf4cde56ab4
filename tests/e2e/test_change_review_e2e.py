"""After start-up over real HTTP: a change registration's rules cannot decide goes to the registration
clerk (correction and back), and a creditor objects to a capital decrease on the public endpoint."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import STAFF_PASSWORD, confirm_everyone, log_in, sign_up_and_log_in
from tests.e2e.test_api_e2e import wait_for
from tests.e2e.test_change_of_details import wait_for_change
from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"


def _company(http, founder) -> tuple[dict, str]:
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder, {"completed", "rejected"})
    assert view["status"] == "completed", view
    return form, view["outputs"]["uscc"]


def test_a_licensed_scope_change_goes_to_the_clerk_who_asks_for_a_correction_then_approves(http, founder):
    form, uscc = _company(http, founder)
    changes = f"{API}/companies/{uscc}/changes"
    reply = http.post(changes, json={"business_scope": [*form["business_scope"], "L0003"]}, headers=founder)
    assert reply.status_code == 201, reply.text
    change = reply.json()
    assert change["state"] == "under_review" and "第二十四条" in change["review"]["reasons"][0]
    url = f"{changes}/{change['change_id']}"

    clerk = log_in(http, "reg.clerk", STAFF_PASSWORD)
    tasks = http.get(f"{API}/bureaus/registration/tasks", headers=clerk).json()
    [task] = [t for t in tasks if t["details"].get("change_id") == change["change_id"]]
    assert task["kind"] == "change_review" and task["deadline"] == change["review"]["deadline"]
    assert http.get(f"{API}/bureaus/registration/tasks", headers=founder).status_code == 403
    asked = http.post(f"{API}/bureaus/registration/tasks/{task['id']}/request-correction",
                      json={"reasons": ["请删去货物进出口，或补充对外贸易经营者备案"], "fields": ["business_scope"]},
                      headers=clerk)
    assert asked.status_code == 200, asked.text

    sent_back = http.get(url, headers=founder).json()
    assert sent_back["state"] == "correction_requested"
    assert sent_back["correction"]["reasons"] == ["请删去货物进出口，或补充对外贸易经营者备案"]
    bad = http.post(f"{url}/correction", json={"business_scope": ["X9999"]}, headers=founder)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("business_scope")
    corrected = http.post(f"{url}/correction", json={"business_scope": [*form["business_scope"], "G0008"]},
                          headers=founder)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["state"] == "under_review" and corrected.json()["review"]["revision"] == 1
    assert http.post(f"{url}/correction", json={"business_scope": form["business_scope"]},
                     headers=founder).status_code == 409

    [again] = [t for t in http.get(f"{API}/bureaus/registration/tasks", headers=clerk).json()
               if t["details"].get("change_id") == change["change_id"]]
    assert again["assigned_to"] == "reg.clerk"
    approved = http.post(f"{API}/bureaus/registration/tasks/{again['id']}/approve", json={}, headers=clerk)
    assert approved.status_code == 200, approved.text
    done = wait_for_change(http, url, founder)
    assert done["state"] == "completed", done
    lines = [e["summary"] for e in done["timeline"]]
    asked_at = next(i for i, s in enumerate(lines) if "要求补正" in s)
    approved_at = next(i for i, s in enumerate(lines) if "审核通过" in s)
    assert asked_at < approved_at, lines
    assert http.get(f"{API}/verify/licences/{uscc}").json()["version"] == 2


def test_a_creditor_objects_to_a_capital_decrease_and_the_company_answers(http, founder):
    form, uscc = _company(http, founder)
    public = f"{API}/verify/licences/{uscc}/capital-objections"
    objection = {"creditor": "武汉江城晨光商贸有限公司", "demand": "guarantee", "reason": "尚有30000元货款未到期"}
    assert http.post(public, json=objection).status_code == 404  # no decrease published
    holders = [{**form["shareholders"][0], "subscribed_amount": "300000.00"},
               {**form["shareholders"][1], "subscribed_amount": "200000.00"}]
    reply = http.post(f"{API}/companies/{uscc}/changes", headers=founder, json={
        "registered_capital": "500000.00", "shareholders": holders, "creditors_notified": True})
    assert reply.status_code == 201 and reply.json()["state"] == "noticed", reply.text
    url = f"{API}/companies/{uscc}/changes/{reply.json()['change_id']}"

    bad = http.post(public, json={"creditor": "某公司", "demand": "sue", "reason": "x"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"demand", "reason"}
    recorded = http.post(public, json=objection)  # no login: anyone holding the public notice
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["recorded"] is True and "武汉江城" not in recorded.text

    view = http.get(url, headers=founder).json()
    [held] = view["objections"]
    assert held["creditor"] == objection["creditor"] and held["demand_label"] == "要求提供相应的担保"
    assert any("债权人提出异议" in e["summary"] for e in view["timeline"])
    answer = f"{url}/objections/{held['id']}/answer"
    assert http.post(answer, json={"outcome": "maybe"}, headers=founder).status_code == 422
    done = http.post(answer, json={"outcome": "guaranteed", "note": "已由股东提供连带责任保证"}, headers=founder)
    assert done.status_code == 200 and done.json()["objections"][0]["answer"]["label"] == "已提供相应的担保"
    assert http.post(answer, json={"outcome": "settled"}, headers=founder).status_code == 409
    assert http.post(answer, json={"outcome": "settled"}, headers=sign_up_and_log_in(http)).status_code == 404
