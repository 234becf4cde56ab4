"""The HTTP API over the real service layer and a fresh database, with fake bureaus."""

from __future__ import annotations

from contracts import bureaus as manifest
from contracts.events import parse_event
from contracts.rpc import Conflict, Invalid, Unavailable
from gateway.recording import record
from tests.factories import make_form
from tests.support.parties import founder_only
from tests.unit.gateway import captured
from tests.unit.gateway.conftest import login, pdf_document

API = "/api/v1"


def error_shape(reply) -> dict:
    body = reply.json()
    assert set(body) == {"code", "message", "errors"}, body
    return body


# ---- accounts and login ----------------------------------------------------------------------


def test_sign_up_checks_every_field(client):
    reply = client.post(f"{API}/accounts", json={"name": "张伟", "resident_id": "420102198503120019",
                                                 "mobile": "12345", "password": "short"})
    body = error_shape(reply)
    assert reply.status_code == 422
    fields = {e["field"] for e in body["errors"]}
    assert {"resident_id", "mobile", "password"} <= fields


def test_the_same_email_cannot_sign_up_twice(client, sign_up):
    founder = sign_up()
    reply = client.post(f"{API}/accounts", json={"name": "李娜", "resident_id": "11010519491231002X",
                                                 "email": founder["email"].upper(), "password": "another-pass-1"})
    assert reply.status_code == 409 and error_shape(reply)["code"] == "CONFLICT"


def test_login_by_mobile_and_wrong_password(client):
    client.post(f"{API}/accounts", json={"name": "李娜", "resident_id": "11010519491231002X",
                                         "mobile": "13900001111", "password": "mobile-pass-1"})
    assert client.get(f"{API}/me", headers=login(client, "13900001111", "mobile-pass-1")).json()["role"] == "founder"
    reply = client.post(f"{API}/tokens", data={"username": "13900001111", "password": "wrong-pass-1"})
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"] == "Bearer"


def test_failed_logins_are_rate_limited_per_username(client, sign_up):
    founder = sign_up(password="right-pass-1")  # the fixture allows 3 failures per window
    for _ in range(3):
        assert client.post(f"{API}/tokens", data={"username": founder["email"], "password": "x"}).status_code == 401
    reply = client.post(f"{API}/tokens", data={"username": founder["email"], "password": "right-pass-1"})
    assert reply.status_code == 429 and error_shape(reply)["code"] == "TOO_MANY_REQUESTS"


def test_logout_revokes_the_token(client, sign_up):
    founder = sign_up()
    assert client.delete(f"{API}/tokens/current", headers=founder["headers"]).status_code == 204
    assert client.get(f"{API}/me", headers=founder["headers"]).status_code == 401


def own(founder: dict, **overrides) -> dict:
    """A form naming only this founder: their confirmation is implicit, the bureaus get it at once."""
    # the form names the founder as their account does (a confirming person must be the person named)
    return founder_only(make_form(**overrides), founder["resident_id"], founder.get("name", "张伟"))


def test_no_token_is_401(client):
    reply = client.get(f"{API}/applications")
    assert reply.status_code == 401 and error_shape(reply)["code"] == "UNAUTHENTICATED"


# ---- submitting ------------------------------------------------------------------------------


def test_submit_stores_and_publishes(client, sign_up, publisher, gateway):
    founder = sign_up()
    reply = client.post(f"{API}/applications", json=own(founder), headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["status"] == "submitted" and reply.headers["Location"].endswith(body["id"])
    assert [s["state"] for s in body["steps"]] == [
        "pending" if b.requested(make_form()) else "not_requested" for b in manifest.BUREAUS]  # no bank asked for
    assert body["timeline"][0]["type"] == "application_submitted"
    [(kind, payload)] = publisher.sent
    event = parse_event("gateway", payload)
    assert kind == "application_submitted" and event.application_id == body["id"]
    assert event.founder_id == founder["id"]
    assert gateway.store.applications.find_one({"_id": body["id"]})["outbox"] == []


def test_a_broker_outage_leaves_the_event_in_the_outbox(client, sign_up, publisher, gateway):
    publisher.fail = True
    founder = sign_up()
    reply = client.post(f"{API}/applications", json=own(founder), headers=founder["headers"])
    assert reply.status_code == 201
    [entry] = gateway.store.applications.find_one({"_id": reply.json()["id"]})["outbox"]
    assert entry["type"] == "application_submitted"  # the tracker's relay publishes it later


def test_a_bad_form_names_every_bad_field(client, sign_up, gateway):
    form = make_form()
    form["name"]["trade_name"] = "AB"
    form["shareholders"][0]["resident_id"] = "420102198503120019"
    form["contact"]["phone"] = "123"
    del form["business_scope"]
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    assert reply.status_code == 422
    body = error_shape(reply)
    assert body["code"] == "INVALID"
    # a missing section does not hide the bad ID check digit and phone number: one answer, no waves
    fields = {e["field"] for e in body["errors"]}
    assert fields >= {"business_scope", "shareholders.0.resident_id", "contact.phone"}
    form["business_scope"] = ["G0001"]
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    fields = {e["field"] for e in error_shape(reply)["errors"]}
    assert fields >= {"name.trade_name", "shareholders.0.resident_id", "contact.phone"}
    assert gateway.store.applications.count_documents({}) == 0


def name_problem(severity: str, code: str = "banned_word", message: str = "名称含有“中华”：不得使用") -> dict:
    return {"ok": severity != "error", "name": "x", "parts": None,
            "problems": [{"code": code, "severity": severity, "message": message, "conflicts": []}]}


def test_an_error_level_name_problem_stops_the_submit_with_every_other_error(client, sign_up, bureaus,
                                                                             gateway, publisher):
    bureaus.on("registration", "check_name", lambda *a: name_problem("error"))
    form = make_form()
    form["contact"]["phone"] = "1380013"
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    assert reply.status_code == 422
    errors = {e["field"]: e["message"] for e in error_shape(reply)["errors"]}
    assert errors == {"name.trade_name": "名称含有“中华”：不得使用", "contact.phone": "请填写11位手机号码"}
    assert gateway.store.applications.count_documents({}) == 0 and publisher.sent == []
    [(_, _, args)] = [c for c in bureaus.calls if c[1] == "check_name"]
    assert args[0] == "武汉" + form["name"]["trade_name"] + "科技有限公司"


def test_a_name_warning_or_an_unreachable_name_check_still_submits(client, sign_up, bureaus):
    founder = sign_up()
    bureaus.on("registration", "check_name", lambda *a: name_problem("warning", "similar_name"))
    assert client.post(f"{API}/applications", json=make_form(), headers=founder["headers"]).status_code == 201
    bureaus.on("registration", "check_name", Unavailable("registration 暂时无法响应"))
    assert client.post(f"{API}/applications", json=make_form(), headers=founder["headers"]).status_code == 201


def test_idempotency_key_returns_the_same_application(client, sign_up, publisher, gateway):
    founder = sign_up()
    form = own(founder)
    headers = {**founder["headers"], "Idempotency-Key": "k-1"}
    first = client.post(f"{API}/applications", json=form, headers=headers)
    again = client.post(f"{API}/applications", json=form, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert gateway.store.applications.count_documents({}) == 1 and len(publisher.sent) == 1
    different = client.post(f"{API}/applications", json=make_form(), headers=headers)
    assert different.status_code == 409
    # another founder's identical key is their own
    other = client.post(f"{API}/applications", json=form,
                        headers={**sign_up()["headers"], "Idempotency-Key": "k-1"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_malformed_and_oversized_bodies(client, sign_up):
    headers = {**sign_up()["headers"], "Content-Type": "application/json"}
    reply = client.post(f"{API}/applications", content=b'{"company_type": ', headers=headers)
    assert reply.status_code == 400 and error_shape(reply)["code"] == "MALFORMED_JSON"
    reply = client.post(f"{API}/applications", content=b"[" + b"1," * 40_000 + b"1]", headers=headers)
    assert reply.status_code == 413 and error_shape(reply)["code"] == "PAYLOAD_TOO_LARGE"
    chunks = (b"[1," for _ in range(30_000))  # streamed, no Content-Length
    reply = client.post(f"{API}/applications", content=iter_bytes(chunks), headers=headers)
    assert reply.status_code == 413 and error_shape(reply)["code"] == "PAYLOAD_TOO_LARGE"
    reply = client.post(f"{API}/applications", json=[1, 2], headers=headers)
    assert reply.status_code == 422 and error_shape(reply)["errors"]


async def iter_bytes(chunks):
    for chunk in chunks:
        yield chunk


def test_staff_cannot_submit(client, staff):
    reply = client.post(f"{API}/applications", json=make_form(), headers=staff("tax.li", "tax"))
    assert reply.status_code == 403 and error_shape(reply)["code"] == "FORBIDDEN"


# ---- following, ownership --------------------------------------------------------------------


def submitted(client, founder) -> str:
    return client.post(f"{API}/applications", json=own(founder), headers=founder["headers"]).json()["id"]


def test_another_founders_application_and_documents_are_404(client, sign_up, bureaus):
    owner, stranger = sign_up(), sign_up()
    app_id = submitted(client, owner)
    assert client.get(f"{API}/applications/{app_id}", headers=owner["headers"]).status_code == 200
    for url in (f"{API}/applications/{app_id}", f"{API}/applications/{app_id}/documents/registration.licence"):
        reply = client.get(url, headers=stranger["headers"])
        assert reply.status_code == 404 and error_shape(reply)["code"] == "NOT_FOUND"
    assert client.get(f"{API}/applications", headers=stranger["headers"]).json() == []
    assert [c for c in bureaus.calls if c[1] != "check_name"] == []  # only the submit's name check


def test_operators_see_every_application(client, sign_up, staff):
    app_id = submitted(client, sign_up())
    operator = staff("ops.wang")
    assert [a["id"] for a in client.get(f"{API}/applications", headers=operator).json()] == [app_id]
    assert client.get(f"{API}/applications/{app_id}", headers=operator).status_code == 200


def licence_payload(app_id: str) -> dict:
    from tests.unit.gateway.test_timeline import USCC, licence_issued

    event = licence_issued(make_form()).model_copy(update={"application_id": app_id})
    return event.model_dump(mode="json") | {"licence": {**event.licence.model_dump(mode="json"), "uscc": USCC}}


def test_documents_only_when_the_timeline_lists_them(client, sign_up, bureaus, gateway):
    founder = sign_up()
    app_id = submitted(client, founder)
    url = f"{API}/applications/{app_id}/documents/registration.licence"
    assert client.get(url, headers=founder["headers"]).status_code == 404
    record(gateway.store, "registration", licence_payload(app_id))
    bureaus.on("registration", "get_document", lambda a, n: pdf_document(n))
    reply = client.get(url, headers=founder["headers"])
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    assert reply.content == b"%PDF-1.4 fake"
    assert bureaus.calls[-1:] == [("registration", "get_document", (app_id, "registration.licence"))]
    view = client.get(f"{API}/applications/{app_id}", headers=founder["headers"]).json()
    assert view["status"] == "licensed" and view["outputs"]["uscc"]
    assert view["documents"][0]["url"] == f"http://test{url}"


def test_a_redelivered_event_is_recorded_once(client, sign_up, gateway):
    app_id = submitted(client, sign_up())
    payload = licence_payload(app_id)
    assert record(gateway.store, "registration", payload) is True
    assert record(gateway.store, "registration", payload) is False
    doc = gateway.store.applications.find_one({"_id": app_id})
    assert [e["type"] for e in doc["timeline"]] == ["application_submitted", "licence_issued"]
    assert doc["version"] == 1
    assert "legal_representative" not in doc["timeline"][1]["data"]  # no resident IDs in the timeline


# ---- corrections -----------------------------------------------------------------------------


def test_correction_only_when_requested(client, sign_up, gateway, publisher, bureaus):
    founder = sign_up()
    app_id = submitted(client, founder)
    url = f"{API}/applications/{app_id}/correction"
    assert client.put(url, json=make_form(), headers=founder["headers"]).status_code == 409
    record(gateway.store, "registration", {
        "type": "correction_requested", "event_id": "e-corr", "application_id": app_id,
        "occurred_at": "2026-11-24T02:00:00+00:00", "task_id": "t1", "reasons": ["字号不规范"],
        "fields": ["name.trade_name"]})
    assert client.put(url, json={"company_type": "x"}, headers=founder["headers"]).status_code == 422
    reply = client.put(url, json=own(founder), headers=founder["headers"])
    assert reply.status_code == 200, reply.text
    # its own reserved name is no conflict: the check is told which application is correcting
    assert bureaus.calls[-1][1] == "check_name" and bureaus.calls[-1][2][3] == app_id
    assert set(bureaus.calls[-1][2][-1]) >= {"trade_name", "industry"}  # the name's parts, checked as declared
    assert reply.json()["revision"] == 1 and reply.json()["status"] == "submitted"
    assert publisher.sent[-1][0] == "application_corrected"
    assert parse_event("gateway", publisher.sent[-1][1]).revision == 1
    assert client.put(url, json=make_form(), headers=founder["headers"]).status_code == 409


# ---- companies -------------------------------------------------------------------------------


def test_company_actions_only_by_the_owner(client, sign_up, bureaus, gateway):
    owner, stranger = sign_up(), sign_up()
    app_id = submitted(client, owner)
    record(gateway.store, "registration", licence_payload(app_id))
    uscc = client.get(f"{API}/applications/{app_id}", headers=owner["headers"]).json()["outputs"]["uscc"]
    bureaus.on("tax", "issue_invoice", lambda u, req: captured.reply("tax", "issue_invoice", number="26420000000000000001", uscc=u))
    invoice = {"request_id": "r1", "buyer_name": "武汉买方有限公司", "buyer_tax_id": "91420100MA4K0000X1",
               "items": [{"name": "软件服务", "quantity": "1", "unit_price": "1000.00", "tax_rate": "0.01"}]}
    assert client.post(f"{API}/companies/{uscc}/invoices", json=invoice, headers=stranger["headers"]).status_code == 404
    reply = client.post(f"{API}/companies/{uscc}/invoices", json=invoice, headers=owner["headers"])
    assert reply.status_code == 201 and reply.json()["number"] == "26420000000000000001"
    assert bureaus.calls[-1][2][1]["items"][0]["unit_price"] == "1000.00"
    bad = client.post(f"{API}/companies/{uscc}/employees", json={"name": "王芳"}, headers=owner["headers"])
    assert bad.status_code == 422
    assert {e["field"] for e in error_shape(bad)["errors"]} == {"resident_id", "start_date", "monthly_wage"}
    # the body is tax's own request model: what tax would refuse, the gateway refuses before calling it
    calls = len(bureaus.calls)
    for wrong in ({"request_id": "r" * 80}, {"items": [{**invoice["items"][0], "tax_rate": "0.17"}]}):
        reply = client.post(f"{API}/companies/{uscc}/invoices", json={**invoice, **wrong}, headers=owner["headers"])
        assert reply.status_code == 422, reply.text
        assert error_shape(reply)["errors"][0]["field"] in ("request_id", "items.0.tax_rate")
    assert len(bureaus.calls) == calls


def test_the_bank_appointment_and_the_medical_records_only_for_the_owner_with_the_banks_field_errors(
        client, sign_up, bureaus, gateway):
    from contracts.rpc import FieldError, Invalid

    owner, stranger = sign_up(), sign_up()
    app_id = submitted(client, owner)
    record(gateway.store, "registration", licence_payload(app_id))
    uscc = client.get(f"{API}/applications/{app_id}", headers=owner["headers"]).json()["outputs"]["uscc"]
    url = f"{API}/companies/{uscc}/bank-account/appointment"
    choice = {"appointment_date": "2026-12-09", "appointment_slot": "09:30-10:30"}
    bureaus.on("bank", "move_appointment", lambda u, d, s: captured.reply("bank", "move_appointment", uscc=u,
                                                                          appointment_date=d, appointment_slot=s))
    assert client.put(url, json=choice, headers=stranger["headers"]).status_code == 404
    reply = client.put(url, json=choice, headers=owner["headers"])
    assert reply.status_code == 200 and reply.json() == captured.reply("bank", "move_appointment", uscc=uscc, **choice)
    assert bureaus.calls[-1] == ("bank", "move_appointment", (uscc, "2026-12-09", "09:30-10:30"))
    full = Invalid.with_fields("该时段已约满", [FieldError(field="appointment_slot", message="该时段已约满，请另选日期或时段")])
    bureaus.on("bank", "move_appointment", full)
    reply = client.put(url, json=choice, headers=owner["headers"])
    assert reply.status_code == 422
    assert [(e["field"], e["message"]) for e in error_shape(reply)["errors"]] == [
        ("appointment_slot", "该时段已约满，请另选日期或时段")]
    calls = len(bureaus.calls)
    bad = client.put(url, json={"appointment_date": "2026-12-09"}, headers=owner["headers"])
    assert bad.status_code == 422 and {e["field"] for e in error_shape(bad)["errors"]} == {"appointment_slot"}
    assert len(bureaus.calls) == calls  # refused before the bank is asked
    bureaus.on("medical_insurance", "list_members",
               lambda u: [captured.reply("medical_insurance", "list_members", contribution_base="5000.00", previous_base="4700.00")])
    assert client.get(f"{API}/companies/{uscc}/medical-insurance/members", headers=stranger["headers"]).status_code == 404
    assert client.get(f"{API}/companies/{uscc}/medical-insurance/members",
                      headers=owner["headers"]).json()[0]["previous_base"] == "4700.00"


def test_openapi_shows_the_bureaus_request_models(client):
    from contracts.rpc.tax import ALLOWED_TAX_RATES

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["InvoiceRequest"]["properties"]["request_id"]["maxLength"] == 64
    rate = schemas["InvoiceItem"]["properties"]["tax_rate"]
    assert sorted(rate["enum"]) == sorted(str(r) for r in ALLOWED_TAX_RATES) and "0.17" not in rate["enum"]
    assert set(schemas["EmployeeEnrolment"]["required"]) == {"name", "resident_id", "start_date", "monthly_wage"}


# ---- clerks ----------------------------------------------------------------------------------

TASK = {"id": "t1", "bureau": "tax", "kind": "invoice_approval", "application_id": "a", "title": "武汉某公司",
        "reason": "额度超过自动核定上限", "state": "open", "created_at": "2026-11-24T01:00:00+00:00",
        "deadline": "2026-11-26", "actions": ["approve", "reject"]}


def test_clerks_see_only_their_bureau(client, staff, sign_up, bureaus):
    bureaus.on("tax", "list_tasks", [TASK])
    tax, seal = staff("tax.li", "tax"), staff("seal.zhao", "seal")
    assert client.get(f"{API}/bureaus/tax/tasks", headers=tax).json()[0]["id"] == "t1"
    for headers in (seal, sign_up()["headers"], staff("ops.chen")):
        reply = client.get(f"{API}/bureaus/tax/tasks", headers=headers)
        assert reply.status_code == 403 and error_shape(reply)["code"] == "FORBIDDEN"
    assert client.get(f"{API}/bureaus/police/tasks", headers=tax).status_code == 404
    assert [c[0] for c in bureaus.calls] == ["tax"]


def test_clerk_actions_pass_the_clerk_and_map_typed_errors(client, staff, bureaus):
    tax = staff("tax.li", "tax")
    bureaus.on("tax", "act_on_task", lambda tid, clerk, action, payload: {**TASK, "state": "done",
                                                                          "history": [{"clerk": clerk}]})
    reply = client.post(f"{API}/bureaus/tax/tasks/t1/approve", json={"monthly_quota": "100000.00"}, headers=tax)
    assert reply.status_code == 200 and reply.json()["history"] == [{"clerk": "tax.li"}]
    assert bureaus.calls[-1] == ("tax", "act_on_task", ("t1", "tax.li", "approve", {"monthly_quota": "100000.00"}))
    assert client.post(f"{API}/bureaus/tax/tasks/t1/reject", json={"reasons": []}, headers=tax).status_code == 422
    bureaus.on("tax", "claim_task", Conflict("已被其他工作人员领取"))
    reply = client.post(f"{API}/bureaus/tax/tasks/t1/claim", headers=tax)
    assert reply.status_code == 409 and error_shape(reply)["message"] == "已被其他工作人员领取"
    bureaus.on("tax", "release_task", lambda tid, clerk: {**TASK, "state": "open"})
    assert client.post(f"{API}/bureaus/tax/tasks/t1/release", headers=tax).json()["state"] == "open"
    assert bureaus.calls[-1] == ("tax", "release_task", ("t1", "tax.li"))
    bureaus.on("tax", "act_on_task", Invalid.with_fields("不能这样做", [{"field": "action", "message": "不可用"}]))
    reply = client.post(f"{API}/bureaus/tax/tasks/t1/actions/fly", headers=tax)
    assert reply.status_code == 422 and error_shape(reply)["errors"] == [{"field": "action", "message": "不可用"}]


# ---- failures of what is behind the gateway ----------------------------------------------------


def test_a_silent_bureau_is_503_and_a_crash_is_a_generic_500(client, bureaus, sign_up):
    bureaus.on("registration", "verify", Unavailable("registration 暂时无法响应，请稍后再试"))
    reply = client.get(f"{API}/verify/licences/91350100M000100Y43")
    assert reply.status_code == 503 and error_shape(reply)["code"] == "UNAVAILABLE"
    bureaus.on("seal", "lookup_seal", RuntimeError("secret internals"))
    reply = client.get(f"{API}/verify/seals/4201110000001")
    assert reply.status_code == 500
    assert "secret" not in reply.text and error_shape(reply)["code"] == "INTERNAL"
    assert client.get(f"{API}/verify/licences/123").status_code == 422


def test_health_lists_what_is_down(client, bureaus):
    for name in manifest.NAMES:
        bureaus.on(name, "health", {"service": name, "status": "ok", "database": "ok", "checks": {}})
    reply = client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json()["checks"]["gateway"].startswith("down") and reply.json()["checks"]["tax"] == "ok"
    bureaus.on("gateway", "health", {"service": "gateway", "status": "ok", "database": "ok"})
    assert client.get("/healthz").status_code == 200


def test_unknown_routes_use_the_error_shape(client):
    reply = client.get(f"{API}/nothing")
    assert reply.status_code == 404 and error_shape(reply)["code"] == "NOT_FOUND"


def test_a_token_is_resolved_once_per_few_seconds_and_logout_ends_it_at_once(client, sign_up, gateway):
    founder = sign_up()
    gateway.accounts._principals.clear()  # signing up verified the contact with this token: start cold
    reads = []
    original = gateway.store.token
    gateway.store.token = lambda key: reads.append(key) or original(key)
    try:
        for _ in range(5):
            assert client.get(f"{API}/applications", headers=founder["headers"]).status_code == 200
        assert len(reads) == 1  # a page polling every 1.5 s does not cost a token lookup each time
        assert client.delete(f"{API}/tokens/current", headers=founder["headers"]).status_code == 204
        assert client.get(f"{API}/applications", headers=founder["headers"]).status_code == 401
    finally:
        gateway.store.token = original


def test_the_public_seal_page_says_a_revoked_companys_seal_is_void(client, bureaus):
    seal = {"code": "4201110000001", "kind": "company", "kind_label": "公章", "medium": "electronic",
            "medium_label": "电子印章", "status": "filed", "status_label": "已备案", "filed": True,
            "filed_at": "2026-11-24T01:00:05+00:00", "company_name": "武汉测试科技有限公司",
            "uscc": "91350100M000100Y43", "engraver": "武汉市公安局电子印章制作中心", "voided_on": None,
            "void_reason": None, "licence_revoked": {"revoked_at": "2026-11-25T02:00:00+00:00", "reason": "提交虚假材料取得公司登记"}}
    bureaus.on("seal", "lookup_seal", {"genuine": False, "seal": seal})
    page = client.get("/verify/seals/4201110000001")
    assert page.status_code == 200
    assert "已失效" in page.text and "提交虚假材料取得公司登记" in page.text and "尚未备案" not in page.text
    bureaus.on("seal", "lookup_seal", {"genuine": False, "seal": {**seal, "filed": False, "licence_revoked": None}})
    assert "尚未备案" in client.get("/verify/seals/4201110000001").text


def test_the_verify_form_tells_a_seal_code_from_a_uscc_by_its_shape(client):
    seal = client.get("/verify", params={"code": " 4201110000001 ", "kind": "licence"}, follow_redirects=False)
    assert seal.status_code in (302, 303) and seal.headers["location"].endswith("/verify/seals/4201110000001")
    licence = client.get("/verify", params={"code": "91350100m000100y43"}, follow_redirects=False)
    assert licence.headers["location"].endswith("/verify/licences/91350100M000100Y43")
    for code, message in (("420111000000", "现在输入的是12位"), ("91350100M000100Y44", "校验位不符"),
                          ("", "请输入要验证的代码")):
        page = client.get("/verify", params={"code": code}, follow_redirects=False)
        assert page.status_code == 422 and message in page.text, code
    assert client.get("/verify").status_code == 200


def test_a_flagged_field_sent_back_unchanged_needs_the_founders_confirmation(client, sign_up, gateway, publisher):
    founder = sign_up()
    form = own(founder)
    app_id = client.post(f"{API}/applications", json=form, headers=founder["headers"]).json()["id"]
    record(gateway.store, "registration", {
        "type": "correction_requested", "event_id": "e-same", "application_id": app_id,
        "occurred_at": "2026-11-24T02:00:00+00:00", "task_id": "t1", "reasons": ["地址与所在区不一致"],
        "fields": ["domicile.detail", "business_scope"]})
    url = f"{API}/applications/{app_id}/correction"
    fixed_scope = {**form, "business_scope": ["G0001"]}
    reply = client.put(url, json=fixed_scope, headers=founder["headers"])
    assert reply.status_code == 422
    assert [e["field"] for e in error_shape(reply)["errors"]] == ["domicile.detail"]
    assert publisher.sent[-1][0] == "application_submitted"  # nothing sent
    reply = client.put(f"{url}?confirm_unchanged=true", json=fixed_scope, headers=founder["headers"])
    assert reply.status_code == 200 and publisher.sent[-1][0] == "application_corrected"


def test_the_public_objection_form_is_rate_limited_per_address(client, bureaus):
    from contracts.codes import make_uscc
    from gateway.companies import OBJECTIONS_PER_ADDRESS_PER_HOUR

    bureaus.on("registration", "record_objection", lambda uscc, objection: captured.reply("registration", "record_objection"))
    url = f"{API}/verify/licences/{make_uscc('420111', '00000009')}/objections"
    body = {"objector": "武汉某某商贸有限公司", "reason": "该企业尚欠我司货款未结清"}
    for _ in range(OBJECTIONS_PER_ADDRESS_PER_HOUR):
        assert client.post(url, json=body).status_code == 201
    reply = client.post(url, json=body)
    assert reply.status_code == 429 and error_shape(reply)["code"] == "TOO_MANY_REQUESTS"
    assert "异议" in error_shape(reply)["message"] and reply.headers["Retry-After"]
    assert len([c for c in bureaus.calls if c[1] == "record_objection"]) == OBJECTIONS_PER_ADDRESS_PER_HOUR


def test_a_creditors_objection_to_a_capital_decrease_shares_the_objection_limit(client, bureaus):
    from contracts.codes import make_uscc
    from gateway.companies import OBJECTIONS_PER_ADDRESS_PER_HOUR

    bureaus.on("registration", "record_objection", lambda uscc, objection: captured.reply("registration", "record_objection"))
    bureaus.on("registration", "object_to_decrease",
               lambda uscc, objection: captured.reply("registration", "object_to_decrease"))
    uscc = make_uscc("420111", "00000010")
    decrease = f"{API}/verify/licences/{uscc}/capital-objections"
    bad = client.post(decrease, json={"creditor": "某公司", "demand": "sue", "reason": "货款"})
    assert bad.status_code == 422 and [e["field"] for e in error_shape(bad)["errors"]] == ["demand"]
    body = {"creditor": "武汉某某商贸有限公司", "demand": "repay", "reason": "该企业尚欠我司货款未结清"}
    for _ in range(OBJECTIONS_PER_ADDRESS_PER_HOUR - 1):
        assert client.post(decrease, json=body).status_code == 201
    # one budget for both public objection forms: a closing objection takes the last one
    closing = client.post(f"{API}/verify/licences/{uscc}/objections", json={"objector": "某公司", "reason": "货款未结清"})
    assert closing.status_code == 201
    assert client.post(decrease, json=body).status_code == 429
    calls = [c for c in bureaus.calls if c[1] in ("object_to_decrease", "record_objection")]
    assert len(calls) == OBJECTIONS_PER_ADDRESS_PER_HOUR
