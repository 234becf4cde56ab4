"""The running system as an operator sees it: two instances of a bureau share the work, one
application's id can be followed through every process's JSON log (and no resident ID leaks), /metrics
after traffic, and /healthz following a broker outage.

One system (kit.launcher.System through tests.support.live, tax scaled to 2) on the PRIVATE RabbitMQ
node of tests/support/rabbit.py, so the outage test may stop the broker; the shared one is untouched.
The tests run in file order and share the module's system.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from contracts import bureaus
from tests.factories import make_form
from tests.support.fixtures import private_rabbit  # noqa: F401 - the fixture
from tests.support.live import LiveSystem

pytestmark = pytest.mark.e2e

APPLICATIONS = 4
METRICS_TOKEN = "ops-metrics-token-0123456789"
PROCESSES = ("registration-0", "seal-0", "tax-0", "tax-1", "social_security-0", "gateway-0", "web-0")


@pytest.fixture(scope="module")
def live(private_rabbit, tmp_path_factory):  # noqa: F811
    base = f"pyamqp://guest:guest@127.0.0.1:{private_rabbit.amqp_port}/"
    with LiveSystem("ops", tmp_path_factory.mktemp("ops-logs"), scale={"tax": 2}, amqp_base=base,
                    ctl_uri=private_rabbit.ctl_uri,
                    extra_env={"AMQP_MANAGEMENT_URI": private_rabbit.ctl_uri,
                               "GATEWAY_METRICS_TOKEN": METRICS_TOKEN}) as live:
        yield live


@pytest.fixture(scope="module")
def completed(live):
    founder = live.founder()
    ids = live.submit_many(founder, [make_form() for _ in range(APPLICATIONS)], workers=APPLICATIONS)
    live.wait_completed(ids, timeout=90)
    view = live.request("GET", f"/api/v1/applications/{ids[0]}", headers=founder.headers)
    assert view.status_code == 200
    return ids


def log_lines(live) -> dict[str, list[dict]]:
    """process ("tax-1") -> its JSON log records (non-JSON lines, e.g. a traceback, kept as {"raw"})."""
    out = {}
    for name, text in live.logs().items():
        process = name.removeprefix(f"{live.db_prefix}-").removesuffix(".log")
        records = []
        for line in text.splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                records.append({"raw": line})
        out[process] = records
    return out


def test_two_tax_instances_share_the_events(live, completed):
    handled = {p: sum(1 for r in records if r.get("msg") == "handling licence_issued from registration")
               for p, records in log_lines(live).items() if p.startswith("tax-")}
    print(f"\nlicence_issued handled per tax instance: {handled}")
    assert set(handled) == {"tax-0", "tax-1"} and sum(handled.values()) == APPLICATIONS
    assert all(n >= 1 for n in handled.values()), f"one instance did all the work: {handled}"


def test_one_application_is_one_grep_through_every_process_and_no_resident_id_leaks(live, completed):
    logs = live.logs()
    by_process = log_lines(live)
    assert set(PROCESSES) <= set(by_process), sorted(by_process)
    for app_id in completed:
        missing = [p for p in PROCESSES if p not in ("tax-0", "tax-1")
                   and not any(r.get("application_id") == app_id for r in by_process[p])]
        assert not missing, f"{app_id} is not in the logs of {missing}"
        assert any(r.get("application_id") == app_id for p in ("tax-0", "tax-1") for r in by_process[p])
        # every bureau logs the event it handled with both ids
        for p in ("registration-0", "seal-0", "social_security-0", "gateway-0"):
            assert any(r.get("application_id") == app_id and r.get("event_id") and
                       r.get("msg", "").startswith("handling ") for r in by_process[p]), (p, app_id)
    leaked = sorted({rid for rid in live.resident_ids for text in logs.values() if rid in text})
    assert live.resident_ids and not leaked, f"full resident IDs in the logs: {leaked}"
    # every process says at start which database and broker it uses, passwords redacted
    for p in PROCESSES:
        start = [r["msg"] for r in by_process[p] if " uses database " in r.get("msg", "")]
        # ... as its own broker user (kit/broker_users.py), never guest
        own = live.system.users.user("web" if p == "web-0" else p.rsplit("-", 1)[0])
        assert start and f"{own}:***@" in start[0] and "guest" not in start[0], (p, start)
    assert not any("guest:guest" in text for text in logs.values())


def test_metrics_after_traffic(live, completed):
    live.request("GET", "/api/v1/applications/does-not-exist")  # a 401/404 under the template
    live.request("GET", "/no/such/page")
    deadline = time.monotonic() + 20
    while True:  # the management API's counts lag a little; gauges are cached 5 s
        text = live.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        if f'onestop_applications{{state="completed"}} {APPLICATIONS}.0' in text and \
                'onestop_rabbitmq_queue_consumers{queue="rpc-tax"} 2.0' in text:
            break
        assert time.monotonic() < deadline, text[-3000:]
        time.sleep(1)
    assert ('onestop_http_requests_total{method="POST",route="/api/v1/applications",status="201"} '
            f"{APPLICATIONS}.0") in text
    assert re.search(r'onestop_http_requests_total\{method="GET",route="/api/v1/applications/\{[a-z_]+\}",'
                     r'status="200"\} [1-9]', text), text
    assert 'route="<unmatched>",status="404"' in text
    assert 'onestop_http_request_duration_seconds_bucket{le="0.1",method="POST",route="/api/v1/applications"}' \
        in text
    for app_id in completed:
        assert app_id not in text  # route templates, never raw paths
    assert 'onestop_sla_breaches{bureau="tax"} 0.0' in text and 'onestop_clerk_queue{bureau="seal"}' in text
    assert 'onestop_rabbitmq_queue_messages{kind="ready",queue="rpc-registration"}' in text
    for source in ("rabbitmq", "applications", "outbox"):
        assert f'onestop_scrape_error{{source="{source}"}} 0.0' in text, source
    assert "# TYPE onestop_outbox_pending gauge" in text


def wait_health(live, wanted: int, timeout: float) -> tuple[float, dict]:
    started = time.monotonic()
    while True:
        try:
            reply = live.http.get("/healthz", timeout=15)
            status, body = reply.status_code, reply.json()
        except (httpx.TransportError, ValueError) as exc:
            status, body = None, {"error": repr(exc)}
        if status == wanted:
            return time.monotonic() - started, body
        assert time.monotonic() - started < timeout, f"/healthz still {status} after {timeout}s: {body}"
        time.sleep(0.5)


def test_healthz_follows_a_broker_outage(live, completed, private_rabbit):  # noqa: F811
    _, body = wait_health(live, 200, timeout=10)
    # every service answers its `health` RPC: every bureau of the manifest and the tracker ("gateway")
    assert body["checks"] == {name: "ok" for name in ("database", "broker", *bureaus.NAMES, "gateway")}, body
    private_rabbit.stop()
    try:
        down_after, body = wait_health(live, 503, timeout=30)
        assert "down" in json.dumps(body), body
    finally:
        private_rabbit.start()
    up_after, _ = wait_health(live, 200, timeout=60)
    print(f"\n/healthz 503 {down_after:.1f}s after the broker stopped; 200 again {up_after:.1f}s after it started")
