"""Security headers on every answer, pages and API alike.

- Content-Security-Policy: scripts, styles, fonts and fetches from our own origin only (the pages
  have no inline script or style: keep it that way), no plugins, no <base> tricks, forms post only
  to us, and no other site may frame us (clickjacking: `frame-ancestors 'none'`, plus the older
  X-Frame-Options for browsers that predate it).
- The offline API docs (/docs, /redoc) are the exception: Swagger UI and ReDoc start from an inline
  script FastAPI writes, and ReDoc runs a blob: worker.
- PDFs get no CSP: Chromium's PDF viewer is a plugin that `object-src 'none'` would block; they keep
  nosniff and X-Frame-Options.
- Strict-Transport-Security on answers to https requests (behind the shipped ingress uvicorn takes
  the scheme from X-Forwarded-Proto of FORWARDED_ALLOW_IPS; the session cookie is Secure then too).
- nosniff (a JSON or text answer is never run as script), Referrer-Policy same-origin (an
  application id in a URL never leaves for another site), COOP same-origin.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
          (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope.get("path") in DOCS_PATHS else PAGE_CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                extra = list(COMMON) + ([HSTS] if scope.get("scheme") == "https" else [])
                if not content_type.startswith(b"application/pdf"):
                    extra.append((b"content-security-policy", csp))
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
