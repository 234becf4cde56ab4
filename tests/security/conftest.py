"""One running OneStop for the security and fuzz tests (package scope): two founders with a completed
application each, one application waiting in the registration clerks' queue, and staff accounts.
Every token is taken here, before any test provokes the login rate limit."""

from __future__ import annotations

import itertools
from contextlib import closing
from dataclasses import dataclass

import pytest

from tests.factories import make_form
from tests.support.hooks import HookReceiver
from tests.support.live import PASSWORD, Founder, LiveSystem


@dataclass
class World:
    live: LiveSystem
    alice: Founder
    bob: Founder
    fuzzer: Founder  # a founder of its own for the API fuzz run
    alice_app: str  # completed, documents issued
    bob_app: str
    review_app: str  # alice's, waiting for a registration clerk
    review_task: str
    tokens: dict[str, str]  # staff login -> bearer token
    receiver: HookReceiver  # the one internal webhook receiver the operator allows (127.0.0.1:<its port>)

    def staff_headers(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def newcomer(self, name: str = "张伟") -> tuple[Founder, dict[str, str]]:
        """A founder signed up and logged in from an address of their own: the fuzz run and the
        rate-limit tests lock the loopback address out of logging in."""
        where = {"X-Forwarded-For": f"10.77.{next(_addresses)}.1"}
        return self.live.founder(name, headers=where), where


_addresses = itertools.count(1)
LOGIN_MAX_FAILURES = 4
SIGNUPS_PER_ADDRESS = 6  # the loopback address signs up five founders here (alice, bob, fuzzer, two victims)  # GATEWAY_LOGIN_MAX_FAILURES (default 10): fewer argon2 rounds for the same proof
STAFF = {"reg.clerk": "registration", "tax.clerk": "tax", "seal.clerk": "seal", "ops.admin": None}


@pytest.fixture(scope="package")
def world(tmp_path_factory) -> World:
    receiver = HookReceiver()
    env = {"GATEWAY_LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
           "GATEWAY_WEBHOOK_ALLOW": f"127.0.0.1:{receiver.port}",
           "GATEWAY_SIGNUPS_PER_ADDRESS_PER_HOUR": str(SIGNUPS_PER_ADDRESS)}
    with closing(receiver), LiveSystem("security", tmp_path_factory.mktemp("security-logs"), extra_env=env) as live:
        alice, bob, fuzzer = live.founder("张伟"), live.founder("李娜"), live.founder("赵磊")
        alice_app = live.submit(alice, make_form())
        bob_app = live.submit(bob, make_form())
        # a licensed business-scope item sends the application to a registration clerk
        review_app = live.submit(alice, make_form(business_scope=["G0001", "L0001"]))
        for login, bureau in STAFF.items():
            live.staff(login, PASSWORD, bureau=bureau, operator=bureau is None)
        tokens = {login: live.token(login, PASSWORD) for login in STAFF}
        live.wait_completed([alice_app, bob_app], timeout=120)

        def queued():
            doc = live.db("gateway").applications.find_one({"_id": review_app}, {"steps": 1})
            return (doc or {}).get("steps", {}).get("registration", {}).get("task_id")

        review_task = live.wait_for(queued, timeout=60, what="the review task")
        yield World(live, alice, bob, fuzzer, alice_app, bob_app, review_app, review_task, tokens, receiver)

