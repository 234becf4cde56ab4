"""End to end: the real gateway over HTTP, real RabbitMQ, every service its own process.

Milestone times come from the gateway's own database after each run (`<prefix>_gateway.applications`:
each timeline entry keeps the event's type, `at` = when the bureau's event occurred, and
`received_at` = when the tracker recorded it). "completed" is when the tracker recorded the last
required output, i.e. the moment a founder could see the application completed. While a run is in
flight the harness only counts completed documents, once a second, so it barely measures itself.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.forms import application, resident_id
from bench.procs import LOG_DIR, Isolation, cpu_seconds, peak_rss_mib
from bench.results import Run, add_milestones
from kit import querylog
from kit.launcher import ROOT, System
from kit.mongo import connect


def verify_contact(client: httpx.Client, token: str, login: str, db_prefix: str) -> None:
    """Answer the sign-up code from the embedded sender's outbox file (it sends nothing): unverified
    accounts may not submit."""
    from gateway.contact_verification import DEFAULT_OUTBOX_DIR, latest_code

    deadline = time.monotonic() + 10
    while not (code := latest_code(login, [DEFAULT_OUTBOX_DIR / f"{db_prefix}.jsonl"])):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no verification code for {login} in the contact outbox")
        time.sleep(0.1)
    client.post("/api/v1/me/verification", json={"code": code},
                headers={"Authorization": f"Bearer {token}"}).raise_for_status()

REQUIRED = ("licence_issued", "seals_filed", "tax_registered", "invoices_approved", "employer_registered",
            "employees_enrolled")
PASSWORD = "bench-Passw0rd"
FOUNDER_ID = resident_id(9_000_000)  # the bench founder's own number: named on every form it submits


def shared_pids() -> dict[str, int | None]:
    """pids of the shared database (var/db.pid) and RabbitMQ (beam.smp), found without signalling them."""
    found: dict[str, int | None] = {"database (shared)": None, "rabbitmq (shared)": None}
    pid_file = ROOT / "var" / "db.pid"
    if pid_file.exists():
        found["database (shared)"] = int(pid_file.read_text().strip())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    found["rabbitmq (shared)"] = int(entry.name)
                    break
            except OSError:
                continue
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ts(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class Live:
    """One running system (fresh vhost and databases) that several loads can be offered to."""

    def __init__(self, scale: int = 1, label: str = "e2e", mongo_uri: str | None = None,
                 env: dict[str, str] | None = None):
        # one bench founder submits the whole load: no per-founder limits (gateway/quotas.py)
        # every command the system's processes send (kit.querylog): round trips per application are
        # counted from it, this system's only (the shared database's opcounters count everyone's)
        self.query_log = Path(tempfile.mkdtemp(prefix="bench-queries-")) / "queries.jsonl"
        self.env = {"LOG_LEVEL": "WARNING", **{f"GATEWAY_{kind}_PER_FOUNDER_PER_HOUR": "1000000"
                                              for kind in ("SUBMISSIONS", "DOWNLOADS", "NAME_CHECKS")},
                    querylog.QUERY_LOG_ENV: str(self.query_log), **(env or {})}
        self.query_log = Path(self.env[querylog.QUERY_LOG_ENV])
        self.iso = Isolation(label, mongo_uri) if mongo_uri else Isolation(label)
        self.scale = scale
        self.system: System | None = None
        self.token: str | None = None
        self.numbers = itertools.count()  # trade names and people are unique across the whole run

    def __enter__(self) -> Live:
        self.iso.__enter__()
        try:
            bureaus = ("registration", "seal", "tax", "social_security")
            self.system = System(
                amqp_uri=self.iso.amqp_uri, mongo_uri=self.iso.mongo_uri, db_prefix=self.iso.db_prefix,
                gateway_port=free_port(), scale={b: self.scale for b in bureaus},
                log_dir=LOG_DIR, extra_env=self.env,
            ).start(timeout=120)
            self.db = connect(self.iso.mongo_uri, f"{self.iso.db_prefix}_gateway")
            self.token = self._sign_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.system is not None:
            self.system.stop()
        if getattr(self, "db", None) is not None:
            self.db.client.close()
        self.iso.__exit__()

    @property
    def url(self) -> str:
        return self.system.gateway_url

    def processes(self) -> dict[str, int]:
        procs = {f"{i.service}-{i.index}": i.process.pid for i in self.system.instances}
        if self.system.web is not None:
            procs["web"] = self.system.web.process.pid
        return procs

    def shared_processes(self) -> dict[str, int]:
        """The database and broker every engineer shares: only read, for CPU per application."""
        found = shared_pids()
        status_pid = self.db.client.admin.command("serverStatus").get("pid")
        if isinstance(status_pid, int) and Path(f"/proc/{status_pid}").exists():
            found["database (shared)"] = status_pid  # the server this system really uses
        return {name: pid for name, pid in found.items() if pid is not None}

    def db_ops(self) -> int:
        """Round trips this system's processes have sent so far (kit.querylog), from every process."""
        if not self.query_log.exists():
            return 0
        mark = f'"db": "{self.iso.db_prefix}_'
        with self.query_log.open(encoding="utf-8", errors="replace") as rows:
            return sum(1 for row in rows if mark in row and '"round_trip": true' in row)

    def memory(self) -> dict[str, float | None]:
        return {name: peak_rss_mib(pid) for name, pid in self.processes().items()}

    def _sign_up(self) -> str:
        login = f"{self.iso.db_prefix}@bench.example.com"
        with httpx.Client(base_url=self.url, timeout=30) as client:
            response = client.post("/api/v1/accounts", json={
                "name": "张伟", "resident_id": FOUNDER_ID, "email": login, "password": PASSWORD,
            })
            response.raise_for_status()
            response = client.post("/api/v1/tokens", data={"username": login, "password": PASSWORD})
            response.raise_for_status()
            body = response.json()
            token = body.get("token") or body.get("access_token")
            verify_contact(client, token, login, self.iso.db_prefix)
        return token

    # -- one load

    def offer(self, n: int, rate: float, label: str, timeout: float = 60, concurrency: int = 64) -> Run:
        run = Run(label, n, rate)
        # the founder's own one-person companies: no one else to confirm, the bureaus get each at once
        forms = [application(i, founder=(FOUNDER_ID, "张伟")) for i in (next(self.numbers) for _ in range(n))]
        watched = {**self.processes(), **self.shared_processes()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        ops_before = self.db_ops()
        ids = asyncio.run(self._submit_all(run, forms, rate, concurrency))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # sparing: one indexed count per second
            if self.db.applications.count_documents({"_id": {"$in": ids}, "status": "completed"}) >= len(ids):
                break
            time.sleep(1.0)
        cpu_after = {name: cpu_seconds(pid) for name, pid in watched.items()}
        run.db_ops = self.db_ops() - ops_before
        run.cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_after
                   if cpu_after[name] is not None and cpu_before.get(name) is not None}
        self._collect(run, ids)
        run.memory = self.memory()
        if run.completed < n:
            run.notes.append(f"{label}: {run.completed}/{n} completed within {timeout:.0f}s after the last submit")
        return run

    async def _submit_all(self, run: Run, forms: list[dict], rate: float, concurrency: int) -> list[str]:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        headers = {"Authorization": f"Bearer {self.token}"}
        ids: list[str] = []

        async with httpx.AsyncClient(base_url=self.url, headers=headers, limits=limits, timeout=60) as client:
            async def submit(i: int) -> None:
                sent = time.time()
                try:
                    response = await client.post("/api/v1/applications", json=forms[i],
                                                 headers={"Idempotency-Key": f"bench-{run.label}-{i}"})
                except httpx.HTTPError as error:
                    run.errors += 1
                    run.notes.append(f"submit {i}: {type(error).__name__}")
                    return
                if response.status_code not in (200, 201):
                    run.errors += 1
                    if run.errors <= 3:
                        run.notes.append(f"submit {i}: HTTP {response.status_code} {response.text[:300]}")
                    return
                body = response.json()
                app_id = body.get("id") or body.get("application_id")
                run.submitted[app_id] = sent
                run.reached.setdefault("accepted", {})[app_id] = time.time()
                ids.append(app_id)

            from bench.load import paced_async

            await paced_async(len(forms), rate, submit)
        return ids

    def _collect(self, run: Run, ids: list[str]) -> None:
        fields = {"status": 1, "timeline.type": 1, "timeline.at": 1, "timeline.received_at": 1}
        for doc in self.db.applications.find({"_id": {"$in": ids}}, fields):
            events = [(e["type"], _ts(e["at"])) for e in doc.get("timeline", [])]
            run.lags.extend(max(0.0, _ts(e["received_at"]) - _ts(e["at"])) for e in doc.get("timeline", [])
                            if e["type"] in REQUIRED)
            completed_at = None
            if doc.get("status") == "completed":
                recorded = [_ts(e["received_at"]) for e in doc["timeline"] if e["type"] in REQUIRED]
                completed_at = max(recorded) if recorded else None
            add_milestones(run, doc["_id"], events, completed_at)
