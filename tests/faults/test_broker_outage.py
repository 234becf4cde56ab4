"""Broker outage: the whole system on a PRIVATE RabbitMQ node (tests/support/rabbit.py), which is stopped
mid-flow and started again. Nobody restarts a service: each must reconnect by itself, and every
application, including those submitted while the broker was down (their events wait in the gateway's
outbox), completes exactly once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kit.launcher import queue_consumers
from tests.factories import make_form
from tests.support.audit import ledger, pending_outbox
from tests.support.fixtures import private_rabbit  # noqa: F401 - the fixture
from tests.support.live import LiveSystem

pytestmark = pytest.mark.faults

BEFORE, DURING = 16, 3
SUBMIT_PAUSE = 0.8  # s between one submitter's submits: the broker's stop lands while they go on
COMPLETE_TIMEOUT = 150


@pytest.fixture(scope="module")
def live(private_rabbit, tmp_path_factory):  # noqa: F811
    base = f"pyamqp://guest:guest@127.0.0.1:{private_rabbit.amqp_port}/"
    with LiveSystem("outage", tmp_path_factory.mktemp("outage-logs"), amqp_base=base,
                    ctl_uri=private_rabbit.ctl_uri, extra_env={"LOG_LEVEL": "WARNING"}) as live:
        yield live


def test_the_system_reconnects_after_a_broker_outage_and_nothing_is_lost(live, private_rabbit):  # noqa: F811
    pids = live.pids()
    founder = live.founder()
    started = time.monotonic()
    # the broker goes down while applications are still being submitted and processed
    submitted: list[str] = []

    def paced(app_id: str) -> None:
        # an automatic application completes in well under a second: without a pause all of them
        # could be done before the broker has finished stopping
        submitted.append(app_id)
        time.sleep(SUBMIT_PAUSE)

    with ThreadPoolExecutor(1) as background:
        submitting = background.submit(live.submit_many, founder, [make_form() for _ in range(BEFORE)], 2,
                                       paced, 0)
        live.wait_for(lambda: len(submitted) >= 3 or submitting.done(), timeout=60, what="the first submits")
        stop_at = time.monotonic()
        private_rabbit.stop()
        first_ids = submitting.result(timeout=120)
    in_flight = sum(1 for s in live.statuses(first_ids).values() if s != "completed")
    assert in_flight > 0, "the broker went down after the flow had finished: nothing was tested"
    # while the broker is down the gateway still takes applications: stored with their event in the
    # outbox, which the tracker relays once the broker is back
    t = time.monotonic()
    during = live.submit_many(founder, [make_form() for _ in range(DURING)], workers=DURING, retries=0)
    submit_seconds = round(time.monotonic() - t, 1)
    view = live.request("GET", f"/api/v1/applications/{during[0]}", headers=founder.headers)
    assert view.status_code == 200 and view.json()["status"] == "submitted"
    assert live.db("gateway").applications.count_documents({"_id": {"$in": during}, "outbox.0": {"$exists": True}}) \
        == DURING, "a submit during the outage must leave its event in the outbox"
    private_rabbit.start()
    outage = time.monotonic() - stop_at

    ids = first_ids + during
    live.wait_completed(ids, timeout=COMPLETE_TIMEOUT, poll=1.0)
    live.wait_for(lambda: pending_outbox(live) == 0, timeout=30, what="every outbox relayed")
    # nobody restarted anything: the same processes, consuming again
    assert live.pids() == pids and all(live.alive().values()), live.alive()
    for service in ("registration", "seal", "tax", "social_security", "gateway"):  # (statistics lag a little)
        live.wait_for(lambda s=service: queue_consumers(live.vhost, f"rpc-{s}", live.ctl_uri) >= 1,
                      timeout=30, what=f"{service} consuming its RPC queue again")
    # every bureau answers an RPC from the web process again (/healthz calls each one's health())
    health = live.request("GET", "/healthz", retries=3)
    assert health.status_code == 200, health.text
    # the web process's RPC pool reconnects too: a document download goes to a bureau
    licence = live.request("GET", f"/api/v1/applications/{during[-1]}/documents/registration.licence",
                           headers=founder.headers, retries=3)
    assert licence.status_code == 200 and licence.content.startswith(b"%PDF"), licence.text[:300]
    counts, problems = ledger(live, ids)
    print(f"\nbroker down for {outage:.1f}s with {in_flight}/{BEFORE} in flight; {DURING} submitted during the "
          f"outage (together in {submit_seconds}s); all {len(ids)} completed {time.monotonic() - started:.0f}s "
          f"after the first submit. counted: {counts}")
    assert not problems, "\n".join(problems[:30])
