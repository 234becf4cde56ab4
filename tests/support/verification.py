"""Signing up in tests answers the verification code the way a founder would: read from the embedded
sender's outbox file (gateway/contact_verification.py: it sends nothing, it writes there).

Every gateway a test starts writes to a file of its own: a LiveSystem's is
var/contact-outbox/<db prefix>.jsonl (the default), an in-process gateway's a tmp file it registers with
`watch`. `verify` finds the newest code for the address in all of them (addresses are unique per test).
"""

from __future__ import annotations

import time
from pathlib import Path

from gateway.contact_verification import DEFAULT_OUTBOX_DIR, latest_code

_watched: list[Path] = []


def watch(path: str | Path) -> None:
    if Path(path) not in _watched:
        _watched.append(Path(path))


def outboxes() -> list[Path]:
    recent = time.time() - 6 * 3600  # the directory keeps older runs' files: skip them
    found = [p for p in DEFAULT_OUTBOX_DIR.glob("*.jsonl") if p.stat().st_mtime > recent] \
        if DEFAULT_OUTBOX_DIR.exists() else []
    return [*_watched, *found]


def code_for(destination: str, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        code = latest_code(destination, outboxes())
        if code or time.monotonic() > deadline:
            assert code, f"no verification code for {destination} in {outboxes()}"
            return code
        time.sleep(0.05)


def verify(request, headers: dict[str, str], destination: str) -> None:
    """`request`: an httpx-style request(method, url, **kwargs); `headers`: the account's Authorization."""
    reply = request("POST", "/api/v1/me/verification", json={"code": code_for(destination)}, headers=headers)
    assert reply.status_code == 200 and reply.json()["contact_verified"], reply.text
