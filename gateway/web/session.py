"""The pages' cookie session: the gateway token and a CSRF token in one signed cookie.

No server-side session store: the cookie holds `{"t": gateway token | None, "c": csrf token}` as
base64 JSON plus an HMAC-SHA256 over it with `Settings.secret_key`. The gateway token is already an
opaque revocable secret (gateway/auth.py); the signature stops anyone from forging or swapping the
CSRF half. The cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came over https
(uvicorn runs with proxy_headers, so a TLS-terminating proxy's X-Forwarded-Proto counts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field

from fastapi import Request
from starlette.responses import Response

COOKIE = "onestop_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class WebSession:
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    changed: bool = False

    def log_in(self, token: str) -> None:
        """A new CSRF token with every login: a token planted before login is useless after it."""
        self.token, self.csrf, self.changed = token, secrets.token_urlsafe(24), True

    def log_out(self) -> None:
        self.token, self.csrf, self.changed = None, secrets.token_urlsafe(24), True

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


def _key(request: Request) -> bytes:
    return request.app.state.gateway.settings.secret_key.encode()


def _sign(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def load(request: Request) -> WebSession:
    """The request's session (cached on request.state); a fresh one if the cookie is absent or forged."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    session = None
    raw = request.cookies.get(COOKIE, "")
    body, _, signature = raw.rpartition(".")
    if body and hmac.compare_digest(signature, _sign(_key(request), body)):
        try:
            data = json.loads(base64.urlsafe_b64decode(body.encode()))
            session = WebSession(token=data.get("t"), csrf=str(data["c"]))
        except (ValueError, KeyError, TypeError):
            session = None
    if session is None:
        session = WebSession(changed=True)
    request.state.web_session = session
    return session


def save(request: Request, response: Response) -> Response:
    """Write the cookie if the session is new or changed."""
    session = getattr(request.state, "web_session", None)
    if session is None or not session.changed:
        return response
    body = base64.urlsafe_b64encode(json.dumps({"t": session.token, "c": session.csrf}).encode()).decode()
    response.set_cookie(COOKIE, f"{body}.{_sign(_key(request), body)}", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response
