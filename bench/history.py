"""Cost against history (issue 23 item 3): `python -m bench --only history [--history-n 100000]`.

One system on a PRIVATE embedded database (bench.privatedb: never the shared one). The reads a person or
an operator waits for (the name check, each bureau's clerk queue, a founder's list, the public stats and
their refresh, the operator CLI) and a short e2e load are timed on the empty databases, then N completed
applications are preloaded directly (bench.history_data: clones of the documents this very system stored
for a few applications it completed) and the same is timed again. One table: operation, at 0, at N, ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from bench.e2e import PASSWORD, Live, verify_contact
from bench.forms import resident_id
from bench.history_data import Template, capture, clone, save, spread
from bench.procs import BIN, LOG_DIR
from bench.stats import table
from contracts import clock
from contracts.bureaus import BUREAUS

REPEAT = 5  # each read is timed this often; the median is reported
BATCH = 500  # applications per insert_many round
CLI = (("onestop sla", ["sla", "--json"]), ("onestop queues", ["queues", "--json"]),
       ("onestop outbox", ["outbox", "--json"]))


def _median_seconds(call) -> float | None:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        if call() is False:
            return None
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class History:
    def __init__(self, live: Live, db_uri: str):
        self.live = live
        self.db_uri = db_uri
        self.prefix = live.iso.db_prefix
        self.client = live.db.client
        self.http = httpx.Client(base_url=live.url, timeout=120)
        self.people = iter(range(9_100_000, 9_200_000))
        self.tokens: dict[str, str] = {}
        self.account_ids: dict[str, str] = {}

    # ---- who asks

    def founder(self, label: str) -> None:
        login = f"{label}.{self.prefix}@bench.example.com"
        self.http.post("/api/v1/accounts", json={"name": "王芳", "resident_id": resident_id(next(self.people)),
                                                 "email": login, "password": PASSWORD}).raise_for_status()
        self._token(label, login)
        verify_contact(self.http, self.tokens[label], login, self.prefix)
        self.account_ids[label] = self.live.db.accounts.find_one({"logins": login})["_id"]

    def staff(self, bureau: str | None) -> None:
        from gateway.ops.cli import add_staff

        login = f"{bureau or 'operator'}.{self.prefix[-8:]}"
        add_staff(login, PASSWORD, bureau=bureau, operator=bureau is None, mongo_uri=self.db_uri,
                  db_prefix=self.prefix)
        self._token(bureau or "operator", login)

    def _token(self, label: str, login: str) -> None:
        response = self.http.post("/api/v1/tokens", data={"username": login, "password": PASSWORD})
        response.raise_for_status()
        body = response.json()
        self.tokens[label] = body.get("token") or body.get("access_token")

    def get(self, who: str, method: str, path: str, **kwargs) -> bool:
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                                     **kwargs)
        return response.status_code < 400

    # ---- what is timed

    def measure(self, e2e_n: int, e2e_rate: float, label: str) -> dict[str, Any]:
        from gateway.stats import Tally, compute
        from gateway.store import GatewayStore

        found: dict[str, Any] = {}
        body = {"name": "武汉新测名称科技有限公司", "district_code": "420111"}
        found["name check (POST /api/v1/name-checks)"] = _median_seconds(
            lambda: self.get("founder", "POST", "/api/v1/name-checks", json=body))
        for bureau in self.bureaus:
            for state in ("open", "done"):
                found[f"clerk queue {bureau} ({state})"] = _median_seconds(
                    lambda b=bureau, s=state: self.get(b, "GET", f"/api/v1/bureaus/{b}/tasks", params={"state": s}))
        for who in ("many", "few"):
            owned = self.live.db.applications.count_documents({"founder_id": self.account_ids[who]})
            found[f"founder's list ({who}: {{{who}}} owned)"] = _median_seconds(
                lambda w=who: self.get(w, "GET", "/api/v1/applications"))
            found[f"_owned_{who}"] = owned
        store = GatewayStore(self.live.db)
        found["stats full pass (gateway.stats.compute)"] = _median_seconds(lambda: bool(compute(store)) and None)
        tally = Tally().refresh(store)  # what a web process has after its first refresh
        # what each refresh of a running web process costs: the writes since the last one, not the history
        found["stats refresh (incremental Tally)"] = _median_seconds(
            lambda: bool(tally.refresh(store).result()) and None)
        self.get("founder", "GET", "/api/v1/stats")  # a stale snapshot: this one starts its refresh
        time.sleep(1)
        found["GET /api/v1/stats (snapshot)"] = _median_seconds(lambda: self.get("founder", "GET", "/api/v1/stats"))
        env = {**os.environ, "MONGO_URI": self.db_uri, "ONESTOP_DB_PREFIX": self.prefix,
               "AMQP_URI": self.live.iso.amqp_uri}
        for name, argv in CLI:
            found[f"{name} (a process)"] = _median_seconds(
                lambda a=argv: subprocess.run([str(BIN / "onestop"), *a], env=env, capture_output=True,
                                              timeout=600).returncode in (0, 1))
        run = self.live.offer(e2e_n, e2e_rate, f"history-{label}", timeout=120)
        summary = run.summary("completed")
        found[f"e2e p50 submission->completed ({e2e_n} at {e2e_rate:g}/s)"] = summary.p50
        found[f"e2e p99 submission->completed ({e2e_n} at {e2e_rate:g}/s)"] = summary.p99
        found["_notes"] = run.notes
        return found

    @property
    def bureaus(self) -> list[str]:
        return [b.name for b in BUREAUS if b.name in self.tokens]

    # ---- the preload

    def clerk_approved(self, timeout: float = 180) -> str:
        """One application through a registration clerk (a licensed business-scope item, L0001), so the
        history holds finished clerk tasks too: submitted, claimed and approved over HTTP like a clerk."""
        from bench.e2e import FOUNDER_ID
        from bench.forms import application

        # the bench founder's own one-person company: nobody else to confirm (issue 20), as in every load
        form = application(next(self.live.numbers), founder=(FOUNDER_ID, "张伟"))
        form["business_scope"] = [*form["business_scope"], "L0001"]
        auth = {"Authorization": f"Bearer {self.tokens['founder']}"}
        response = self.http.post("/api/v1/applications", json=form, headers={**auth, "Idempotency-Key": self.prefix})
        response.raise_for_status()
        app_id = response.json().get("id")
        clerk = {"Authorization": f"Bearer {self.tokens['registration']}"}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tasks = [t for t in self.http.get("/api/v1/bureaus/registration/tasks", headers=clerk).json()
                     if t.get("application_id") == app_id]
            if tasks:
                path = f"/api/v1/bureaus/registration/tasks/{tasks[0]['id']}"
                self.http.post(f"{path}/claim", headers=clerk).raise_for_status()
                self.http.post(f"{path}/approve", headers=clerk).raise_for_status()
                break
            time.sleep(1)
        while time.monotonic() < deadline:
            if self.live.db.applications.count_documents({"_id": app_id, "status": "completed"}):
                return app_id
            time.sleep(1)
        raise TimeoutError(f"the clerk-approved application {app_id} did not complete in {timeout:.0f} s")

    def templates(self, count: int = 3) -> list[Template]:
        run = self.live.offer(count, 2, "history-templates", timeout=120)
        done = [app_id for app_id in run.submitted if app_id in run.reached.get("completed", {})]
        if not done:
            raise RuntimeError("no application completed: nothing to clone")
        done.append(self.clerk_approved())
        found = [capture(self.client, self.prefix, app_id) for app_id in done]
        save(found[0], LOG_DIR / "history-template.json")  # to look at, and to refresh the unit test's copy
        return found

    def preload(self, templates: list[Template], n: int, many_share: float = 0.05, few: int = 3) -> float:
        """Insert n completed applications; returns the seconds it took."""
        started = time.monotonic()
        now = clock.now()
        step = max(2, round(1 / many_share))  # every step-th application is the busy founder's
        batch: dict[tuple[str, str], list[dict]] = {}
        for i in range(n):
            if i % step == 0:
                founder = self.account_ids["many"]
            elif i <= few:
                founder = self.account_ids["few"]
            else:  # everybody else founded one to three companies
                founder = f"history-founder-{i % (n // 2 + 1)}"
            for key, docs in clone(templates[i % len(templates)], i, founder, spread(i, n, now)).items():
                batch.setdefault(key, []).extend(docs)
            if (i + 1) % BATCH == 0 or i == n - 1:
                self._flush(batch)
                batch = {}
                if (i + 1) % (BATCH * 2) == 0:
                    print(f"  preloaded {i + 1}/{n} in {time.monotonic() - started:.0f} s", flush=True)
        return time.monotonic() - started

    def _flush(self, batch: dict[tuple[str, str], list[dict]]) -> None:
        for (db, coll), docs in batch.items():
            self.client[f"{self.prefix}_{db}"][coll].insert_many(docs, ordered=True)


def run(args) -> str:
    """The history part of `python -m bench`; returns the printed report."""
    from bench.privatedb import PrivateDatabase

    lines: list[str] = []
    say = lambda text="": (print(text, flush=True), lines.append(text))  # noqa: E731
    n = args.history_n
    with PrivateDatabase(LOG_DIR) as db, Live(label="history", mongo_uri=db.uri) as live:
        say(f"history: private database {db.uri} (pid {db.pid}), system prefix {live.iso.db_prefix}")
        history = History(live, db.uri)
        history.tokens["founder"] = live.token
        for label in ("many", "few"):
            history.founder(label)
        for bureau in BUREAUS:
            history.staff(bureau.name)  # every bureau of the manifest has a clerk queue in the gateway
        templates = history.templates()
        live.offer(3, 3, "warmup", timeout=60)
        started = time.monotonic()
        at0 = history.measure(args.history_e2e_n, args.history_e2e_rate, "0")
        say(f"history: measured at 0 in {time.monotonic() - started:.0f} s")
        say(f"history: {len(templates)} templates, {sum(len(d) for d in templates[0].docs.values())} documents "
            f"each in {', '.join(sorted(f'{a}.{b}' for a, b in templates[0].docs))}")
        seconds = history.preload(templates, n)
        say(f"history: preloaded {n} completed applications in {seconds:.0f} s ({n / max(seconds, 1e-9):.0f}/s)")
        atn = history.measure(args.history_e2e_n, args.history_e2e_rate, str(n))
    say()
    say(report(at0, atn, n))
    for note in at0["_notes"] + atn["_notes"]:
        say(f"note: {note}")
    return "\n".join(lines)


def report(at0: dict[str, Any], atn: dict[str, Any], n: int) -> str:
    rows = []
    for key, value in at0.items():
        if key.startswith("_"):
            continue
        label = key.replace("{many}", f"{at0['_owned_many']}/{atn['_owned_many']}").replace(
            "{few}", f"{at0['_owned_few']}/{atn['_owned_few']}")
        later = atn.get(key)
        ratio = later / value if value and later is not None else None
        rows.append([label, value, later, None if ratio is None else f"{ratio:.2f}x"])
    return table(["operation (s; median of 5, e2e: percentiles)", "at 0", f"at {n}", "ratio"], rows, digits=3)


if __name__ == "__main__":
    sys.exit("run it as: python -m bench --only history")
