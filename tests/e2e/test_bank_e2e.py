"""The bank over the real system: a form asking for a bank account gets the appointment and the basic
account number, tax and the insurance bureaus show the account, the counter clerk opens it and the
application completes; the data-sharing receipt lists what the bank received; bad bank input is a 422."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from cryptography import x509

from contracts import clock
from contracts.calendar import add_working_days, is_working_day
from gateway.ops.cli import add_staff
from kit import pdfsign
from kit.callers import PRINCIPAL
from kit.queues import cluster_proxy
from tests.conftest import MONGO_URI
from tests.e2e.conftest import STAFF_PASSWORD, confirm_everyone, log_in
from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"
RESERVED = {"kinds": ["company", "finance", "invoice", "legal_representative"], "electronic": True}


def until(check, timeout=90.0):
    """A bounded wait for work other processes do; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_a_bank_account_is_booked_shared_opened_at_the_counter_and_completes(http, founder, system):
    form = make_form(bank={"branch_id": "jc-wuchang"}, seals=RESERVED)
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)  # every person named confirms from their own account

    def view():
        return http.get(f"{API}/applications/{app_id}", headers=founder).json()

    waiting = until(lambda: (v := view())["outputs"].get("bank") and all(
        s["state"] in ("done", "waiting_for_clerk") for s in v["steps"]) and v)
    assert waiting, json.dumps(view()["steps"], ensure_ascii=False)
    bank = waiting["outputs"]["bank"]
    assert bank["branch_name"] == "江城银行武汉武昌支行" and len(bank["account_number"]) == 17
    assert bank["appointment_date"] and bank["appointment_slot"] == "09:00-10:00"
    assert bank["shared_with"] == ["tax", "social_security", "medical_insurance", "housing_fund"]
    assert waiting["status"] == "licensed"  # the account is opened at the counter, not yet
    step = next(s for s in waiting["steps"] if s["bureau"] == "bank")
    assert step["state"] == "waiting_for_clerk" and step["deadline"] == bank["appointment_date"]

    uscc = waiting["outputs"]["uscc"]
    # as the gateway web process: these RPCs answer no other broker user (kit/callers.py), and only for
    # the company's founder (kit/owners.py): the principal the gateway would stamp for them
    runner = cluster_proxy({"AMQP_URI": system.broker_uri("web"), "serializer": "json"}, timeout=20)
    runner.context_data[PRINCIPAL] = f"founder:{http.get(f'{API}/me', headers=founder).json()['id']}"
    with runner as rpc:
        tax = until(lambda: rpc.tax.get_registration(uscc)["bank_account"])
        social = until(lambda: rpc.social_security.get_employer(uscc)["bank_account"])
        housing = until(lambda: rpc.housing_fund.get_unit(uscc)["bank_account"])
    assert tax["account_number"] == social["account_number"] == housing["account_number"] == bank["account_number"]
    assert tax["purpose"].startswith("三方协议") and social["purpose"] == "委托扣款"

    add_staff("bank.clerk", STAFF_PASSWORD, bureau="bank", mongo_uri=MONGO_URI, db_prefix=system.db_prefix)
    clerk = log_in(http, "bank.clerk", STAFF_PASSWORD)
    tasks = http.get(f"{API}/bureaus/bank/tasks", headers=clerk).json()
    [task] = [t for t in tasks if t["application_id"] == app_id]
    assert task["kind"] == "account_opening" and task["details"]["account_number"] == bank["account_number"]
    assert http.get(f"{API}/bureaus/bank/tasks", headers=founder).status_code in (401, 403)
    assert http.post(f"{API}/bureaus/bank/tasks/{task['id']}/claim", headers=clerk).status_code == 200
    opened = http.post(f"{API}/bureaus/bank/tasks/{task['id']}/approve", headers=clerk, json={})
    assert opened.status_code == 200, opened.text

    done = until(lambda: (v := view())["status"] in ("completed", "rejected") and v)
    assert done and done["status"] == "completed", json.dumps(view()["steps"], ensure_ascii=False)
    assert {s["state"] for s in done["steps"]} == {"done"}
    assert done["outputs"]["bank_opened"]["account_number"] == bank["account_number"]
    # the bank's two documents: the appointment confirmation and, once open, the account's details, each a
    # PDF signed by the bank under the published root
    root = x509.load_pem_x509_certificate(http.get("/.well-known/onestop-ca.pem").content)
    bank_docs = {d["name"]: d for d in done["documents"] if d["name"].startswith("bank.")}
    assert set(bank_docs) == {"bank.appointment", "bank.account"}, done["documents"]
    for name in bank_docs:
        pdf = http.get(f"{API}/applications/{app_id}/documents/{name}", headers=founder)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", name
        [check] = pdfsign.check(pdf.content, [root])
        assert check.valid and check.trusted, (name, check)

    receipt = http.get(f"{API}/applications/{app_id}/data-sharing", headers=founder).json()
    to_bank = [i for i in receipt["items"] if i["bureau"] == "bank"]
    assert [i["event"] for i in to_bank] == ["licence_issued"]
    assert "bank.branch_id" in to_bank[0]["fields"] and "licence.uscc" in to_bank[0]["fields"]
    shared = {i["bureau"]: i for i in receipt["items"] if i["event"] == "bank_account_reserved"}
    assert set(shared) == {"tax", "social_security", "medical_insurance", "housing_fund"}
    assert "account_number" in shared["tax"]["fields"] and shared["tax"]["from"] == "bank"


@pytest.mark.parametrize("overrides,field,words", [
    ({"bank": {"branch_id": "jc-nowhere"}, "seals": RESERVED}, "bank.branch_id", "开户网点"),
    ({"bank": {"branch_id": "jc-wuchang"}}, "seals.kinds", "法定代表人名章"),
])
def test_bad_bank_input_is_a_422_on_its_field_in_chinese(http, founder, overrides, field, words):
    reply = http.post(f"{API}/applications", json=make_form(**overrides), headers=founder)
    assert reply.status_code == 422, reply.text
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert field in errors and words in errors[field], errors


def test_a_preferred_slot_is_booked_and_once_full_is_a_422_on_its_field(http, founder):
    day = add_working_days(clock.china_today(), 3)
    chosen = {"branch_id": "jc-jiangan", "appointment_date": day.isoformat(), "appointment_slot": "10:30-11:30"}
    form = make_form(bank=chosen, seals=RESERVED)  # 江岸支行 serves one founder per slot
    app_id = confirm_everyone(http, http.post(f"{API}/applications", json=form, headers=founder), form)
    booked = until(lambda: http.get(f"{API}/applications/{app_id}", headers=founder).json()["outputs"].get("bank"))
    assert booked and (booked["appointment_date"], booked["appointment_slot"]) == (day.isoformat(), "10:30-11:30")

    reply = http.post(f"{API}/applications", json=make_form(bank=chosen, seals=RESERVED), headers=founder)
    assert reply.status_code == 422, reply.text
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert "约满" in errors["bank.appointment_slot"], errors

    latest = clock.china_today()
    while not is_working_day(latest):  # a working day (the form's own rule) that is not after today
        latest -= timedelta(days=1)
    past = {**chosen, "appointment_date": latest.isoformat(), "appointment_slot": "09:30-10:30"}
    reply = http.post(f"{API}/applications", json=make_form(bank=past, seals=RESERVED), headers=founder)
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert reply.status_code == 422 and "今天之后" in errors.get("bank.appointment_date", ""), reply.text


def test_the_founder_moves_the_appointment_over_the_api_and_a_full_slot_is_a_422_on_it(http, founder):
    """Two companies at 江岸支行 (one founder per slot): the second asks for the first's slot and is
    refused on `appointment_slot`, then moves to the free one; the timeline shows the move and the
    counter's deadline follows; the same move again answers the same."""
    day = add_working_days(clock.china_today(), 4).isoformat()
    companies = []
    for _ in range(2):
        form = make_form(bank={"branch_id": "jc-jiangan"}, seals=RESERVED)
        app_id = confirm_everyone(http, http.post(f"{API}/applications", json=form, headers=founder), form)
        assert until(lambda a=app_id: http.get(f"{API}/applications/{a}", headers=founder).json()["outputs"].get("bank"))
        companies.append((app_id, http.get(f"{API}/applications/{app_id}", headers=founder).json()["outputs"]["uscc"]))
    (_, first), (second_app, second) = companies
    taken = {"appointment_date": day, "appointment_slot": "10:30-11:30"}
    assert http.put(f"{API}/companies/{first}/bank-account/appointment", json=taken, headers=founder).status_code == 200
    reply = http.put(f"{API}/companies/{second}/bank-account/appointment", json=taken, headers=founder)
    assert reply.status_code == 422, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == ["appointment_slot"] and "约满" in reply.json()["errors"][0]["message"]
    free = {"appointment_date": day, "appointment_slot": "09:30-10:30"}
    reply = http.put(f"{API}/companies/{second}/bank-account/appointment", json=free, headers=founder)
    assert reply.status_code == 200 and (reply.json()["appointment_date"], reply.json()["appointment_slot"]) == (
        day, "09:30-10:30")
    assert http.put(f"{API}/companies/{second}/bank-account/appointment", json=free, headers=founder).status_code == 200
    account = http.get(f"{API}/companies/{second}/bank-account", headers=founder).json()
    assert (account["appointment_date"], account["appointment_slot"]) == (day, "09:30-10:30")
    step = until(lambda: (s := next(s for s in http.get(f"{API}/applications/{second_app}", headers=founder).json()["steps"]
                                    if s["bureau"] == "bank")).get("deadline") == day and s)
    assert step and step["state"] == "waiting_for_clerk" and step["progress"]["step"] == "appointment_moved"
    bad = http.put(f"{API}/companies/{second}/bank-account/appointment",
                   json={"appointment_date": "2020-01-06", "appointment_slot": "09:30-10:30"}, headers=founder)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "appointment_date"


def _opened_account(http, founder, system):
    """A company whose basic account the counter has opened: (uscc, the bank clerk's headers)."""
    form = make_form(bank={"branch_id": "jc-wuchang"}, seals=RESERVED)
    app_id = confirm_everyone(http, http.post(f"{API}/applications", json=form, headers=founder), form)
    add_staff("bank.counter", STAFF_PASSWORD, bureau="bank", mongo_uri=MONGO_URI, db_prefix=system.db_prefix)
    clerk = log_in(http, "bank.counter", STAFF_PASSWORD)
    task = until(lambda: next((t for t in http.get(f"{API}/bureaus/bank/tasks", headers=clerk).json()
                               if t["application_id"] == app_id and t["state"] == "open"), None))
    assert http.post(f"{API}/bureaus/bank/tasks/{task['id']}/approve", headers=clerk, json={}).status_code == 200
    view = until(lambda: (v := http.get(f"{API}/applications/{app_id}", headers=founder).json())["status"]
                 == "completed" and v)
    assert view, "the application never completed"
    return view["outputs"]["uscc"], clerk, form


def test_the_bank_answers_a_change_and_its_open_account_blocks_a_closing_until_the_counter_closes_it(
        http, founder, system):
    uscc, clerk, form = _opened_account(http, founder, system)
    company = f"{API}/companies/{uscc}"
    # a new name: the bank updates its record and asks for new reserved seals (the old ones are void)
    renamed = {**form["name"], "trade_name": make_form()["name"]["trade_name"]}
    change = http.post(f"{company}/changes", json={"name": renamed}, headers=founder).json()
    done = until(lambda: (v := http.get(f"{company}/changes/{change['change_id']}", headers=founder).json())
                 ["state"] == "completed" and v)
    assert done, "the change never completed"
    bank = next(b for b in done["bureaus"] if b["bureau"] == "bank")
    assert bank["detail"]["reserved_seals_to_change"] is True and "预留印鉴须更换" in bank["summary"]
    assert renamed["trade_name"] in bank["detail"]["company_name"]

    # a closing: the opened account is a blocker with what to do, until the counter closes it
    closure = http.post(f"{company}/closures", json={"commitment": True}, headers=founder).json()
    url = f"{company}/closures/{closure['closure_id']}"

    def bank_answer():
        view = http.get(url, headers=founder).json()
        return next((b for b in view["bureaus"] if b["bureau"] == "bank" and b["answered"]), None)

    blocked = until(bank_answer)
    assert blocked and not blocked["cleared"] and "尚未销户" in blocked["blockers"][0]["item"]
    assert "销户" in blocked["blockers"][0]["todo"]
    task = until(lambda: next((t for t in http.get(f"{API}/bureaus/bank/tasks", headers=clerk).json()
                               if t["kind"] == "account_closing" and t["details"]["uscc"] == uscc), None))
    assert task["actions"] == ["approve"]
    assert http.post(f"{API}/bureaus/bank/tasks/{task['id']}/approve", headers=clerk, json={}).status_code == 200
    assert http.post(f"{url}/recheck", headers=founder).status_code == 200
    cleared = until(lambda: (b := bank_answer()) and b["cleared"] and b)
    assert cleared and cleared["blockers"] == []
