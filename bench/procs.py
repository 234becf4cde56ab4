"""Processes, vhosts, databases and memory for benchmark runs. Only ever ends processes it started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kit.launcher import DEFAULT_AMQP_URI, DEFAULT_MONGO_URI, ROOT, _ctl_request, create_vhost, delete_vhost

BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "log" / "bench"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def amqp_uri_for(vhost: str, base: str = DEFAULT_AMQP_URI) -> str:
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


class Isolation:
    """A fresh vhost and database prefix for one run; both removed on exit (databases dropped)."""

    def __init__(self, label: str, mongo_uri: str = DEFAULT_MONGO_URI):
        self.vhost = unique(f"bench_{label}")
        self.db_prefix = unique(f"bench{label}")
        self.amqp_uri = amqp_uri_for(self.vhost)
        self.mongo_uri = mongo_uri

    def __enter__(self) -> Isolation:
        for attempt in range(5):  # the shared broker's management API times out under load (PUT is idempotent)
            try:
                create_vhost(self.vhost)
                break
            except OSError:
                if attempt == 4:
                    raise
                time.sleep(5)
        return self

    def __exit__(self, *exc) -> None:
        try:
            delete_vhost(self.vhost)
        except OSError as error:  # the management API timing out on a loaded machine: the run's figures stand
            print(f"warning: vhost {self.vhost} not deleted ({error}); remove it with "
                  f"rabbitmqctl delete_vhost {self.vhost}", file=sys.stderr)
        self.drop_databases()

    def drop_databases(self) -> None:
        from pymongo import MongoClient

        client = MongoClient(self.mongo_uri, serverSelectionTimeoutMS=5000)
        try:
            for name in client.list_database_names():
                if name.startswith(self.db_prefix + "_"):
                    client.drop_database(name)
        finally:
            client.close()


def queues(vhost: str) -> list[dict]:
    return _ctl_request("GET", f"/api/queues/{urllib.parse.quote(vhost, safe='')}") or []


def wait_for_consumers(vhost: str, names: list[str], event_queues: int, procs: list[Proc],
                       timeout: float = 90) -> None:
    """Every rpc-<name> queue and at least `event_queues` evt-* queues have a consumer."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {q["name"]: q.get("consumers", 0) for q in queues(vhost)}
        rpc_ok = all(rows.get(f"rpc-{name}", 0) >= 1 for name in names)
        evt_ok = sum(1 for q, c in rows.items() if q.startswith("evt-") and c >= 1) >= event_queues
        if rpc_ok and evt_ok:
            return
        for proc in procs:
            proc.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"baseline services not ready in {vhost}: {rows}")
        time.sleep(0.3)


@dataclass
class Proc:
    label: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.label} exited with {self.process.returncode}:\n{tail}")

    def stop(self, grace: float = 10) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class NamekoGroup:
    """`nameko run` processes for classes of one module, sharing a throwaway config file."""

    module: str
    amqp_uri: str
    label: str
    max_workers: int = 10
    procs: list[Proc] = field(default_factory=list)

    def start(self, classes: dict[str, str]) -> NamekoGroup:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        config = {
            "AMQP_URI": self.amqp_uri,
            "serializer": "json",
            "max_workers": self.max_workers,
            "parent_calls_tracked": 10,
            "LOGGING": {"version": 1, "disable_existing_loggers": False,
                        "root": {"level": "WARNING", "handlers": ["stderr"]},
                        "handlers": {"stderr": {"class": "logging.StreamHandler"}}},
        }
        handle, path = tempfile.mkstemp(prefix="bench-", suffix=".yml")
        with os.fdopen(handle, "w") as out:
            json.dump(config, out)  # JSON is YAML
        self.config_path = path
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        for service, cls in classes.items():
            log_path = LOG_DIR / f"{self.label}-{service}.log"
            with open(log_path, "wb") as log_file:
                process = subprocess.Popen(
                    [str(BIN / "nameko"), "run", "--config", path, f"{self.module}:{cls}"],
                    cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
                )
            self.procs.append(Proc(service, process, log_path))
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.process.poll() is None:
                proc.process.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.stop()
        Path(self.config_path).unlink(missing_ok=True)


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM (peak resident set size) of a live process, in MiB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a live process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)
