"""The contribution figures a bureau knows: its shipped files in `data/` plus the ones an operator loaded.

Two bureaus read figure files of one shape (contracts.contributions), each with its own kinds:
social security (pension, unemployment, work injury) and medical insurance (medical, maternity). The
operator's directory ($ONESTOP_RATES_DIR, default var/rates, written by `onestop rates load FILE`,
kit/yearly.py) holds social security's files at its top and medical insurance's in a subdirectory of
that name, so a file never meets the other bureau's kinds. A file there replaces every shipped period
it overlaps for its region. A process looks for newly loaded files at most every RECHECK_SECONDS
($ONESTOP_RATES_RECHECK_SECONDS), so no restart is needed.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from contracts.contributions import (
    INSURANCE_KINDS,
    MEDICAL_KINDS,
    InvalidRatesFile,
    Policy,
    parse_policy,
    policy_for,
)

RATES_DIR_ENV = "ONESTOP_RATES_DIR"
DEFAULT_RATES_DIR = Path("var/rates")
RECHECK_ENV = "ONESTOP_RATES_RECHECK_SECONDS"
RECHECK_SECONDS = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bureau:
    """Whose figure files: the kinds each must rate, and where under the operator's directory they go."""

    name: str
    label: str
    kinds: tuple[str, ...]
    subdirectory: str  # "" = the directory itself (where social security's files always were)


BUREAUS = (Bureau("social_security", "社会保险", INSURANCE_KINDS, ""),
           Bureau("medical_insurance", "医疗保险", MEDICAL_KINDS, "medical_insurance"))
BY_NAME = {b.name: b for b in BUREAUS}


def rates_root(env=os.environ) -> Path:
    return Path(env.get(RATES_DIR_ENV) or DEFAULT_RATES_DIR)


def operator_dir(bureau: str, root: Path | None = None) -> Path:
    """Where `onestop rates load` installs this bureau's files and its processes read them."""
    sub = BY_NAME[bureau].subdirectory
    base = rates_root() if root is None else Path(root)
    return base / sub if sub else base


def recheck_seconds(env=os.environ) -> float:
    return float(env.get(RECHECK_ENV) or RECHECK_SECONDS)


def read_directory(directory: Path, kinds: tuple[str, ...] = INSURANCE_KINDS) -> dict[tuple[str, date], Policy]:
    """Every valid figure file of a directory by (region, start); an invalid one is logged and skipped
    (the operator command validates before installing, so only a hand-edited file can be invalid)."""
    found = {}
    for file in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            policy = parse_policy(file.read_text("utf-8"), kinds)
        except (OSError, InvalidRatesFile) as exc:
            log.error("contribution figures %s refused: %s", file, exc)
            continue
        found[(policy.district_code, policy.valid_from)] = policy
    return found


class PolicyBook:
    """The figures one process knows: shipped ones, overlaid by the operator's."""

    def __init__(self, operator_dir: Path | None, shipped_dir: Path, kinds: tuple[str, ...] = INSURANCE_KINDS,
                 recheck: float | None = None):
        self.shipped_dir = shipped_dir
        self.operator_dir = operator_dir
        self.kinds = kinds
        self.recheck = recheck_seconds() if recheck is None else recheck
        self._policies: list[Policy] = []
        self._seen: tuple | None = None
        self._checked_at = float("-inf")
        self._generation = 0  # bumped whenever the figures known change
        self._looked_at = -1

    def policy(self, district_code: str, day: date) -> Policy:
        """The figures for `day` (raises PolicyNotConfigured only before the first period known)."""
        return policy_for(self.known(), district_code, day)

    def changed_since_last_look(self) -> bool:
        """True once after every change of the figures known (and at the first look)."""
        self.known()
        changed, self._looked_at = self._looked_at != self._generation, self._generation
        return changed

    def reload(self) -> None:
        self._checked_at = float("-inf")
        self.known()

    def known(self) -> list[Policy]:
        if time.monotonic() - self._checked_at >= self.recheck:
            self._checked_at = time.monotonic()
            fingerprint = _fingerprint(self.operator_dir)
            if fingerprint != self._seen or not self._policies:
                loaded = read_directory(self.operator_dir, self.kinds) if self.operator_dir is not None else {}
                # an operator's file (the published notice) supersedes every shipped period it overlaps
                shipped = [p for p in read_directory(self.shipped_dir, self.kinds).values()
                           if not any(overlap(p, o) for o in loaded.values())]
                self._policies, self._seen = [*shipped, *loaded.values()], fingerprint
                self._generation += 1
        return self._policies


def overlap(a: Policy, b: Policy) -> bool:
    return a.district_code == b.district_code and a.valid_from <= b.valid_until and b.valid_from <= a.valid_until


def _fingerprint(directory: Path | None) -> tuple:
    if directory is None or not directory.is_dir():
        return ()
    return tuple(sorted((f.name, f.stat().st_mtime_ns) for f in directory.glob("*.json")))
