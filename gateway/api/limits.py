"""Refuse request bodies over the limit, in our error shape: a declared Content-Length before anything
is read, a streamed (chunked) body as soon as it grows past the limit."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """`uploads`: path suffixes that carry a file (a correction's attachment) and their larger limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads or {}

    def limit(self, path: str) -> int:
        """The page that posts a file gets more; the JSON API (/api/...) never does."""
        if path.startswith("/api/"):
            return self.max_bytes
        return max([self.max_bytes, *(n for suffix, n in self.uploads.items() if path.endswith(suffix))])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope.get("path", ""))
        message_text = f"请求体不能超过{limit}字节"
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            body = json.dumps({"code": "PAYLOAD_TOO_LARGE", "message": message_text, "errors": []},
                              ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # an HTTPException passes through FastAPI's body parsing to our 413 handler
                raise HTTPException(413, message_text)
            return message

        await self.app(scope, limited, send)
