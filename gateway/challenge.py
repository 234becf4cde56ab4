"""The login challenge the gateway asks for after repeated failures (gateway/login_limits.py), as a
pluggable adapter chosen by configuration (`GATEWAY_LOGIN_CHALLENGE`).

The embedded one, ARITHMETIC, is NOT a CAPTCHA service: it asks a small sum in plain text, which any
script can read and answer. What it does: every further guess costs one more round trip and a fresh,
single-use question that expires, so a password-guessing script must be written for this gateway, and
the account-wide delay an attacker could otherwise impose on a victim is replaced by a question the
victim answers. A production deployment plugs in a real human-verification or risk service
(`module:attribute`, an object with the same `issue`/`check` methods).

Answers are stored only as a SHA-256 of (challenge id, answer); a challenge is taken (deleted) by its
first answer, right or wrong, and expires after CHALLENGE_MINUTES.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Protocol

from contracts import clock
from contracts.calendar import aware
from gateway.store import GatewayStore

ARITHMETIC = "arithmetic"
CHALLENGE_MINUTES = 5


@dataclass(frozen=True)
class Challenge:
    id: str
    question: str  # Chinese, shown to the person
    expires_at: datetime
    method: str
    notice: str  # what this challenge is and is not, shown beside it


class LoginChallenge(Protocol):
    method: str

    def issue(self) -> Challenge: ...

    def check(self, challenge_id: str | None, answer: str | None) -> bool:
        """True once for the right answer to an unexpired challenge; any answer uses the challenge up."""


def _digest(challenge_id: str, answer: str) -> str:
    return hashlib.sha256(f"{challenge_id}:{answer.strip()}".encode()).hexdigest()


class ArithmeticChallenge:
    """ARITHMETIC: a sum of two numbers below 20, in plain text. Not a CAPTCHA (see the module)."""

    method = ARITHMETIC
    notice = "本验证题由网关自行出题（简单算术），不是专业的人机验证（CAPTCHA）服务，程序也能作答；它只让每次尝试多一道一次性的题目。"

    def __init__(self, store: GatewayStore):
        self.store = store

    def issue(self) -> Challenge:
        a, b = secrets.randbelow(19) + 1, secrets.randbelow(19) + 1
        challenge_id = secrets.token_urlsafe(16)
        expires = clock.now() + timedelta(minutes=CHALLENGE_MINUTES)
        self.store.login_challenges.insert_one({"_id": challenge_id, "answer": _digest(challenge_id, str(a + b)),
                                                "expires_at": expires})
        return Challenge(challenge_id, f"{a} + {b} = ？", expires, self.method, self.notice)

    def check(self, challenge_id: str | None, answer: str | None) -> bool:
        if not isinstance(challenge_id, str) or not isinstance(answer, str) or not 0 < len(challenge_id) <= 64:
            return False
        row = self.store.login_challenges.find_one_and_delete({"_id": challenge_id})  # used up by any answer
        if row is None or aware(row["expires_at"]) < clock.now():
            return False
        return secrets.compare_digest(row["answer"], _digest(challenge_id, answer[:10]))


def load_challenge(setting: str, store: GatewayStore) -> LoginChallenge:
    """`arithmetic` (embedded), or `module:attribute` naming an adapter called with the store."""
    setting = (setting or ARITHMETIC).strip()
    if setting == ARITHMETIC:
        return ArithmeticChallenge(store)
    module, _, attribute = setting.partition(":")
    if not module or not attribute:
        raise ValueError(f"login challenge {setting!r}: use {ARITHMETIC!r} or module:attribute")
    return getattr(import_module(module), attribute)(store)
