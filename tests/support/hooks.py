"""A webhook receiver on 127.0.0.1 for tests: records every request (path, Host header, body) and
answers `status_for(path)`, with a body the delivery log must never echo."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BANNER = "internal-service-banner-7f3a"  # what a probed internal service would answer


class HookReceiver:
    def __init__(self, port: int = 0, status_for: Callable[[str], int] | None = None):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        status_for = status_for or (lambda path: 418 if "teapot" in path else 200)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "host": self.headers.get("Host"),
                                              "body": json.loads(body or b"{}")})
                payload = BANNER.encode()
                self.send_response(status_for(self.path))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
