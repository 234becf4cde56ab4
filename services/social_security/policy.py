"""Which contribution figures apply: the shipped files in `data/` plus the ones an operator loaded.

A figure file covers a period (contracts.contributions); the operator's directory
($ONESTOP_RATES_DIR, default var/rates, written by `onestop rates load FILE`) is read beside the
shipped one, and a file there replaces a shipped file for the same region and start. A process looks
for newly loaded files at most every RECHECK_SECONDS, so no restart is needed.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from contracts.contributions import (
    InvalidRatesFile,
    Policy,
    PolicyNotConfigured,
    parse_policy,
    policy_for,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RATES_DIR = Path("var/rates")
RATES_DIR_ENV = "ONESTOP_RATES_DIR"
RECHECK_SECONDS = 30.0

log = logging.getLogger(__name__)

__all__ = ["PolicyBook", "PolicyNotConfigured", "read_directory"]


def read_directory(directory: Path) -> dict[tuple[str, date], Policy]:
    """Every valid figure file of a directory by (region, start); an invalid one is logged and skipped
    (the operator command validates before installing, so only a hand-edited file can be invalid)."""
    found = {}
    for file in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            policy = parse_policy(file.read_text("utf-8"))
        except (OSError, InvalidRatesFile) as exc:
            log.error("contribution figures %s refused: %s", file, exc)
            continue
        found[(policy.district_code, policy.valid_from)] = policy
    return found


class PolicyBook:
    """The figures one process knows: shipped ones, overlaid by the operator's."""

    def __init__(self, operator_dir: Path | None = None, shipped_dir: Path = DATA_DIR):
        self.shipped_dir = shipped_dir
        self.operator_dir = operator_dir
        self._policies: list[Policy] = []
        self._seen: tuple | None = None
        self._checked_at = float("-inf")
        self._generation = 0  # bumped whenever the figures known change
        self._looked_at = -1

    def policy(self, district_code: str, day: date) -> Policy:
        """The figures for `day` (raises PolicyNotConfigured only before the first period known)."""
        return policy_for(self._current(), district_code, day)

    def changed_since_last_look(self) -> bool:
        """True once after every change of the figures known (and at the first look)."""
        self._current()
        changed, self._looked_at = self._looked_at != self._generation, self._generation
        return changed

    def reload(self) -> None:
        self._checked_at = float("-inf")
        self._current()

    def _current(self) -> list[Policy]:
        if time.monotonic() - self._checked_at >= RECHECK_SECONDS:
            self._checked_at = time.monotonic()
            fingerprint = _fingerprint(self.operator_dir)
            if fingerprint != self._seen or not self._policies:
                loaded = read_directory(self.operator_dir) if self.operator_dir is not None else {}
                # an operator's file (the published notice) supersedes every shipped period it overlaps
                shipped = [p for p in read_directory(self.shipped_dir).values()
                           if not any(_overlap(p, o) for o in loaded.values())]
                self._policies, self._seen = [*shipped, *loaded.values()], fingerprint
                self._generation += 1
        return self._policies


def _overlap(a: Policy, b: Policy) -> bool:
    return a.district_code == b.district_code and a.valid_from <= b.valid_until and b.valid_from <= a.valid_until


def _fingerprint(directory: Path | None) -> tuple:
    if directory is None or not directory.is_dir():
        return ()
    return tuple(sorted((f.name, f.stat().st_mtime_ns) for f in directory.glob("*.json")))
