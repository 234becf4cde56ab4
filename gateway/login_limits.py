"""Failed log-ins: growing delays and a challenge, never a lockout an attacker can impose on a victim.

Failures count under three keys in a sliding window: the account (`login:<name>`), the client address
(`client:<ip>`) and the pair. What follows from the counts:

- a challenge (gateway/challenge.py) once any key has `challenge_after` failures: the next attempt must
  carry the answer to a fresh question; a wrong answer counts as a failure of the address;
- a growing delay per address (the address key and the pair) once one has `delay_after` failures: each
  further attempt from there waits `base * 2^(n - delay_after)` seconds after the latest failure, up to
  MAX_ADDRESS_DELAY: whoever guesses slows down only themselves;
- a short delay per account once it has ACCOUNT_FACTOR times `delay_after` failures from anywhere,
  capped at MAX_ACCOUNT_DELAY (a minute): guessing spread over many addresses is slowed, and the owner
  (who answers the challenge from their own address) waits at most that minute, never a lockout.

Pure policy; the counts come from GatewayStore.failure_window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

MAX_ADDRESS_DELAY = 15 * 60.0
MAX_ACCOUNT_DELAY = 60.0
ACCOUNT_FACTOR = 5


@dataclass(frozen=True)
class LoginPolicy:
    delay_after: int = 10  # failures of an address before its attempts wait
    challenge_after: int = 3  # failures of any key before a challenge is asked
    base_delay: float = 2.0  # seconds, doubled with every further failure

    def _delay(self, failures: int, after: int, cap: float) -> float:
        if failures < after:
            return 0.0
        return min(self.base_delay * 2 ** min(failures - after, 20), cap)

    def address_delay(self, failures: int) -> float:
        return self._delay(failures, self.delay_after, MAX_ADDRESS_DELAY)

    def account_delay(self, failures: int) -> float:
        return self._delay(failures, self.delay_after * ACCOUNT_FACTOR, MAX_ACCOUNT_DELAY)

    def wait(self, account: tuple[int, datetime | None], addresses: list[tuple[int, datetime | None]],
             now: datetime) -> int:
        """Whole seconds until the next attempt is considered (0: now)."""
        waits = [_left(self.address_delay(n), last, now) for n, last in addresses]
        waits.append(_left(self.account_delay(account[0]), account[1], now))
        return max(waits)

    def needs_challenge(self, counts: list[int]) -> bool:
        return any(n >= self.challenge_after for n in counts)


def _left(delay: float, last: datetime | None, now: datetime) -> int:
    if not delay or last is None:
        return 0
    return max(0, math.ceil(delay - (now - last).total_seconds()))


def wait_message(seconds: int) -> str:
    when = f"{seconds}秒" if seconds < 90 else f"{math.ceil(seconds / 60)}分钟"
    return f"登录失败次数较多，为保护账号安全，请{when}后再试"
