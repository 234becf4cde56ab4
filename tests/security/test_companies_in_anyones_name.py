"""Issue 20, "companies in anyone's name": a founder naming other people's resident IDs gets nothing from
the bureaus until each of those people confirms from their own verified account; one account per
resident ID; nobody else can see or answer the request; no number in the timeline, the logs or the
public pages; a well-known brand is refused as a 字号. On the code before this change the application
below was licensed automatically within seconds and the second sign-up with the same number got 201."""

from __future__ import annotations

import json
import time

import pytest

from tests.factories import make_form
from tests.support.live import PASSWORD
from tests.support.verification import verify

pytestmark = pytest.mark.e2e

API = "/api/v1"


def test_naming_someone_else_gets_no_licence_without_their_confirmation(world):
    live, alice = world.live, world.alice
    form = make_form()  # two people alice's account is not: the form names them, they never agreed
    app_id = live.submit(alice, form, as_given=True)
    time.sleep(6)  # the automatic path took about 2 s before confirmations existed
    view = live.request("GET", f"{API}/applications/{app_id}", headers=alice.headers).json()
    assert view["status"] == "awaiting_confirmation" and not view["outputs"].get("uscc")
    assert "application_submitted" not in [e["type"] for e in view["timeline"]]
    assert live.db("registration").cases.count_documents({"_id": app_id}) == 0  # the bureau never heard of it
    numbers = [p["resident_id"] for p in (form["shareholders"][0], form["shareholders"][1])]
    text = json.dumps(view["timeline"], ensure_ascii=False)
    assert not any(n in text for n in numbers)  # the founder's timeline and webhooks carry no numbers


def test_one_account_per_resident_id_and_the_answer_is_a_field_error(world):
    live = world.live
    where = {"X-Forwarded-For": "10.66.0.1"}
    reply = live.request("POST", f"{API}/accounts", headers=where, json={
        "name": "张伟", "resident_id": world.alice.resident_id, "email": "second.alice@example.com",
        "password": PASSWORD})
    assert reply.status_code == 422, reply.text
    [error] = reply.json()["errors"]
    assert error["field"] == "resident_id" and "只能注册一个账号" in error["message"]


def test_only_the_person_named_sees_and_answers_the_request(world):
    live, alice, bob = world.live, world.alice, world.bob
    form = make_form()
    app_id = live.submit(alice, form, as_given=True)
    for method, body in (("GET", None), ("PUT", {"decision": "confirm"})):
        reply = live.request(method, f"{API}/confirmations/{app_id}", json=body, headers=bob.headers)
        assert reply.status_code == 404  # not named: the application's existence is not bob's business
    assert live.request("GET", f"{API}/confirmations", headers=bob.headers).json() == []
    # the person named signs up with their own number (from an address of their own) and then sees it
    supervisor = form["supervisors"][0]
    where = {"X-Forwarded-For": "10.66.1.1"}
    reply = live.request("POST", f"{API}/accounts", headers=where, json={
        "name": supervisor["name"], "resident_id": supervisor["resident_id"], "email": "named.supervisor@example.com",
        "password": PASSWORD})
    assert reply.status_code == 201, reply.text
    assert reply.json()["identity_verified"] is True and "未经公安机关实名核验" in reply.json()["identity_status"]
    headers = {"Authorization": f"Bearer {live.token('named.supervisor@example.com', PASSWORD, where)}", **where}
    verify(live.request, headers, "named.supervisor@example.com")  # the code from the embedded outbox file
    [waiting] = live.request("GET", f"{API}/confirmations", headers=headers).json()
    assert waiting["application_id"] == app_id and waiting["my_roles"] == ["shareholder", "supervisor"]
    assert not any(p["resident_id"] in json.dumps(waiting) for p in form["shareholders"])
    declined = live.request("PUT", f"{API}/confirmations/{app_id}", headers=headers,
                            json={"decision": "decline", "reason": "我从未同意担任监事"})
    assert declined.status_code == 200 and declined.json()["status"] == "withdrawn"
    view = live.request("GET", f"{API}/applications/{app_id}", headers=alice.headers).json()
    assert "我从未同意担任监事" in view["withdrawal"]["reason"]


def test_no_named_persons_number_in_any_log(world):
    logs = "\n".join(world.live.logs().values())
    leaked = [n for n in world.live.resident_ids if n in logs]
    assert leaked == []


def test_a_well_known_brand_is_refused_as_a_trade_name(world):
    live, alice = world.live, world.alice
    reply = live.request("POST", f"{API}/name-checks", headers=alice.headers,
                         json={"name": "武汉华为云启科技有限公司", "district_code": "420111", "scope": ["G0001"]})
    assert reply.status_code == 200
    assert [p["code"] for p in reply.json()["problems"] if p["severity"] == "error"] == ["protected_brand"]
    form = make_form(name={"trade_name": "华为云启"})
    reply = live.request("POST", f"{API}/applications", json=form, headers=alice.headers)
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["name.trade_name"]


def test_the_person_confirming_must_be_the_person_named(world):
    """Real-name matching: an account holding a named number under another name cannot confirm (on the
    code before this change it confirmed, and the application went on to the bureaus)."""
    live, alice = world.live, world.alice
    form = make_form()
    app_id = live.submit(alice, form, as_given=True)
    supervisor = form["supervisors"][0]
    where = {"X-Forwarded-For": "10.66.2.1"}
    live.request("POST", f"{API}/accounts", headers=where, json={
        "name": "周杰", "resident_id": supervisor["resident_id"], "email": "other.name@example.com",
        "password": PASSWORD})
    token = live.token("other.name@example.com", PASSWORD, where)
    verify(live.request, {"Authorization": f"Bearer {token}", **where}, "other.name@example.com")
    reply = live.request("PUT", f"{API}/confirmations/{app_id}", json={"decision": "confirm"},
                         headers={"Authorization": f"Bearer {token}", **where})
    assert reply.status_code == 422, reply.text
    [error] = reply.json()["errors"]
    assert error["field"] == "name" and supervisor["name"] in error["message"]
    # and the founder cannot put their own number under another person's name
    factory = make_form()
    founder_rid = factory["legal_representative"]["resident_id"]
    mine = json.loads(json.dumps(factory, ensure_ascii=False).replace(founder_rid, alice.resident_id)
                      .replace(factory["legal_representative"]["name"], "赵磊"))  # alice's number, another name
    refused = live.request("POST", f"{API}/applications", json=mine, headers=alice.headers)
    assert refused.status_code == 422
    assert any(e["field"] == "legal_representative.name" for e in refused.json()["errors"])
