"""Every input error is a 4xx with a field error, over real HTTP: a lone surrogate in the name check,
a form field name thousands of levels deep on the page's POST /apply, and bidi controls, zero-width
and other non-规范 characters in every name field (they used to reach the licence and the public
verification page). Security headers on every page and API answer are here too."""

from __future__ import annotations

import json
import re
from contextlib import closing

import httpx
import pytest

from tests.factories import make_form, resident_id
from tests.security.test_bad_input import contract_violations

pytestmark = pytest.mark.e2e

API = "/api/v1"
RLO, ZWSP, ZWJ, BOM, LRI = "\u202e", "\u200b", "\u200d", "\ufeff", "\u2066"


def web_session(world) -> httpx.Client:
    """A logged-in browser-like client for the pages (cookie session + CSRF header)."""
    founder, where = world.newcomer("周敏")
    client = httpx.Client(base_url=world.live.url, timeout=30, follow_redirects=False, headers=where)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post("/login", data={"login": founder.login, "password": founder.password, "csrf_token": csrf})
    assert done.status_code == 303, done.text[:300]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/apply").text).group(1)
    client.headers["X-CSRF-Token"] = csrf
    return client


def test_a_lone_surrogate_in_the_name_check_is_a_field_error_not_a_502(world):
    live = world.live
    body = b'{"name": "\\ud800"}'
    headers = {**world.fuzzer.headers, "Content-Type": "application/json"}
    response = live.request("POST", f"{API}/name-checks", content=body, headers=headers)
    assert response.status_code == 422, (response.status_code, response.text[:300])
    assert not contract_violations(response)
    assert [e["field"] for e in response.json()["errors"]] == ["name"]
    for name in ("海陆\u202e空", "海\u200b陆空"):
        refused = live.request("POST", f"{API}/name-checks", json={"name": name}, headers=world.fuzzer.headers)
        assert refused.status_code == 422, (name, refused.status_code)
    ok = live.request("POST", f"{API}/name-checks", json={"name": "海陆空"}, headers=world.fuzzer.headers)
    assert ok.status_code == 200, ok.text


def test_a_form_field_thousands_of_levels_deep_is_a_4xx(world):
    with closing(web_session(world)) as client:
        deep = ".".join(["a"] * 5000)
        response = client.post("/apply", data={deep: "x", "contact.phone": "13800000000"})
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
        wide = {f"shareholders.{i}.name": "张三" for i in range(3000)}
        response = client.post("/apply", data=wide)
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


PEOPLE = ["legal_representative.name", "directors.0.name", "shareholders.0.name", "employees.0.name"]


def _set(form: dict, path: str, value: str) -> None:
    node = form
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value


@pytest.mark.parametrize("bad", [f"张{RLO}伟", f"张{ZWSP}伟", f"张{ZWJ}伟", f"{BOM}张伟", f"张{LRI}伟",
                                 "张 伟", "Zhang Wei", "张伟1", "张\u3000伟", "买买提•艾力"])
def test_every_person_name_refuses_invisible_and_non_standard_characters(world, bad):
    form = make_form()
    for path in PEOPLE:
        _set(form, path, bad)
    response = world.live.request("POST", f"{API}/applications", json=form, headers=world.fuzzer.headers)
    assert response.status_code == 422, (bad, response.status_code)
    fields = {e["field"] for e in response.json()["errors"]}
    assert set(PEOPLE) <= fields, (bad, fields)


def test_company_name_address_and_corporate_shareholder_refuse_invisible_characters(world):
    form = make_form()
    form["name"]["trade_name"] = f"海{RLO}陆空"
    form["name"]["industry"] = f"商{ZWSP}贸"
    form["domicile"]["detail"] = f"江岸区{RLO}沿江大道1号"
    form["contact"]["email"] = f"a{ZWSP}@example.com"
    response = world.live.request("POST", f"{API}/applications", json=form, headers=world.fuzzer.headers)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name.trade_name", "name.industry", "domicile.detail", "contact.email"} <= fields, fields


def test_a_minority_name_with_the_middle_dot_is_accepted(world):
    from contracts.form import validate_form

    form = make_form()
    form["employees"][0]["name"] = "买买提·艾力"
    assert validate_form(form).employees[0].name == "买买提·艾力"


def test_sign_up_refuses_a_name_with_bidi_or_zero_width_characters(world):
    for bad in (f"张{RLO}伟", f"张{ZWSP}伟", "\ud800\ud800"):
        body = {"name": bad, "resident_id": resident_id(), "email": "x@example.com", "password": "Faults-and-0ne-stop"}
        response = world.live.request("POST", f"{API}/accounts", content=json.dumps(body),  # \u-escaped
                                      headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (repr(bad), response.status_code, response.text[:200])
        assert "name" in {e["field"] for e in response.json()["errors"]}


# ---- security headers --------------------------------------------------------------------------


PAGES = ["/", "/login", "/signup", "/stats", "/docs", "/api/v1/stats", "/openapi.json", "/no-such-page",
         "/healthz/live"]


def test_every_answer_carries_the_security_headers(world):
    live = world.live
    for path in PAGES:
        response = live.request("GET", path)
        h = response.headers
        assert h.get("x-content-type-options") == "nosniff", path
        assert h.get("referrer-policy") == "same-origin", path
        csp = h.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, (path, csp)
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp, (path, csp)
        assert h.get("x-frame-options") == "DENY", path
    with closing(web_session(world)) as client:
        for path in ("/apply", "/applications"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.headers.get("location"))
            assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path


def test_company_requests_refuse_invisible_characters_in_names(world):
    live, alice = world.live, world.alice
    uscc = live.request("GET", f"{API}/applications/{world.alice_app}", headers=alice.headers).json()["outputs"]["uscc"]
    invoice = {"request_id": "bidi-1", "buyer_name": f"某某{RLO}公司", "buyer_tax_id": uscc,
               "items": [{"name": f"服务{ZWSP}费", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.03"}]}
    response = live.request("POST", f"{API}/companies/{uscc}/invoices", json=invoice, headers=alice.headers)
    assert response.status_code == 422, response.text[:300]
    assert {e["field"] for e in response.json()["errors"]} >= {"buyer_name", "items.0.name"}
    hire = {"name": f"王{ZWJ}芳", "resident_id": resident_id(), "start_date": "2030-01-01", "monthly_wage": "5000"}
    response = live.request("POST", f"{API}/companies/{uscc}/employees", json=hire, headers=alice.headers)
    assert response.status_code == 422, response.text[:300]
    assert "name" in {e["field"] for e in response.json()["errors"]}
