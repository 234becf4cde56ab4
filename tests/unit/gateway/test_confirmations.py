"""Every person named on a form confirms it from their own verified account; one account per resident ID."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from contracts import clock
from contracts.events import parse_event
from contracts.rpc import Forbidden
from gateway import identities
from gateway.confirmations import expire_due
from kit.identity import FormatCheck
from tests.factories import make_form, resident_id
from tests.support import days
from tests.support.parties import Parties, named_people

API = "/api/v1"


def submit(client, founder, form) -> dict:
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_the_application_waits_for_every_other_person_then_goes_to_the_bureaus(client, sign_up, publisher):
    founder = sign_up()
    form = make_form()  # the founder holds none of its numbers: both people named must confirm
    body = submit(client, founder, form)
    assert body["status"] == "awaiting_confirmation" and publisher.sent == []
    assert [e["type"] for e in body["timeline"]] == ["confirmation_requested"]
    assert {p["state"] for p in body["confirmations"]["parties"]} == {"pending"}
    people = Parties(client.request)
    (first, first_name), (second, second_name) = named_people(form).items()
    mine = client.get(f"{API}/confirmations", headers=people.account(first, first_name)).json()
    assert [m["application_id"] for m in mine] == [body["id"]]
    assert mine[0]["my_roles"] == ["legal_representative", "shareholder", "director", "manager"]
    assert first not in json.dumps(mine) and second not in json.dumps(mine)  # names and posts, no numbers

    once = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                      headers=people.account(first, first_name))
    again = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                       headers=people.account(first, first_name))
    assert once.status_code == again.status_code == 200 and publisher.sent == []  # one still awaited
    changed = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "decline"},
                         headers=people.account(first, first_name))
    assert changed.status_code == 409

    last = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                      headers=people.account(second, second_name))
    assert last.status_code == 200 and last.json()["status"] == "submitted"
    [(kind, payload)] = publisher.sent
    assert kind == "application_submitted" and parse_event("gateway", payload).founder_id == founder["id"]
    view = client.get(f"{API}/applications/{body['id']}", headers=founder["headers"]).json()
    assert [e["type"] for e in view["timeline"]] == ["confirmation_requested", "party_confirmed", "party_confirmed",
                                                     "application_submitted"]
    assert first not in json.dumps(view["timeline"]) and first_name not in json.dumps(view["timeline"])
    client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
               headers=people.account(second, second_name))
    assert len(publisher.sent) == 1  # a retried last confirmation releases nothing twice


def test_the_founders_own_part_is_implicit(client, sign_up, publisher):
    form = make_form()
    founder = sign_up(number=form["shareholders"][0]["resident_id"])
    body = submit(client, founder, form)
    states = {p["name"]: p["state"] for p in body["confirmations"]["parties"]}
    assert sorted(states.values()) == ["implicit", "pending"]
    Parties(client.request).confirm_all(body["id"], form, skip={founder["resident_id"]})
    assert [kind for kind, _ in publisher.sent] == ["application_submitted"]


def test_a_decline_withdraws_the_application_with_the_reason(client, sign_up, publisher):
    founder = sign_up()
    form = make_form()
    body = submit(client, founder, form)
    people = Parties(client.request)
    (first, first_name), (second, second_name) = named_people(form).items()
    reply = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "decline", "reason": "我不认识申请人"},
                       headers=people.account(second, second_name))
    assert reply.status_code == 200 and reply.json()["status"] == "withdrawn"
    view = client.get(f"{API}/applications/{body['id']}", headers=founder["headers"]).json()
    assert view["status"] == "withdrawn" and "拒绝确认" in view["withdrawal"]["reason"]
    assert "我不认识申请人" in view["withdrawal"]["reason"] and "监事" in view["withdrawal"]["reason"]
    late = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                      headers=people.account(first, first_name))
    assert late.status_code == 409 and publisher.sent == []


def test_the_deadline_passing_withdraws_it(client, sign_up, gateway, publisher):
    founder = sign_up()
    start = datetime.fromisoformat("2026-12-01T10:00:00+08:00")  # a Tuesday; 5 working days: Tuesday 8th
    with clock.using(clock.fixed_at(start)):
        body = submit(client, founder, make_form())
    assert body["confirmations"]["deadline"] == "2026-12-08"
    with clock.using(clock.fixed_at(datetime.fromisoformat("2026-12-08T23:59:00+08:00"))):
        assert expire_due(gateway.store) == 0
    with clock.using(clock.fixed_at(datetime.fromisoformat("2026-12-09T00:00:00+08:00"))):
        assert expire_due(gateway.store) == 1
        assert expire_due(gateway.store) == 0  # once
    view = client.get(f"{API}/applications/{body['id']}", headers=founder["headers"]).json()
    assert view["status"] == "withdrawn" and "2026-12-08" in view["withdrawal"]["reason"]
    assert view["timeline"][-1]["type"] == "confirmation_expired" and publisher.sent == []


def test_someone_not_named_sees_nothing(client, sign_up):
    founder, stranger = sign_up(), sign_up()
    body = submit(client, founder, make_form())
    assert client.get(f"{API}/confirmations", headers=stranger["headers"]).json() == []
    for method in ("GET", "PUT"):
        reply = client.request(method, f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                               headers=stranger["headers"])
        assert reply.status_code == 404


def test_one_account_per_resident_id(client, sign_up, gateway):
    number = resident_id()
    sign_up(number=number)
    reply = client.post(f"{API}/accounts", json={"name": "李娜", "resident_id": number, "email": "x2@example.com",
                                                 "password": "another-pass-1"})
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"field": "resident_id", "message": identities.TAKEN}]
    assert gateway.store.accounts.count_documents({"resident_id": number}) == 1


def test_a_lost_sign_up_race_leaves_no_account(client, gateway, monkeypatch):
    number = resident_id()
    gateway.store.identities.insert_one({"_id": number, "account_id": "someone-else"})
    monkeypatch.setattr(identities, "taken", lambda store, rid: False)  # both passed the look-up, the other won
    reply = client.post(f"{API}/accounts", json={"name": "李娜", "resident_id": number, "email": "r@example.com",
                                                 "password": "another-pass-1"})
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "resident_id"
    assert gateway.store.accounts.count_documents({"resident_id": number}) == 0


def test_existing_duplicates_are_disputed_not_a_crash(client, sign_up, gateway):
    number = resident_id()
    for i in (1, 2):  # two accounts from before one account per number, sharing it
        gateway.store.accounts.insert_one({"_id": f"old{i}", "role": "founder", "name": "王芳", "resident_id": number,
                                           "logins": [f"old{i}@example.com"], "password_hash": "x",
                                           "created_at": clock.now()})
    gateway.store.accounts.insert_one({"_id": "old3", "role": "founder", "name": "赵磊", "resident_id": resident_id(),
                                       "logins": ["old3@example.com"], "password_hash": "x", "created_at": clock.now()})
    counts = identities.settle_existing(gateway.store, FormatCheck())
    assert counts == {"claimed": 1, "disputed": 2, "refused": 0}
    assert identities.settle_existing(gateway.store, FormatCheck()) == {"claimed": 0, "disputed": 0, "refused": 0}
    old = gateway.store.account("old1")
    assert old["identity"]["verified"] is False and old["identity"]["method"] == identities.DISPUTED
    assert gateway.store.account("old3")["identity"]["verified"] is True
    reply = client.post(f"{API}/accounts", json={"name": "王芳", "resident_id": number, "email": "new@example.com",
                                                 "password": "another-pass-1"})
    assert reply.status_code == 422  # nobody can take the disputed number either
    with pytest.raises(Forbidden):  # a 403 with the reason, never a 500
        identities.holder_of(gateway.store, old)


def test_the_account_says_how_far_its_identity_was_verified(client, sign_up):
    founder = sign_up()
    me = client.get(f"{API}/me", headers=founder["headers"]).json()
    assert me["identity_verified"] is True and "未经公安机关实名核验" in me["identity_status"]


def test_an_unverified_account_cannot_confirm(client, sign_up, gateway):
    founder = sign_up()
    form = make_form()
    body = submit(client, founder, form)
    number, name = next(iter(named_people(form).items()))
    person = sign_up(number=number, name=name)
    gateway.store.accounts.update_one({"_id": person["id"]}, {"$set": {"identity.verified": False}})
    reply = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"}, headers=person["headers"])
    assert reply.status_code == 403 and "尚未通过核验" in reply.json()["message"]


def test_a_confirmation_after_the_deadline_is_refused(client, sign_up, gateway):
    form = make_form()
    # ahead of the real day: the people here log in on the pinned clock, and the database's TTL index drops
    # a token whose expiry is past by the real time (tests/support/days.py)
    start = datetime.fromisoformat(days.at(days.working_day_ahead(), 10))
    with clock.using(clock.fixed_at(start)):
        founder = sign_up()
        body = submit(client, founder, form)
    number, name = next(iter(named_people(form).items()))
    with clock.using(clock.fixed_at(start + timedelta(days=10))):
        reply = client.put(f"{API}/confirmations/{body['id']}", json={"decision": "confirm"},
                           headers=Parties(client.request).account(number, name))
    assert reply.status_code == 409


def test_a_correction_cannot_swap_in_someone_who_did_not_confirm(client, sign_up, gateway):
    from gateway.recording import record

    form = make_form()
    founder = sign_up(number=form["shareholders"][0]["resident_id"])
    body = submit(client, founder, form)
    Parties(client.request).confirm_all(body["id"], form, skip={founder["resident_id"]})
    record(gateway.store, "registration", {
        "type": "correction_requested", "event_id": "e-corr", "application_id": body["id"],
        "occurred_at": clock.now().isoformat(), "task_id": "t1", "reasons": ["监事不符合条件"],
        "fields": ["supervisors"]})
    swapped = json.loads(json.dumps(form))
    swapped["supervisors"][0] = {"name": "王芳", "resident_id": resident_id()}  # a number nobody confirmed
    url = f"{API}/applications/{body['id']}/correction"
    reply = client.put(url, json=swapped, headers=founder["headers"])
    assert reply.status_code == 422
    # the newcomer, and the partner who confirmed as shareholder and supervisor and would now be shareholder only
    assert [e["field"] for e in reply.json()["errors"]] == ["shareholders.1.resident_id", "supervisors.0.resident_id"]
    assert client.put(url, json=form, headers=founder["headers"], params={"confirm_unchanged": "true"}).status_code == 200


def test_acting_as_oneself_reads_only_the_account_once_it_says_its_claim_stands(client, sign_up, gateway):
    """Issue 23: the claim is not read on every submit and confirmation; an account from before
    `identity.claimed` is read against the claim once and then says so itself."""
    founder = sign_up()
    account = gateway.store.account(founder["id"])
    assert account["identity"]["claimed"] == account["resident_id"]  # written with the account at sign-up
    gateway.store.identities.delete_many({})  # were the claim read, this account could act as no one now
    assert identities.holder_of(gateway.store, account) == account["resident_id"]

    older = sign_up(name="李娜")
    gateway.store.accounts.update_one({"_id": older["id"]}, {"$unset": {"identity.claimed": ""}})
    assert identities.holder_of(gateway.store, gateway.store.account(older["id"])) == gateway.store.account(
        older["id"])["resident_id"]  # claimed now, on the claim it read
    assert gateway.store.account(older["id"])["identity"]["claimed"] == gateway.store.account(older["id"])["resident_id"]


def test_a_claim_another_account_holds_is_not_taken_over_by_an_account_without_the_mark(client, sign_up, gateway):
    founder = sign_up()
    gateway.store.accounts.update_one({"_id": founder["id"]}, {"$unset": {"identity.claimed": ""}})
    account = gateway.store.account(founder["id"])
    gateway.store.identities.update_one({"_id": account["resident_id"]}, {"$set": {"account_id": "someone-else"}})
    with pytest.raises(Forbidden):
        identities.holder_of(gateway.store, account)
    assert "claimed" not in gateway.store.account(founder["id"])["identity"]
