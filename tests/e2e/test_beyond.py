"""Beyond every portal, on the real system over real HTTP: webhooks (a receiver on 127.0.0.1 that fails
the first attempts gets every event exactly once), 好差评, the data-sharing receipt, the signed licence
verified offline, and revocation."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contracts import licence_token as osl
from gateway.ops import cli, verify_licence
from gateway.webhooks import verify_signature
from tests.conftest import MONGO_URI
from tests.e2e.conftest import STAFF_PASSWORD, confirm_everyone, log_in, sign_up_and_log_in
from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"
FAIL_FIRST = 2
SECRET = "e2e-webhook-secret-0123456789"


class Receiver:
    """A webhook receiver on 127.0.0.1: answers 500 to the first FAIL_FIRST attempts of each delivery."""

    def __init__(self):
        self.attempts: dict[str, int] = {}
        self.accepted: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delivery = self.headers["X-OneStop-Delivery"]
                with receiver.lock:
                    if not verify_signature(SECRET, self.headers["X-OneStop-Signature"], body):
                        receiver.bad_signatures += 1
                        status = 400
                    else:
                        receiver.attempts[delivery] = receiver.attempts.get(delivery, 0) + 1
                        status = 500 if receiver.attempts[delivery] <= FAIL_FIRST else 200
                        if status == 200:
                            receiver.accepted.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/onestop"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


def wait_until(check, timeout=60.0, every=0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


@pytest.fixture(scope="module")
def completed(http, receiver):
    """A founder with a webhook, whose application went all the way to completed."""
    founder = sign_up_and_log_in(http)
    hook = http.post(f"{API}/webhooks", json={"url": receiver.url, "secret": SECRET}, headers=founder)
    assert hook.status_code == 201, hook.text
    form = make_form()
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    app_id = confirm_everyone(http, reply, form)
    view = wait_until(lambda: (v := http.get(f"{API}/applications/{app_id}", headers=founder).json())
                      ["status"] in ("completed", "rejected") and v, timeout=120)
    assert view and view["status"] == "completed"
    return {"headers": founder, "app": view, "hook": hook.json()}


def test_webhook_receiver_gets_every_event_exactly_once_after_retries(http, receiver, completed):
    founder, hook, app_id = completed["headers"], completed["hook"], completed["app"]["id"]
    assert "secret" not in http.get(f"{API}/webhooks", headers=founder).json()[0]
    started = time.monotonic()

    def all_delivered():
        timeline = http.get(f"{API}/applications/{app_id}", headers=founder).json()["timeline"]
        rows = http.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=founder).json()
        done = len(rows) == len(timeline) and all(r["state"] == "delivered" for r in rows)
        return (timeline, rows) if done else None

    result = wait_until(all_delivered, timeout=90)
    assert result, "not every event was delivered"
    timeline, rows = result
    print(f"\nall {len(rows)} webhook deliveries done (each after {FAIL_FIRST} failures) "
          f"{time.monotonic() - started:.1f} s after completion")
    time.sleep(3)  # anything left to resend would show up now
    with receiver.lock:
        accepted_ids = [a["event"]["event_id"] for a in receiver.accepted if a["application_id"] == app_id]
        assert receiver.bad_signatures == 0
    assert sorted(accepted_ids) == sorted(r["event_id"] for r in rows)
    assert len(accepted_ids) == len(set(accepted_ids)) == len(timeline)  # every event, exactly once
    assert {a["event"]["type"] for a in receiver.accepted if a["application_id"] == app_id} == \
        {e["type"] for e in timeline}
    for row in rows:
        assert row["attempts"] == FAIL_FIRST + 1
        assert [a["outcome"] for a in row["log"]] == ["failed"] * FAIL_FIRST + ["delivered"]


def test_founder_rates_each_step_and_the_bureau_sees_low_ratings(http, completed):
    founder, app_id = completed["headers"], completed["app"]["id"]
    url = f"{API}/applications/{app_id}/ratings"
    assert http.put(f"{url}/tax", json={"score": 5, "comment": "很快"}, headers=founder).status_code == 201
    assert http.put(f"{url}/tax", json={"score": 4}, headers=founder).status_code == 200  # edited
    low = http.put(f"{url}/registration", json={"score": 2}, headers=founder)
    assert low.status_code == 422 and {e["field"] for e in low.json()["errors"]} >= {"problem.category"}
    low = http.put(f"{url}/registration", json={"score": 2, "problem": {"category": "unclear",
                                                                         "text": "经营范围说明看不懂"}}, headers=founder)
    assert low.status_code == 201 and low.json()["routed"] is True
    clerk = log_in(http, "reg.clerk", STAFF_PASSWORD)
    seen = http.get(f"{API}/bureaus/registration/ratings", params={"max_score": 2}, headers=clerk).json()
    mine = [r for r in seen if r["application_id"] == app_id]
    assert mine and mine[0]["problem"]["text"] == "经营范围说明看不懂" and "founder_id" not in mine[0]
    assert http.get(f"{API}/bureaus/registration/ratings", headers=log_in(http, "tax.clerk", STAFF_PASSWORD)
                    ).status_code == 403
    assert http.get(f"{API}/bureaus/registration/ratings", headers=founder).status_code == 403
    totals = http.get(f"{API}/stats").json()["totals"]
    assert totals["registration"]["ratings"]["2"] >= 1 and totals["tax"]["ratings"]["4"] >= 1


def test_data_sharing_receipt_lists_the_fields_each_bureau_received(http, completed):
    founder, app = completed["headers"], completed["app"]
    receipt = http.get(f"{API}/applications/{app['id']}/data-sharing", headers=founder).json()
    by_bureau = {}
    for item in receipt["items"]:
        by_bureau.setdefault(item["bureau"], []).append(item)
    assert set(by_bureau) == {"registration", "seal", "tax", "social_security", "medical_insurance", "housing_fund",
                              "bank"}
    [submitted] = by_bureau["registration"]
    assert submitted["event"] == "application_submitted"
    assert {"form.shareholders[].resident_id", "form.legal_representative.name",
            "form.beneficial_owners.owners[].resident_id"} <= set(submitted["fields"])
    for bureau in ("seal", "tax", "social_security", "medical_insurance", "housing_fund", "bank"):
        [issued] = by_bureau[bureau]
        # each bureau's own copy, with its manifest's fields only (contracts/sharing.py)
        assert issued["event"] == "licence_issued" and issued["basis"] == "each bureau's own copy"
        assert "licence.uscc" in issued["fields"]
        assert not any(f.startswith("form.") or "shareholders" in f or "beneficial" in f for f in issued["fields"])
        assert issued["sent_at"] >= submitted["sent_at"]
        has_rep_id = "legal_representative.resident_id" in issued["fields"]
        assert has_rep_id == (bureau == "tax"), bureau  # tax's real-name check only
        assert any(f.startswith("employees") for f in issued["fields"]) == \
            (bureau in ("social_security", "medical_insurance", "housing_fund")), bureau


def test_signed_licence_verifies_offline_and_revocation_shows_online(http, completed, system, tmp_path, capsys):
    founder, app = completed["headers"], completed["app"]
    key = http.get("/.well-known/onestop-licence-key")
    assert key.status_code == 200 and key.json()["algorithm"] == "Ed25519"
    (tmp_path / "key.json").write_text(key.text)
    [doc] = [d for d in app["documents"] if d["name"] == "registration.licence"]
    pdf = http.get(f"{API}/applications/{app['id']}/documents/{doc['name']}", headers=founder).content
    (tmp_path / "licence.pdf").write_bytes(pdf)
    (tmp_path / "ca.pem").write_text(http.get("/.well-known/onestop-ca.pem").text)  # the PDF signature's root
    assert cli.main(["verify-licence", str(tmp_path / "licence.pdf"), "--key", str(tmp_path / "key.json"),
                     "--ca", str(tmp_path / "ca.pem")]) == 0
    assert "VALID" in capsys.readouterr().out
    printed = verify_licence.qr_text_from_pdf(pdf)
    assert f"/verify/licences/{app['uscc']}#OSL1." in printed  # host: registration's PUBLIC_BASE_URL
    token = osl.find_token(printed)
    _, body, sig = token.split(".")
    forged = json.loads(osl.unb64url(body)) | {"n": "武汉冒名顶替科技有限公司"}
    tampered = printed.replace(token, f"OSL1.{osl.b64url(osl.canonical(forged))}.{sig}")
    assert cli.main(["verify-licence", tampered, "--key", str(tmp_path / "key.json")]) == 1
    assert "INVALID" in capsys.readouterr().out

    revocation = f"{API}/operator/licences/{app['uscc']}/revocation"
    assert http.post(revocation, json={"reason": "虚假登记"}, headers=founder).status_code == 403
    cli.add_staff("ops.e2e", STAFF_PASSWORD, operator=True, mongo_uri=MONGO_URI, db_prefix=system.db_prefix)
    operator = log_in(http, "ops.e2e", STAFF_PASSWORD)
    reply = http.post(revocation, json={"reason": "虚假登记"}, headers=operator)
    assert reply.status_code == 200 and reply.json()["status"] == "revoked", reply.text
    assert http.get(f"{API}/verify/licences/{app['uscc']}").json()["status"] == "revoked"
    assert wait_until(lambda: http.get(f"{API}/applications/{app['id']}", headers=founder).json()["status"] == "revoked")
    assert any(e["type"] == "licence_revoked"
               for e in http.get(f"{API}/applications/{app['id']}", headers=founder).json()["timeline"])
    # every bureau hears of it: no new invoice, no new insured staff, the seals are void
    def invoice() -> dict:  # a new request each time: one issued before tax heard of it stays issued
        return {"request_id": uuid.uuid4().hex, "buyer_name": "某某公司", "buyer_tax_id": app["uscc"],
                "items": [{"name": "服务费", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.01"}]}

    assert wait_until(lambda: http.post(f"{API}/companies/{app['uscc']}/invoices", json=invoice(),
                                        headers=founder).status_code == 409)
    refused = http.post(f"{API}/companies/{app['uscc']}/invoices", json=invoice(), headers=founder).json()
    assert "被吊销" in refused["message"] and "虚假登记" in refused["message"]
    seal_code = http.get(f"{API}/applications/{app['id']}", headers=founder).json()["outputs"]["seals"][0]["code"]
    assert wait_until(lambda: http.get(f"{API}/verify/seals/{seal_code}").json()["genuine"] is False)


def test_a_closing_is_in_the_data_sharing_receipt_and_the_webhooks(http, receiver, completed):
    founder = completed["headers"]
    form = make_form()
    app_id = confirm_everyone(http, http.post(f"{API}/applications", json=form, headers=founder), form)
    view = wait_until(lambda: (v := http.get(f"{API}/applications/{app_id}", headers=founder).json())
                      ["status"] == "completed" and v, timeout=120)
    assert view, "the application never completed"
    uscc = view["outputs"]["uscc"]
    closure = http.post(f"{API}/companies/{uscc}/closures", json={"commitment": True}, headers=founder).json()
    url = f"{API}/companies/{uscc}/closures/{closure['closure_id']}"
    def all_answered():
        view = http.get(url, headers=founder).json()
        return view if all(b["answered"] for b in view["bureaus"]) else None

    answered = wait_until(all_answered)
    assert answered, "not every bureau answered the clearance check"
    checked = {b["bureau"] for b in answered["bureaus"]}

    # the receipt: each checking bureau received the closing's request (which company, which check)
    receipt = http.get(f"{API}/applications/{app_id}/data-sharing", headers=founder).json()
    sent = {i["bureau"]: i for i in receipt["items"] if i["event"] == "clearance_requested"}
    assert checked <= set(sent)
    assert all({"uscc", "closure_id", "notice_ends_on"} <= set(sent[b]["fields"]) for b in checked)

    # the webhooks: the request and every bureau's answer, each once
    def delivered():
        with receiver.lock:
            mine = [a["event"] for a in receiver.accepted if a["application_id"] == app_id]
        answers = [e for e in mine if e["type"] == "clearance_answered"]
        return mine if len(answers) >= len(checked) else None

    events = wait_until(delivered, timeout=90)
    assert events, "the closing's events never reached the webhook"
    assert [e["type"] for e in events].count("clearance_requested") == 1
    assert {e["source"] for e in events if e["type"] == "clearance_answered"} == checked
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids))
