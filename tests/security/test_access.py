"""Security over real HTTP against the running gateway (tests/security/conftest.py starts it):
who may see and do what, how passwords are stored, the login rate limit, and resident ID numbers
kept out of logs and of every view that does not need them. The rate-limit test runs last: it
locks a client address out of logging in."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from gateway.auth import ACCOUNT_FAILURE_FACTOR
from tests.factories import make_form, resident_id
from tests.security.conftest import LOGIN_MAX_FAILURES
from tests.support.live import PASSWORD

pytestmark = pytest.mark.e2e

API = "/api/v1"
ERROR_KEYS = {"code", "message", "errors"}


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    return body


# ---- founders see their own applications only -----------------------------------------------


def test_another_founders_application_is_not_found_not_forbidden(world):
    live, alice, bob = world.live, world.alice, world.bob
    mine = live.request("GET", f"{API}/applications/{world.alice_app}", headers=alice.headers)
    assert mine.status_code == 200 and mine.json()["status"] == "completed"

    theirs = live.request("GET", f"{API}/applications/{world.alice_app}", headers=bob.headers)
    nobody = live.request("GET", f"{API}/applications/{uuid.uuid4().hex}", headers=bob.headers)
    assert theirs.status_code == nobody.status_code == 404
    assert error_of(theirs) == error_of(nobody)  # no oracle: "exists but not yours" looks like "no such"

    listed = live.request("GET", f"{API}/applications", headers=bob.headers).json()
    assert {row["id"] for row in listed} == {world.bob_app}


def test_another_founders_documents_cannot_be_downloaded(world):
    live, alice, bob = world.live, world.alice, world.bob
    view = live.request("GET", f"{API}/applications/{world.alice_app}", headers=alice.headers).json()
    names = [d["name"] for d in view["documents"]]
    assert "registration.licence" in names
    for name in names:
        path = f"{API}/applications/{world.alice_app}/documents/{name}"
        assert live.request("GET", path, headers=alice.headers).status_code == 200, name
        refused = live.request("GET", path, headers=bob.headers)
        assert refused.status_code == 404, (name, refused.status_code)
        error_of(refused)
    # nor through bob's own application id (documents are looked up per application, per owner)
    licence = live.request("GET", f"{API}/applications/{world.bob_app}/documents/registration.licence",
                           headers=bob.headers)
    assert licence.status_code == 200


def test_another_founders_application_cannot_be_corrected_nor_its_company_used(world):
    live, alice, bob = world.live, world.alice, world.bob
    corrected = live.request("PUT", f"{API}/applications/{world.review_app}/correction", json=make_form(),
                             headers=bob.headers)
    assert corrected.status_code == 404
    error_of(corrected)
    uscc = live.request("GET", f"{API}/applications/{world.alice_app}", headers=alice.headers).json()["outputs"]["uscc"]
    invoice = {"request_id": "x1", "buyer_name": "某某公司", "buyer_tax_id": uscc,
               "items": [{"name": "服务费", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.01"}]}
    for method, path, body in (("GET", f"{API}/companies/{uscc}/employees", None),
                               ("GET", f"{API}/companies/{uscc}/invoices", None),
                               ("POST", f"{API}/companies/{uscc}/invoices", invoice)):
        response = live.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text[:200])
    assert live.request("GET", f"{API}/companies/{uscc}/employees", headers=alice.headers).status_code == 200


def test_staff_are_not_founders_of_anything(world):
    live = world.live
    for login in ("reg.clerk", "tax.clerk"):
        response = live.request("GET", f"{API}/applications/{world.alice_app}", headers=world.staff_headers(login))
        assert response.status_code == 404, login
        submit = live.request("POST", f"{API}/applications", json=make_form(), headers=world.staff_headers(login))
        assert submit.status_code == 403, login


# ---- clerks act on their own bureau's queue only ---------------------------------------------


def test_a_clerk_cannot_list_or_act_on_another_bureaus_queue(world):
    live, task = world.live, world.review_task
    reg, tax = world.staff_headers("reg.clerk"), world.staff_headers("tax.clerk")
    queue = live.request("GET", f"{API}/bureaus/registration/tasks", headers=reg)
    assert queue.status_code == 200 and task in {t["id"] for t in queue.json()}

    base = f"{API}/bureaus/registration/tasks"
    attempts = [("GET", base, None), ("GET", f"{base}/{task}", None), ("POST", f"{base}/{task}/claim", None),
                ("POST", f"{base}/{task}/approve", {}), ("POST", f"{base}/{task}/reject", {"reasons": ["x"]}),
                ("POST", f"{base}/{task}/request-correction", {"reasons": ["x"], "fields": ["name"]}),
                ("POST", f"{base}/{task}/actions/approve", {})]
    for who in (tax, world.staff_headers("seal.clerk"), world.alice.headers):
        for method, path, body in attempts:
            response = live.request(method, path, json=body, headers=who)
            assert response.status_code == 403, (method, path, response.status_code, response.text[:200])
            assert error_of(response)["code"] == "FORBIDDEN"
    # the same task through the tax clerk's own queue: tax has no such task
    own = live.request("POST", f"{API}/bureaus/tax/tasks/{task}/approve", json={}, headers=tax)
    assert own.status_code == 404, own.text
    # nothing happened to it
    after = live.request("GET", f"{base}/{task}", headers=reg).json()
    assert after["state"] == "open" and after["claimed_by"] is None and after["history"] == []


def test_queues_need_a_login(world):
    live = world.live
    for path in (f"{API}/bureaus/registration/tasks", f"{API}/applications", f"{API}/me"):
        response = live.request("GET", path)
        assert response.status_code == 401 and response.headers.get("www-authenticate") == "Bearer"
        error_of(response)
        forged = live.request("GET", path, headers={"Authorization": "Bearer " + "A" * 43})
        assert forged.status_code == 401


# ---- passwords -------------------------------------------------------------------------------


def test_passwords_are_stored_only_as_argon2_hashes(world):
    live = world.live
    accounts = list(live.db("gateway").accounts.find({}))
    assert {a["role"] for a in accounts} >= {"founder", "clerk", "operator"}
    for account in accounts:
        assert re.match(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$", account["password_hash"]), account["logins"]
        assert PASSWORD not in json.dumps(account, default=str)
    tokens = list(live.db("gateway").tokens.find({}))
    assert tokens and all(re.fullmatch(r"[0-9a-f]{64}", t["_id"]) for t in tokens)  # only SHA-256 of tokens
    assert world.tokens["reg.clerk"] not in json.dumps(tokens, default=str)
    wrong = live.request("POST", f"{API}/tokens", data={"username": "reg.clerk", "password": PASSWORD + "x"},
                         headers={"X-Forwarded-For": "198.51.100.7"})
    assert wrong.status_code == 401
    error_of(wrong)


# ---- resident ID numbers ---------------------------------------------------------------------


def _ids_in(text: str, ids: set[str]) -> set[str]:
    return {rid for rid in ids if rid in text}


def test_views_that_do_not_need_resident_ids_mask_them(world):
    live, alice = world.live, world.alice
    ids = live.resident_ids
    assert len(ids) >= 9  # 3 founders, and 2 staff on each of the 3 founder-only forms (tests/support/parties.py)
    view = live.request("GET", f"{API}/applications/{world.alice_app}", headers=alice.headers).json()
    uscc = view["outputs"]["uscc"]
    seal_code = view["outputs"]["seals"][0]["code"]
    # the founder's own form is shown back to them (to correct it); nothing else carries full numbers
    views = {"application (all but the founder's form)": {k: v for k, v in view.items() if k != "form"},
             "my applications": live.request("GET", f"{API}/applications", headers=alice.headers).json(),
             "me": live.request("GET", f"{API}/me", headers=alice.headers).json(),
             "staff list": live.request("GET", f"{API}/companies/{uscc}/employees", headers=alice.headers).json(),
             "licence check (public)": live.request("GET", f"{API}/verify/licences/{uscc}").json(),
             "seal check (public)": live.request("GET", f"{API}/verify/seals/{seal_code}").json()}
    for login, bureau in (("tax.clerk", "tax"), ("seal.clerk", "seal")):
        views[f"{bureau} queue"] = live.request("GET", f"{API}/bureaus/{bureau}/tasks?state=all",
                                                headers=world.staff_headers(login)).json()
    assert view["outputs"]["employees"], "enrolled employees are listed (masked)"
    for name, body in views.items():
        leaked = _ids_in(json.dumps(body, ensure_ascii=False), ids)
        assert not leaked, f"{name} shows full resident ID numbers: {sorted(leaked)[:3]}"


def test_logs_never_contain_a_full_resident_id(world):
    live = world.live
    # a bad submit puts IDs into validation paths too
    bad = make_form()
    bad["employees"][0]["resident_id"] = resident_id()[:-1] + "0"
    live.request("POST", f"{API}/applications", json=bad, headers=world.alice.headers)
    logs = live.logs()
    assert len(logs) >= 6 and sum(len(text) for text in logs.values()) > 10_000
    ids = live.resident_ids | {bad["employees"][0]["resident_id"]}
    for name, text in logs.items():
        leaked = _ids_in(text, ids)
        assert not leaked, f"{name} contains full resident ID numbers: {sorted(leaked)[:3]}"


# ---- failed log-ins: a challenge, then growing delays, no lockout (last: it slows client addresses) ---


def _challenge(live, where: dict) -> dict:
    """A fresh challenge, answered the way any script can (the embedded one says it is no CAPTCHA)."""
    reply = live.request("POST", f"{API}/login-challenges", headers=where)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert "不是专业的人机验证" in body["notice"] and body["method"] == "arithmetic"
    a, b = map(int, re.findall(r"\d+", body["question"]))
    return {"challenge_id": body["id"], "challenge_answer": str(a + b)}


def _log_in(live, login: str, password: str, where: dict, challenge: bool = False):
    data = {"username": login, "password": password, **(_challenge(live, where) if challenge else {})}
    return live.request("POST", f"{API}/tokens", data=data, headers=where)


def test_login_failures_bring_a_challenge_then_growing_delays_per_address(world):
    live = world.live
    victim = live.founder("王芳")
    limit = LOGIN_MAX_FAILURES  # per address, before its attempts wait; the challenge comes after 3
    here = {"X-Forwarded-For": "198.51.100.77"}
    for i in range(3):
        assert _log_in(live, victim.login, f"bad-{i}xxx", here).status_code == 401
    asked = _log_in(live, victim.login, victim.password, here)  # even the right password: answer first
    assert asked.status_code == 401 and error_of(asked)["code"] == "CHALLENGE_REQUIRED"
    assert error_of(asked)["errors"][0]["field"] == "challenge_answer" and "验证题" in error_of(asked)["message"]
    wrong_answer = live.request("POST", f"{API}/tokens", headers=here, data={
        "username": victim.login, "password": victim.password, "challenge_id": "nope", "challenge_answer": "1"})
    assert error_of(wrong_answer)["code"] == "CHALLENGE_REQUIRED"  # and it counted against this address
    assert limit == 4
    slowed = _log_in(live, victim.login, victim.password, here, challenge=True)
    assert slowed.status_code == 429, slowed.text
    first_wait = int(slowed.headers["retry-after"])
    assert 0 < first_wait <= 2 and "后再试" in error_of(slowed)["message"]  # a delay, not a 15-minute lock
    # the victim from their own address answers the challenge and is in
    own = _log_in(live, victim.login, victim.password, {"X-Forwarded-For": "198.51.100.78"}, challenge=True)
    assert own.status_code == 200, own.text
    # the guessing address waits longer after each further failure
    live.wait_for(lambda: _log_in(live, victim.login, "bad-againxx", here, challenge=True).status_code == 401,
                  timeout=30, what="the end of the first delay")
    second = _log_in(live, victim.login, victim.password, here, challenge=True)
    assert second.status_code == 429 and int(second.headers["retry-after"]) > first_wait


def test_guessing_from_many_addresses_slows_the_account_but_never_locks_its_owner(world):
    live = world.live
    victim = live.founder("李娜")
    attempts = LOGIN_MAX_FAILURES * ACCOUNT_FAILURE_FACTOR
    for i in range(attempts):
        wrong = _log_in(live, victim.login, f"nope-{i}xx", {"X-Forwarded-For": f"203.0.113.{i + 1}"},
                        challenge=i >= 3)
        assert wrong.status_code == 401, (i, wrong.text)
    owner = {"X-Forwarded-For": "203.0.113.200"}
    slowed = _log_in(live, victim.login, victim.password, owner, challenge=True)
    assert slowed.status_code == 429, slowed.text
    assert error_of(slowed)["code"] == "TOO_MANY_REQUESTS" and 0 < int(slowed.headers["retry-after"]) <= 60
    live.wait_for(lambda: _log_in(live, victim.login, victim.password, owner, challenge=True).status_code == 200,
                  timeout=90, what="the owner's log-in after the account's short delay")


def test_one_address_trying_many_logins_is_slowed_and_others_are_not(world):
    live = world.live
    here = {"X-Forwarded-For": "192.0.2.66"}
    for i in range(LOGIN_MAX_FAILURES):
        wrong = _log_in(live, f"guess{i}@example.com", "x1x1x1x1", here, challenge=i >= 3)
        assert wrong.status_code == 401, (i, wrong.text)
    assert _log_in(live, world.bob.login, world.bob.password, here, challenge=True).status_code == 429
    elsewhere = _log_in(live, world.bob.login, world.bob.password, {"X-Forwarded-For": "192.0.2.67"})
    assert elsewhere.status_code == 200, elsewhere.text


# ---- every route the OpenAPI document lists, not only the ones named above ---------------------


def _routes(world, prefix: str) -> list[tuple[str, str]]:
    paths = world.live.request("GET", "/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() if path.startswith(prefix)
            for method in ops if method in ("get", "put", "post", "delete", "patch")]


def _fill(path: str, **values: str) -> str:
    for name, value in {"name": "registration.licence", "bureau": "registration", "task_id": "x",
                        "action": "approve", "hook_id": "x", **values}.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_no_route_under_an_application_answers_another_founder(world):
    live = world.live
    routes = _routes(world, f"{API}/applications/{{application_id}}")
    assert len(routes) >= 4, routes
    for method, path in routes:
        url = _fill(path, application_id=world.alice_app)
        response = live.request(method, url, json={} if method != "GET" else None, headers=world.bob.headers)
        assert response.status_code in (404, 422) if method != "GET" else response.status_code == 404, \
            (method, url, response.status_code, response.text[:200])
        assert not contract_violations_of(response), (method, url)


def test_no_bureau_route_answers_a_clerk_of_another_bureau(world):
    live = world.live
    routes = _routes(world, f"{API}/bureaus/{{bureau}}")
    assert len(routes) >= 5, routes
    for method, path in routes:
        url = _fill(path, bureau="registration", task_id=world.review_task)
        response = live.request(method, url, json={"reasons": ["x"]} if method != "GET" else None,
                                headers=world.staff_headers("tax.clerk"))
        allowed = (403,) if method == "GET" else (403, 422)  # a bad body may be refused before the role check
        assert response.status_code in allowed, (method, url, response.status_code, response.text[:200])
    task = live.request("GET", f"{API}/bureaus/registration/tasks/{world.review_task}",
                        headers=world.staff_headers("reg.clerk")).json()
    assert task["state"] == "open" and task["history"] == []


def contract_violations_of(response) -> list[str]:
    from tests.security.test_bad_input import contract_violations

    return contract_violations(response)


def test_another_founders_webhook_cannot_be_read_or_removed(world):
    live = world.live
    created = live.request("POST", f"{API}/webhooks", json={"url": f"{world.receiver.url}/onestop-hook"},
                           headers=world.alice.headers)
    assert created.status_code == 201, created.text
    hook = created.json()["id"]
    try:
        for method, path in (("GET", f"{API}/webhooks/{hook}/deliveries"), ("DELETE", f"{API}/webhooks/{hook}")):
            refused = live.request(method, path, headers=world.bob.headers)
            assert refused.status_code == 404, (method, refused.status_code)
        assert hook not in {h["id"] for h in live.request("GET", f"{API}/webhooks", headers=world.bob.headers).json()}
        assert hook in {h["id"] for h in live.request("GET", f"{API}/webhooks", headers=world.alice.headers).json()}
    finally:
        assert live.request("DELETE", f"{API}/webhooks/{hook}", headers=world.alice.headers).status_code == 204
