"""A private embedded database (SecantusDB) for one benchmark run, never the shared one on 27017.

Started as its own process on a free port with its own storage directory, and ended by its pid on exit;
only pymongo ever talks to it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from kit.launcher import ROOT

CANDIDATES = (ROOT / ".venv-db" / "bin" / "secantusd-py", Path("/work/main/.venv-db/bin/secantusd-py"))


def server_binary() -> Path:
    for path in CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError("no secantusd-py: run `make db` once (it installs .venv-db)")


class PrivateDatabase:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> PrivateDatabase:
        from pymongo import MongoClient

        from bench.e2e import free_port

        self.port = free_port()
        self.storage = Path(tempfile.mkdtemp(prefix="bench-history-db-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"history-db-{self.port}.log", "wb") as log:
            self.process = subprocess.Popen(
                [str(server_binary()), "--host", "127.0.0.1", "--port", str(self.port),
                 "--storage-path", str(self.storage)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"
        deadline = time.monotonic() + 120
        while True:
            client = MongoClient(self.uri, serverSelectionTimeoutMS=2000)
            try:
                client.admin.command("ping")
                return self
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"private database did not start on port {self.port}") from None
                time.sleep(0.5)
            finally:
                client.close()

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.storage, ignore_errors=True)

    @property
    def pid(self) -> int:
        return self.process.pid
