"""Change of details (变更登记) over real HTTP: a company moves across districts with one request, and
every bureau answers on the founder's one timeline for the change."""

from __future__ import annotations

import io
import time
from datetime import datetime

import pytest
from pypdf import PdfReader

from contracts import clock
from tests.e2e.conftest import confirm_everyone, sign_up_and_log_in
from tests.e2e.test_api_e2e import wait_for
from tests.factories import make_form, resident_id

pytestmark = pytest.mark.e2e

API = "/api/v1"
MOVE = {"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}}


def wait_for_change(http, url, headers, timeout=90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = http.get(url, headers=headers).json()
        # the state is registration's at once; the timeline is the tracker's record of every answer and follows
        recorded = sum(e["type"] == "change_recorded" for e in view["timeline"]) == len(view.get("bureaus", []))
        if (view["state"] == "completed" and recorded) or time.monotonic() > deadline:
            return view
        time.sleep(0.2)


def wait_until(check, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_an_address_change_across_districts_gets_every_bureaus_answer(http, founder):
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder, {"completed", "rejected"})
    assert view["status"] == "completed"
    uscc = view["outputs"]["uscc"]
    changes = f"{API}/companies/{uscc}/changes"

    # a change that breaks a form rule: a field error in Chinese, nothing registered
    stranger = {"name": "李娜", "resident_id": resident_id(female=True), "position": "director"}
    refused = http.post(changes, json={"legal_representative": stranger}, headers=founder)
    assert refused.status_code == 422
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert "公司法第十条" in errors["legal_representative"]
    # only the founder who owns the company
    assert http.post(changes, json=MOVE, headers=sign_up_and_log_in(http)).status_code == 404

    reply = http.post(changes, json=MOVE, headers={**founder, "Idempotency-Key": "move-1"})
    assert reply.status_code == 201, reply.text
    change = reply.json()
    assert change["version"] == 2 and change["sections"] == ["domicile"]
    again = http.post(changes, json=MOVE, headers={**founder, "Idempotency-Key": "move-1"})
    assert again.json()["change_id"] == change["change_id"]  # a retry, not a second change

    done = wait_for_change(http, f"{changes}/{change['change_id']}", founder)
    assert done["state"] == "completed", done
    answers = {b["bureau"]: b for b in done["bureaus"]}
    assert set(answers) == {"seal", "tax", "social_security", "housing_fund", "medical_insurance"}
    assert all(b["answered"] for b in answers.values())
    assert answers["tax"]["detail"] == {"tax_office": "国家税务总局武汉市武昌区税务局",
                                        "previous_tax_office": "国家税务总局武汉市洪山区税务局",
                                        "office_changed": True}
    # the housing-fund centre keeps the unit account and follows the new district
    assert answers["housing_fund"]["detail"]["district_code"] == "420106"
    assert answers["housing_fund"]["detail"]["unit_account"].startswith("GJJ420111")
    # the founder's timeline for the change: registration's new licence, then each bureau's answer
    kinds = [(e["source"], e["type"]) for e in done["timeline"]]
    assert kinds[0] == ("registration", "company_changed")
    assert sorted(kinds[1:]) == [(b, "change_recorded") for b in sorted(answers)]
    assert [c["change_id"] for c in http.get(changes, headers=founder).json()] == [change["change_id"]]

    # the public verification: version 2 is current (new authority), version 1 superseded with its period
    current = http.get(f"{API}/verify/licences/{uscc}").json()
    assert current["status"] == "active" and current["version"] == 2
    assert current["licence"]["authority"] == "武汉市武昌区市场监督管理局"
    assert current["licence"]["domicile"] == "湖北省武汉市武昌区中南路99号"
    old = http.get(f"{API}/verify/licences/{uscc}", params={"version": 1}).json()
    assert old["status"] == "superseded" and old["licence"]["district_code"] == "420111"
    assert old["valid_to"] == current["valid_from"]
    # the licence the founder downloads is the new version
    licence = next(d for d in http.get(f"{API}/applications/{view['id']}", headers=founder).json()["documents"]
                   if d["name"] == "registration.licence")
    pdf = http.get(licence["url"].removeprefix(str(http.base_url).rstrip("/")), headers=founder)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "中南路99号" in text


def test_a_name_change_makes_new_seals_voids_the_old_and_every_bureau_records_the_name(http, founder):
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder, {"completed", "rejected"})
    assert view["status"] == "completed"
    uscc = view["outputs"]["uscc"]
    old_name = http.get(f"{API}/verify/licences/{uscc}").json()["licence"]["company_name"]
    old_seals = [s["code"] for s in view["outputs"]["seals"]]
    changes = f"{API}/companies/{uscc}/changes"

    # a name the rules refuse is a field error in Chinese
    refused = http.post(changes, json={"name": {**form["name"], "trade_name": "美国云启"}}, headers=founder)
    assert refused.status_code == 422
    assert "外国国家" in {e["field"]: e["message"] for e in refused.json()["errors"]}["name.trade_name"]

    new_name = {**form["name"], "trade_name": make_form()["name"]["trade_name"]}
    reply = http.post(changes, json={"name": new_name}, headers={**founder, "Idempotency-Key": "rename-1"})
    assert reply.status_code == 201, reply.text
    done = wait_for_change(http, f"{changes}/{reply.json()['change_id']}", founder)
    assert done["state"] == "completed" and done["labels"] == ["名称"], done
    answers = {b["bureau"]: b for b in done["bureaus"]}
    assert set(answers) == {"seal", "tax", "social_security", "housing_fund", "medical_insurance"}

    # a new licence version with the same USCC under the new name; the old one superseded
    current = http.get(f"{API}/verify/licences/{uscc}").json()
    renamed = current["licence"]["company_name"]
    assert current["version"] == 2 and new_name["trade_name"] in renamed and renamed != old_name
    assert http.get(f"{API}/verify/licences/{uscc}", params={"version": 1}).json()["licence"]["company_name"] == old_name
    # the founder's application and list show the current name (the tracker recorded the new licence)
    app_id = view["id"]
    assert wait_until(lambda: http.get(f"{API}/applications/{app_id}", headers=founder).json()["company_name"] == renamed)
    assert {a["id"]: a["company_name"] for a in http.get(f"{API}/applications", headers=founder).json()}[app_id] == renamed
    # every bureau records the new name
    assert all(b["detail"]["company_name"] == renamed and renamed in b["summary"] for b in answers.values())
    # the seal bureau: new seals for the new name, the old ones void with the date
    seal = answers["seal"]["detail"]
    assert sorted(seal["voided"]) == sorted(old_seals) and len(seal["new_seals"]) == len(old_seals)
    today = clock.china_date(datetime.fromisoformat(current["valid_from"])).isoformat()
    for code in old_seals:
        found = http.get(f"{API}/verify/seals/{code}").json()
        assert found["genuine"] is False and found["seal"]["status_label"] == "已作废"
        assert found["seal"]["voided_on"] == today and found["seal"]["company_name"] == old_name
    for code in seal["new_seals"]:
        found = http.get(f"{API}/verify/seals/{code}").json()
        assert found["genuine"] is True and found["seal"]["company_name"] == renamed
    # the old name is barred for anyone else (规定 art. 17), the new one is taken
    for name in (old_name, renamed):
        check = http.post(f"{API}/name-checks", json={"name": name, "district_code": "420111"}, headers=founder).json()
        assert check["ok"] is False, check


def test_a_new_shareholder_confirms_the_change_before_it_is_registered(http, founder):
    from tests.e2e.conftest import _parties
    from tests.support.parties import Parties

    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    view = wait_for(http, confirm_everyone(http, reply, form), founder, {"completed", "rejected"})
    uscc = view["outputs"]["uscc"]
    changes = f"{API}/companies/{uscc}/changes"
    newcomer = {"kind": "natural", "name": "王芳", "resident_id": resident_id(female=True),
                "subscribed_amount": "500000.00", "payment_due": "2031-06-30"}
    body = {"registered_capital": "1500000.00", "shareholders": [*form["shareholders"], newcomer]}
    reply = http.post(changes, json=body, headers=founder)
    assert reply.status_code == 201, reply.text
    change = reply.json()
    assert change["state"] == "awaiting_confirmation"
    assert change["confirmations"] == [{"name": "王*", "roles": ["shareholder"], "state": "pending"}]
    assert newcomer["resident_id"] not in reply.text
    # nothing registered yet, and nothing else may start meanwhile
    assert http.get(f"{API}/verify/licences/{uscc}").json()["version"] == 1
    assert http.post(changes, json=MOVE, headers=founder).status_code == 409

    parties = _parties.setdefault(id(http), Parties(http.request))
    person = parties.account(newcomer["resident_id"], newcomer["name"])
    waiting = http.get(f"{API}/change-confirmations", headers=person).json()
    assert [(w["uscc"], w["change_id"], w["my_roles"]) for w in waiting] == [(uscc, change["change_id"], ["shareholder"])]
    assert http.get(f"{API}/change-confirmations", headers=founder).status_code in (200, 403)
    decided = http.put(f"{API}/change-confirmations/{uscc}/{change['change_id']}", json={"decision": "confirm"},
                       headers=person)
    assert decided.status_code == 200, decided.text
    done = wait_for_change(http, f"{changes}/{change['change_id']}", founder)
    assert done["state"] == "completed", done
    current = http.get(f"{API}/verify/licences/{uscc}").json()
    assert current["version"] == 2 and current["licence"]["registered_capital"] in ("1500000.00", "1500000")
