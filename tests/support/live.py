"""A whole running OneStop (kit.launcher.System) for fault and security tests, isolated and cleaned up.

    with LiveSystem(scale={"seal": 2}, log_dir=tmp) as live:   # fresh vhost, unique db prefix, free port
        founder = live.founder()                              # signs up over HTTP, logs in
        ids = live.submit_many(founder, [make_form() for _ in range(10)])
        live.wait_completed(ids, timeout=120)

Cleanup deletes the vhost and drops every `<prefix>_*` database. Everything is bounded: HTTP calls
time out, waits poll a condition until a deadline and then fail with what they saw.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kit.brokers import with_vhost
from kit.launcher import (
    BIN,
    DEFAULT_AMQP_URI,
    DEFAULT_MONGO_URI,
    DEFAULT_RABBIT_CTL_URI,
    System,
    create_vhost,
    delete_vhost,
)
from kit.mongo import connect
from tests.factories import resident_id
from tests.support.parties import founder_only
from tests.support.rabbit import free_port
from tests.support.verification import verify

PASSWORD = "Faults-and-0ne-stop"
UNLIMITED_FOUNDERS = {f"GATEWAY_{kind}_PER_FOUNDER_PER_HOUR": "100000"
                      for kind in ("SUBMISSIONS", "DOWNLOADS", "NAME_CHECKS")}
_people = itertools.count(1)


@dataclass
class Founder:
    login: str
    password: str
    resident_id: str
    token: str
    account_id: str
    name: str = "张伟"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class LiveSystem:
    def __init__(self, label: str, log_dir: Path, scale: dict[str, int] | None = None,
                 amqp_base: str = DEFAULT_AMQP_URI, ctl_uri: str = DEFAULT_RABBIT_CTL_URI,
                 mongo_uri: str = DEFAULT_MONGO_URI, extra_env: dict[str, str] | None = None,
                 start_timeout: float = 180):
        self.start_timeout = start_timeout  # what `with LiveSystem(...)` waits for every process
        suffix = uuid.uuid4().hex[:8]
        self.vhost = f"{label}-{suffix}"
        self.db_prefix = f"{label}_{suffix}"
        self.ctl_uri = ctl_uri
        self.mongo_uri = mongo_uri
        self.amqp_uri = with_vhost(amqp_base, self.vhost)  # every address of a cluster
        self.system = System(
            amqp_uri=self.amqp_uri, mongo_uri=mongo_uri, db_prefix=self.db_prefix, gateway_port=free_port(),
            scale=dict(scale or {}), log_dir=Path(log_dir), ctl_uri=ctl_uri,
            # every test founder signs up from the loopback address: no per-address sign-up limit here,
            # and a test founder submits and downloads far more than a person (gateway/quotas.py)
            extra_env={"LOG_LEVEL": "INFO", "GATEWAY_RPC_TIMEOUT": "20",
                       "GATEWAY_SIGNUPS_PER_ADDRESS_PER_HOUR": "100000", **UNLIMITED_FOUNDERS, **(extra_env or {})},
        )
        self.client = connect(mongo_uri, f"{self.db_prefix}_gateway").client
        self.resident_ids: set[str] = set()  # every full ID this run sent (for the log checks)

    def broker_uri(self, process: str) -> str:
        """The run's broker address as one process's own user (kit/broker_users.py)."""
        return self.system.broker_uri(process)

    # ---- lifecycle

    def use_ctl(self, ctl_uri: str) -> None:
        """Talk to another node's management API (the one in use is about to go away)."""
        self.ctl_uri = self.system.ctl_uri = ctl_uri

    def start(self, timeout: float | None = None) -> LiveSystem:
        if self.system.instances:  # a second start would orphan the first one's processes
            raise RuntimeError(f"{self.vhost} is already running")
        create_vhost(self.vhost, self.ctl_uri)
        try:
            self.system.start(timeout=timeout or self.start_timeout)
        except BaseException:
            self.close()
            raise
        self.http = httpx.Client(base_url=self.url, timeout=60)
        return self

    def close(self) -> None:
        try:
            self.system.stop()
        finally:
            if getattr(self, "http", None) is not None:
                self.http.close()
            try:
                delete_vhost(self.vhost, self.ctl_uri)
            except OSError:  # a private broker that is already gone took the vhost with it
                pass
            for name in self.client.list_database_names():
                if name.startswith(f"{self.db_prefix}_"):
                    self.client.drop_database(name)
            self.client.close()

    def __enter__(self) -> LiveSystem:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.system.gateway_url

    def db(self, name: str):
        return self.client[f"{self.db_prefix}_{name}"]

    def alive(self) -> dict[str, bool]:
        procs = {f"{i.service}-{i.index}": i.process for i in self.system.instances}
        if self.system.web is not None:
            procs["web-0"] = self.system.web.process
        return {name: p.poll() is None for name, p in procs.items()}

    def pids(self) -> dict[str, int]:
        procs = {f"{i.service}-{i.index}": i.process.pid for i in self.system.instances}
        if self.system.web is not None:
            procs["web-0"] = self.system.web.process.pid
        return procs

    def restart_web(self, sig: int = 9, timeout: float = 60) -> None:
        """kill -<sig> the gateway web process and start it again (the launcher restarts only Nameko
        services), then wait until it answers."""
        web = self.system.web
        web.process.send_signal(sig)
        web.process.wait(timeout=30)
        self.system.web = self.system._spawn("web", 0, [str(BIN / "python"), "-m", "gateway"])
        self.wait_for(lambda: self.system._http_ok(f"{self.url}/healthz/live"), timeout, "the web process")

    def logs(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace")
                for p in Path(self.system.log_dir).glob(f"{self.db_prefix}-*.log")}

    # ---- people

    def founder(self, name: str = "张伟", password: str = PASSWORD, headers: dict | None = None) -> Founder:
        """`headers`: e.g. an X-Forwarded-For of its own, to sign up and log in from another address."""
        rid = resident_id()
        login = f"f{next(_people)}.{uuid.uuid4().hex[:6]}@example.com"
        response = self.request("POST", "/api/v1/accounts", json={
            "name": name, "resident_id": rid, "email": login, "password": password}, headers=headers)
        assert response.status_code == 201, response.text
        self.resident_ids.add(rid)
        token = self.token(login, password, headers)
        verify(self.request, {"Authorization": f"Bearer {token}", **(headers or {})}, login)  # embedded outbox
        return Founder(login, password, rid, token, response.json()["id"], name)

    def staff(self, login: str, password: str = PASSWORD, bureau: str | None = None,
              operator: bool = False) -> dict:
        from gateway.ops.cli import add_staff

        return add_staff(login, password, bureau=bureau, operator=operator, mongo_uri=self.mongo_uri,
                         db_prefix=self.db_prefix)

    def token(self, login: str, password: str = PASSWORD, headers: dict | None = None) -> str:
        response = self.request("POST", "/api/v1/tokens", data={"username": login, "password": password},
                                headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    # ---- HTTP

    def request(self, method: str, path: str, retries: int = 0, **kwargs: Any) -> httpx.Response:
        """One HTTP call. `retries` > 0: connection errors and 502/503 are retried (a client would, with
        the same Idempotency-Key) for up to `retries` * 6 seconds, e.g. while the web process restarts."""
        deadline = time.monotonic() + retries * 6
        while True:
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
                continue
            if response.status_code in (502, 503) and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            return response

    def submit(self, founder: Founder, form: dict, key: str | None = None, retries: int = 5,
               as_given: bool = False) -> str:
        """The form as the founder's own one-person company (tests/support/parties.py: no one else to
        confirm, so it goes to the bureaus at once); `as_given`: exactly this form."""
        form = form if as_given else founder_only(form, founder.resident_id, founder.name)
        self._remember_ids(form)
        headers = {**founder.headers, "Idempotency-Key": key or uuid.uuid4().hex}
        response = self.request("POST", "/api/v1/applications", retries=retries, json=form, headers=headers)
        assert response.status_code in (200, 201), response.text
        return response.json()["id"]

    def submit_many(self, founder: Founder, forms: Iterable[dict], workers: int = 8,
                    on_done: Callable[[str], None] | None = None, retries: int = 5) -> list[str]:
        forms = list(forms)

        def one(form: dict) -> str:
            app_id = self.submit(founder, form, retries=retries)
            if on_done:
                on_done(app_id)
            return app_id

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, forms))

    def _remember_ids(self, form: dict) -> None:
        people = [form.get("legal_representative"), form.get("manager"), *form.get("shareholders", []),
                  *form.get("directors", []), *form.get("supervisors", []), *form.get("employees", [])]
        self.resident_ids.update(p["resident_id"] for p in people if isinstance(p, dict) and p.get("resident_id"))

    # ---- waiting

    def statuses(self, ids: list[str]) -> dict[str, str]:
        rows = self.db("gateway").applications.find({"_id": {"$in": ids}}, {"status": 1})
        return {row["_id"]: row["status"] for row in rows}

    def wait_completed(self, ids: list[str], timeout: float = 120, poll: float = 0.5) -> dict[str, str]:
        """Poll the gateway's database until every application is `completed` (or fail, saying which not)."""
        deadline = time.monotonic() + timeout
        while True:
            statuses = self.statuses(ids)
            if len(statuses) == len(ids) and all(s == "completed" for s in statuses.values()):
                return statuses
            if time.monotonic() > deadline:
                stuck = {i: statuses.get(i, "missing") for i in ids if statuses.get(i) != "completed"}
                raise AssertionError(f"{len(stuck)}/{len(ids)} not completed after {timeout:.0f}s: "
                                     f"{dict(list(stuck.items())[:10])}")
            time.sleep(poll)

    def wait_for(self, condition: Callable[[], Any], timeout: float, what: str, poll: float = 0.3) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(poll)
