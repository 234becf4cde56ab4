"""Per-founder limits on what costs the bureaus work or hands out documents: submissions, document
downloads and name checks, each a number per rolling hour (settings `GATEWAY_*_PER_FOUNDER_PER_HOUR`;
the bench and the tests raise them). Staff and operators are not limited here: their work is bounded
by their queues. Counts live in the gateway's database (`quotas`: per key the times of the last
`limit` uses, taken by ONE conditional write, gateway/store.py `take_quota`; issue 23: it was a count
and an insert per submission), so they survive a restart and hold across every web process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from contracts import clock
from gateway.auth import Principal
from gateway.errors import TooManyRequests
from gateway.store import GatewayStore

WINDOW = timedelta(hours=1)
MESSAGES = {
    "submission": "提交过于频繁，请一小时后再试",
    "download": "下载过于频繁，请稍后再试",
    "name_check": "名称查询过于频繁，请稍后再试",
}


class Quotas:
    def __init__(self, store: GatewayStore, per_hour: dict[str, int]):
        unknown = set(per_hour) - set(MESSAGES)
        if unknown:
            raise ValueError(f"unknown quota kinds: {sorted(unknown)}")
        self.store, self.per_hour = store, per_hour

    def take(self, who: Principal, kind: str) -> Callable[[], None]:
        """Count one `kind` for a founder, or raise TooManyRequests when the hour's allowance is used.
        Returns what gives that use back (a retry recognised after the count)."""
        limit = self.per_hour.get(kind)
        if who.role != "founder" or limit is None:
            return _nothing
        key = f"quota:{kind}:{who.id}"
        at = self.store.take_quota(key, clock.now() - WINDOW, limit)
        if at is None:
            raise TooManyRequests(MESSAGES[kind])
        return lambda: self.store.give_back_quota(key, at)


def _nothing() -> None:
    return None
