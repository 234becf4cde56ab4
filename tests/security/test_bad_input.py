"""Bad input over real HTTP: a schemathesis fuzz run of the whole API from the gateway's own OpenAPI
document (valid and invalid requests, a bounded number per operation), and the bodies a fuzzer does
not send: oversized, malformed, deeply nested, of the wrong type.

The contract that must hold for every response: no 5xx; every 4xx has the body
{"code", "message", "errors"}; a 422 names the offending field(s).
(Property tests of the form contract itself live in tests/unit/contracts/test_form_properties.py.)
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import DefaultCookiePolicy

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"
EXAMPLES = int(os.environ.get("ONESTOP_FUZZ_EXAMPLES", "25"))  # per operation
FUZZ_WORKERS = 4  # operations fuzzed at once
# revoking the token being fuzzed with (this one, or all of the account's) would turn the rest of the
# run, and the tests after it, into 401s
SKIP = {("DELETE", "/api/v1/tokens/current"), ("DELETE", "/api/v1/tokens")}
# the PDF endpoints take the file itself: the fuzzer sends whatever bytes it makes up
schemathesis.serializer.alias("application/pdf", "application/octet-stream")


def contract_violations(response) -> list[str]:
    """What is wrong with one response, by the rules in the module docstring."""
    status = response.status_code
    if status >= 500:
        return [f"{status}: {response.text[:300]}"]
    if status < 400:
        return []
    try:
        body = response.json()
    except ValueError:
        return [f"{status} without a JSON error body: {response.text[:200]!r}"]
    if not isinstance(body, dict) or set(body) != {"code", "message", "errors"}:
        return [f"{status} body is not {{code, message, errors}}: {str(body)[:300]}"]
    if not isinstance(body["errors"], list) or not body["code"] or not body["message"]:
        return [f"{status} error body incomplete: {str(body)[:300]}"]
    if status == 422 and (not body["errors"] or not all(e.get("field") for e in body["errors"])):
        return [f"422 that names no field: {str(body)[:300]}"]
    return []


@pytest.mark.timeout(600)  # ~25 examples x every operation: 1-3 min, longer on a loaded machine
def test_fuzz_every_operation_from_the_openapi_document(world):
    live = world.live
    config = SchemathesisConfig.from_dict({"generation": {"mode": "all"}})
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json", config=config)
    founder = world.fuzzer.headers
    clerk, operator = world.staff_headers("reg.clerk"), world.staff_headers("ops.admin")
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]

    def fuzz_one(operation) -> tuple[Counter, list[str]]:
        headers = founder
        if operation.path.startswith(f"{API}/bureaus/"):
            headers = clerk
        elif operation.path.startswith((f"{API}/operator", f"{API}/stats")):
            headers = operator
        counter: Counter = Counter()
        with requests.Session() as session:  # one kept-alive connection per operation, not one per example
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # no cookie carried over
            try:
                _fuzzer(operation, live.url, headers, counter, session)()
            except AssertionError as exc:
                return counter, [str(exc).splitlines()[0][:500]]
            except Exception as exc:  # noqa: BLE001 - hypothesis' own errors name the operation too
                return counter, [f"{type(exc).__name__}: {str(exc)[:300]}"]
        return counter, []

    # the operations are fuzzed FUZZ_WORKERS at a time (Hypothesis runs @given tests in several threads
    # since 6.136): one's requests are answered while another's examples are generated. The examples are
    # the same (derandomized per operation), only their order across operations is interleaved.
    fuzzed = [op for op in operations if (op.method.upper(), op.path) not in SKIP]
    with ThreadPoolExecutor(FUZZ_WORKERS) as pool:
        results = dict(zip((op.label for op in fuzzed), pool.map(fuzz_one, fuzzed), strict=True))
    counter = sum((c for c, _ in results.values()), Counter())
    failures = {label: problems for label, (_, problems) in results.items() if problems}
    elapsed = time.monotonic() - started
    statuses = {k: v for k, v in sorted(counter.items(), key=str) if k != "calls"}
    print(f"\nfuzzed {len(fuzzed)} operations, {counter['calls']} requests in {elapsed:.1f}s; "
          f"statuses {statuses}")
    assert any(400 <= k < 500 for k in statuses if isinstance(k, int)), "the fuzzer sent only valid requests?"
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    # no timed assertion: the examples per operation bound the work (pytest-timeout bounds the wall time);
    # how long it took is printed above, and speed targets live in bench/


def _fuzzer(operation, base_url: str, headers: dict[str, str], counter: Counter, session: requests.Session):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def fuzz(case):
        response = case.call(base_url=base_url, session=session, headers={**(case.headers or {}), **headers},
                             timeout=30)
        counter["calls"] += 1
        counter[response.status_code] += 1
        problems = contract_violations(response)
        assert not problems, f"{case.method} {case.formatted_path}: {problems}"

    return fuzz


# ---- bodies a schema-driven fuzzer does not produce ---------------------------------------------


@pytest.fixture(scope="module")
def post(world):
    def post(path: str, content: bytes, content_type: str = "application/json") -> httpx.Response:
        headers = {**world.fuzzer.headers, "Content-Type": content_type}
        return world.live.request("POST", path, content=content, headers=headers)

    return post


def test_an_oversized_body_is_refused_with_413(post):
    big = json.dumps({**make_form(), "padding": "x" * (2 * 1024 * 1024)}).encode()
    for path in (f"{API}/applications", f"{API}/accounts"):
        response = post(path, big)
        assert response.status_code == 413, (path, response.status_code, response.text[:200])
        assert not contract_violations(response)


def test_an_oversized_body_without_a_length_is_refused_too(world):
    def chunks():
        for _ in range(40):
            yield b"[" + b"1," * 32_768 + b"1]"

    headers = {**world.fuzzer.headers, "Content-Type": "application/json"}
    response = world.live.request("POST", f"{API}/applications", content=chunks(), headers=headers)
    assert response.status_code == 413, response.text[:200]
    assert not contract_violations(response)


@pytest.mark.parametrize("body", [b"{", b'{"name": }', b"\xff\xfe\x00", b"", b"{'single': 'quotes'}",
                                  b'{"a": 1} trailing'])
def test_malformed_json_is_refused_cleanly(post, body):
    response = post(f"{API}/applications", body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.text[:200])
    assert not contract_violations(response)


@pytest.mark.parametrize("body", [b"[]", b'"a form"', b"null", b"12", b"[" * 50_000 + b"]" * 50_000,
                                  json.dumps({"name": {"trade_name": ["x"] * 10}}).encode()])
def test_a_body_of_the_wrong_shape_gets_a_field_level_4xx(post, body):
    response = post(f"{API}/applications", body)
    assert 400 <= response.status_code < 500, (body[:40], response.status_code, response.text[:200])
    assert not contract_violations(response)


def test_the_wrong_content_type_is_refused_cleanly(post):
    form = json.dumps(make_form()).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = post(f"{API}/applications", form, content_type)
        assert 400 <= response.status_code < 500, (content_type, response.status_code, response.text[:200])
        assert not contract_violations(response)


def test_a_422_names_every_bad_field(post):
    form = make_form()
    form["legal_representative"]["resident_id"] = "420102198503120017"  # wrong check digit
    form["registered_capital"] = "-5"
    response = post(f"{API}/applications", json.dumps(form).encode())
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "legal_representative.resident_id" in fields and "registered_capital" in fields, fields
