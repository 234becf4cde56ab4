"""A second, private RabbitMQ node for tests that stop the broker (the shared one is never touched).

    with PrivateRabbit() as rabbit:       # its own node name, ports and data directory
        rabbit.amqp_uri, rabbit.ctl_uri   # for kit.launcher.System(amqp_uri=..., ctl_uri=...)
        rabbit.stop()                      # `rabbitmqctl -n <node> stop`: a real broker outage
        rabbit.start()                     # same data directory: durable queues and messages survive

Debian's wrapper scripts drop to the `rabbitmq` user when run as root and pass the environment on, so
the node reads our RABBITMQ_* variables and shares the Erlang cookie with `rabbitmqctl`. The
management plugin listens on a free port too, because kit.launcher.System waits for readiness there.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under the rabbitmq user
        return True
    return True


class PrivateRabbit:
    def __init__(self, name: str | None = None):
        self.name = name or f"outage{os.getpid()}x{int(time.time() * 1000) % 100000}"
        self.node = f"{self.name}@localhost"
        self.amqp_port, self.mgmt_port, self.dist_port = free_port(), free_port(), free_port()
        self.base = Path(tempfile.mkdtemp(prefix=f"onestop-{self.name}-"))
        self.running = False

    # -- addresses

    @property
    def amqp_uri(self) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def ctl_uri(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.mgmt_port}"

    def uri_for(self, vhost: str) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.amqp_port}/{vhost}"

    # -- lifecycle

    def _prepare(self) -> None:
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {self.amqp_port}\n"
            f"management.tcp.port = {self.mgmt_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users.guest = true\n"
            # faster node start: no disk-free check noise, small statistics interval for readiness
            "collect_statistics_interval = 1000\n"
        )
        (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir(exist_ok=True)
        rabbit = pwd.getpwnam("rabbitmq") if os.geteuid() == 0 else None
        if rabbit is not None:
            for path in [self.base, *self.base.rglob("*")]:
                os.chown(path, rabbit.pw_uid, rabbit.pw_gid)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_PORT=str(self.amqp_port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_PID_FILE=str(self.base / "node.pid"),
        )
        return env

    def start(self, timeout: float = START_TIMEOUT) -> PrivateRabbit:
        if not self.running and not (self.base / "rabbitmq.conf").exists():
            self._prepare()
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env(), check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.base)
        self.running = True
        deadline = time.monotonic() + timeout
        while not (port_open(self.amqp_port) and self._mgmt_ok()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"private RabbitMQ {self.node} did not start; logs in {self.base / 'log'}")
            time.sleep(0.25)
        return self

    def _mgmt_ok(self) -> bool:
        from kit.launcher import _ctl_request

        try:
            _ctl_request("GET", "/api/overview", self.ctl_uri)
            return True
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def stop(self, timeout: float = 60) -> None:
        """A clean broker stop (connections drop, durable queues and persistent messages stay)."""
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self.env(), timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        deadline = time.monotonic() + timeout
        while port_open(self.amqp_port):
            if time.monotonic() > deadline:
                raise TimeoutError(f"private RabbitMQ {self.node} did not stop")
            time.sleep(0.2)
        self.running = False

    def ctl(self, *args: str, timeout: float = 60, check: bool = True) -> str:
        """`rabbitmqctl -n <this node> ...`, its output."""
        done = subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self.env(), timeout=timeout,
                              capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.node}: {done.stderr or done.stdout}")
        return done.stdout

    def pid(self) -> int | None:
        try:
            return int((self.base / "node.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self, timeout: float = 30) -> None:
        """SIGKILL this node's Erlang VM (its own pid only): a node lost without warning."""
        pid = self.pid()
        if pid is None:
            raise RuntimeError(f"no pid file for {self.node}")
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while port_open(self.amqp_port) or _alive(pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.node} (pid {pid}) still alive after SIGKILL")
            time.sleep(0.1)
        (self.base / "node.pid").unlink(missing_ok=True)
        self.running = False

    def close(self) -> None:
        if self.running:
            try:
                self.stop()
            except (TimeoutError, subprocess.TimeoutExpired):
                pid_file = self.base / "node.pid"
                if pid_file.exists():  # only our own node's pid, never a broad kill
                    try:
                        os.kill(int(pid_file.read_text().strip()), 9)
                    except (ValueError, ProcessLookupError):
                        pass
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PrivateRabbit:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
