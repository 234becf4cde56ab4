"""Which contribution figures apply: the shipped files in `data/` plus the ones an operator loaded.

A figure file covers a period (contracts.contributions); the operator's directory
($ONESTOP_RATES_DIR, default var/rates, written by `onestop rates load FILE`) is read beside the
shipped one (kit/rates.py, shared with medical insurance), and a file there replaces a shipped file for
the same region and start. A process looks for newly loaded files at most every RECHECK_SECONDS, so no
restart is needed.
"""

from __future__ import annotations

from pathlib import Path

from contracts.contributions import INSURANCE_KINDS, PolicyNotConfigured
from kit import rates

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["PolicyBook", "PolicyNotConfigured", "operator_book"]


class PolicyBook(rates.PolicyBook):
    """Social security's figures: its kinds, its shipped files, overlaid by the operator's."""

    def __init__(self, operator_dir: Path | None = None, shipped_dir: Path = DATA_DIR):
        super().__init__(operator_dir, shipped_dir, INSURANCE_KINDS)


def operator_book() -> PolicyBook:
    """What a running service reads: the operator's directory for social security ($ONESTOP_RATES_DIR)."""
    return PolicyBook(rates.operator_dir("social_security"))
