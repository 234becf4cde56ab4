"""Start the whole system as separate processes: every bureau service (`nameko run`, N instances
each), the gateway's event tracker and the gateway web server. Used by `make run`, the end-to-end and
fault tests and the benchmarks, so all of them run exactly what an operator runs.

    python -m kit.launcher run [--scale tax=2 --scale seal=2] [--port 8000]
    ONESTOP_QUEUE_TYPE=quorum AMQP_URI="pyamqp://...:5672/;pyamqp://...:5673/" python -m kit.launcher run

Every child gets the environment: the queue type and every broker address (kit/queues.py, kit/brokers.py),
and connects as its own broker user (kit/broker_users.py): `start` creates the users through the
management API (as its administrator, `ctl_uri`) with permissions on the system's vhost only. `make run`
keeps their generated passwords in var/broker/users.json (mode 0600, never committed) and writes the
operator's AMQP_URI to var/broker/operator.env; any other System (tests, bench) makes throw-away users
named after its database prefix and deletes them when it stops. No process of ours connects as `guest`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from contracts import bureaus
from kit.broker_users import WEB, BrokerUsers
from kit.brokers import addresses, vhost_of

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# nameko service name -> (module, config file). "gateway" is the tracker: it consumes every bureau
# event into timelines and relays the gateway's own outbox, so its events come from source "gateway".
NAMEKO_SERVICES: dict[str, tuple[str, str]] = {
    **{b.name: (b.module, b.config) for b in bureaus.BUREAUS},
    bureaus.GATEWAY: ("gateway.tracker", "gateway/config.yml"),
}

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"
DEFAULT_RABBIT_CTL_URI = "http://guest:guest@127.0.0.1:15672"
CTL_TIMEOUT, CTL_ATTEMPTS = 20, 3  # seconds per management API call, and tries


# ---- RabbitMQ management API (vhosts for isolated runs, readiness) ---------------------------


def _ctl_request(method: str, path: str, ctl_uri: str = DEFAULT_RABBIT_CTL_URI, body: dict | None = None):
    parts = urllib.parse.urlsplit(ctl_uri)
    url = f"{parts.scheme}://{parts.hostname}:{parts.port}{path}"
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    token = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Content-Type", "application/json")
    # Every call here is idempotent (GET, PUT, DELETE of a named object), so a timeout is retried: on a
    # loaded machine the management plugin was seen taking over 10 s to answer a vhost PUT, which failed
    # whole test packages at set-up although the broker itself was fine.
    for attempt in range(CTL_ATTEMPTS):
        try:
            with urllib.request.urlopen(request, timeout=CTL_TIMEOUT) as response:
                raw = response.read()
            return json.loads(raw) if raw else None
        except urllib.error.HTTPError:
            raise
        except (TimeoutError, ConnectionError, urllib.error.URLError):
            if attempt == CTL_ATTEMPTS - 1:
                raise
            time.sleep(1 + attempt)


def create_vhost(name: str, ctl_uri: str = DEFAULT_RABBIT_CTL_URI, user: str = "guest") -> None:
    quoted = urllib.parse.quote(name, safe="")
    _ctl_request("PUT", f"/api/vhosts/{quoted}", ctl_uri)
    _ctl_request("PUT", f"/api/permissions/{quoted}/{user}", ctl_uri,
                 {"configure": ".*", "write": ".*", "read": ".*"})


def delete_vhost(name: str, ctl_uri: str = DEFAULT_RABBIT_CTL_URI) -> None:
    try:
        _ctl_request("DELETE", f"/api/vhosts/{urllib.parse.quote(name, safe='')}", ctl_uri)
    except urllib.error.HTTPError:
        pass


def queue_consumers(vhost: str, queue: str, ctl_uri: str = DEFAULT_RABBIT_CTL_URI) -> int:
    try:
        info = _ctl_request("GET", f"/api/queues/{urllib.parse.quote(vhost, safe='')}/{queue}", ctl_uri)
    except urllib.error.HTTPError:
        return 0
    return int(info.get("consumers", 0))


# ---- processes -------------------------------------------------------------------------------


@dataclass
class Instance:
    service: str
    index: int
    process: subprocess.Popen
    log_path: Path


@dataclass
class System:
    amqp_uri: str = DEFAULT_AMQP_URI
    mongo_uri: str = DEFAULT_MONGO_URI
    db_prefix: str = "onestop"
    gateway_port: int = 8000
    gateway_host: str = "127.0.0.1"
    scale: dict[str, int] = field(default_factory=dict)
    services: tuple[str, ...] = tuple(NAMEKO_SERVICES)
    with_web: bool = True
    log_dir: Path = ROOT / "var" / "log"
    extra_env: dict[str, str] = field(default_factory=dict)
    ctl_uri: str = DEFAULT_RABBIT_CTL_URI
    instances: list[Instance] = field(default_factory=list)
    web: Instance | None = None
    users: BrokerUsers | None = None  # None: throw-away users for this run, removed by stop()
    _own_users: bool = False

    @property
    def gateway_url(self) -> str:
        return f"http://{self.gateway_host}:{self.gateway_port}"

    def env(self, process: str = WEB) -> dict[str, str]:
        """A child's environment: it connects to the broker as `process`'s own user."""
        env = dict(os.environ)
        env.update(
            AMQP_URI=self.broker_uri(process),
            MONGO_URI=self.mongo_uri,
            ONESTOP_DB_PREFIX=self.db_prefix,
            GATEWAY_HOST=self.gateway_host,
            GATEWAY_PORT=str(self.gateway_port),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def broker_uri(self, process: str) -> str:
        if self.users is None:
            self.users, self._own_users = BrokerUsers.ephemeral(self.db_prefix), True
        return self.users.uri(self.amqp_uri, process)

    def provision_users(self) -> None:
        self.broker_uri(WEB)  # makes the throw-away users if none were given
        self.users.provision(vhost_of(self.amqp_uri), self._ctl)

    def _ctl(self, method: str, path: str, body: dict | None) -> object:
        return _ctl_request(method, path, self.ctl_uri, body)

    def database_names(self) -> list[str]:
        return [f"{self.db_prefix}_{name}" for name in NAMEKO_SERVICES]

    # -- lifecycle

    def start(self, timeout: float = 90) -> System:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.provision_users()
        for service in self.services:
            for index in range(self.scale.get(service, 1)):
                self.start_instance(service, index)
        if self.with_web:
            self.web = self._spawn(WEB, 0, [str(BIN / "python"), "-m", "gateway"])
        self.wait_ready(timeout)
        return self

    def start_instance(self, service: str, index: int) -> Instance:
        module, config = NAMEKO_SERVICES[service]
        command = [str(BIN / "nameko"), "run", "--config", str(ROOT / config), module]
        instance = self._spawn(service, index, command)
        self.instances = [i for i in self.instances if (i.service, i.index) != (service, index)]
        self.instances.append(instance)
        return instance

    def _spawn(self, service: str, index: int, command: list[str]) -> Instance:
        log_path = self.log_dir / f"{self.db_prefix}-{service}-{index}.log"
        log_file = open(log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(service), stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        return Instance(service, index, process, log_path)

    def wait_ready(self, timeout: float = 90) -> None:
        """Each service's RPC queue has all its consumers and the gateway answers HTTP."""
        deadline = time.monotonic() + timeout
        vhost = vhost_of(self.amqp_uri)
        for service in self.services:
            wanted = sum(1 for i in self.instances if i.service == service and i.process.poll() is None)
            while queue_consumers(vhost, f"rpc-{service}", self.ctl_uri) < wanted:
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} did not start: see {self.log_dir}")
                time.sleep(0.2)
        if self.web:
            while not self._http_ok(f"{self.gateway_url}/healthz/live"):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"gateway did not start: see {self.web.log_path}")
                time.sleep(0.2)

    def _check_alive(self) -> None:
        for instance in [*self.instances, *([self.web] if self.web else [])]:
            code = instance.process.poll()
            if code is not None and code != -signal.SIGKILL:
                tail = instance.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{instance.service}-{instance.index} exited with {code}:\n{tail}")

    @staticmethod
    def _http_ok(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def kill(self, service: str, index: int = 0, sig: int = signal.SIGKILL) -> None:
        for instance in self.instances:
            if (instance.service, instance.index) == (service, index):
                instance.process.send_signal(sig)
                instance.process.wait(timeout=30)

    def stop(self, grace: float = 15) -> None:
        everyone = [*self.instances, *([self.web] if self.web else [])]
        for instance in everyone:
            if instance.process.poll() is None:
                instance.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for instance in everyone:
            try:
                instance.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()
        self.instances, self.web = [], None
        if self._own_users and self.users is not None:
            self.users.remove(self._ctl)


def _parse_scale(values: list[str]) -> dict[str, int]:
    scale = {}
    for value in values:
        name, _, count = value.partition("=")
        if name not in NAMEKO_SERVICES or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--scale wants SERVICE=N with SERVICE one of {', '.join(NAMEKO_SERVICES)}")
        scale[name] = int(count)
    return scale


def _write_operator_env(system: System) -> None:
    """The operator CLI's own broker user (`set -a; . var/broker/operator.env; onestop queues`)."""
    path = ROOT / "var" / "broker" / "operator.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"AMQP_URI='{system.broker_uri('operator')}'\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.launcher")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--scale", action="append", default=[], help="SERVICE=N instances")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GATEWAY_PORT", "8000")))
    args = parser.parse_args(argv)
    system = System(
        amqp_uri=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI),
        mongo_uri=os.environ.get("MONGO_URI", DEFAULT_MONGO_URI),
        db_prefix=os.environ.get("ONESTOP_DB_PREFIX", "onestop"),
        gateway_port=args.port,
        gateway_host=os.environ.get("GATEWAY_HOST", "127.0.0.1"),
        scale=_parse_scale(args.scale),
        ctl_uri=os.environ.get("RABBIT_CTL_URI", DEFAULT_RABBIT_CTL_URI),
        users=BrokerUsers.stored("onestop", ROOT / "var" / "broker" / "users.json"),
    )
    _write_operator_env(system)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("starting OneStop: " + ", ".join(f"{s} x{system.scale.get(s, 1)}" for s in system.services)
          + f"; {os.environ.get('ONESTOP_QUEUE_TYPE', 'classic')} queues on "
          + f"{len(addresses(system.amqp_uri))} broker address(es)")
    try:
        system.start()
        print(f"OneStop is running at {system.gateway_url}  (logs in {system.log_dir}; Ctrl-C stops)")
        while not stopping:
            time.sleep(0.5)
            for instance in system.instances:
                if instance.process.poll() is not None:
                    print(f"{instance.service}-{instance.index} exited ({instance.process.returncode}); "
                          "restarting", flush=True)
                    system.start_instance(instance.service, instance.index)
    finally:
        print("stopping OneStop ...", flush=True)
        system.stop()
        print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
