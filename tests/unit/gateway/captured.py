"""Real bureau replies (tests/unit/contracts/replies, captured from the running bureaus) for the fake
bureaus of the gateway's unit tests: the typed clients refuse a reply that does not fit its contract,
so a fake answers in the real shape, changed only where a test says."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

CAPTURED = Path(__file__).parents[1] / "contracts" / "replies"


@cache
def _replies(bureau: str) -> dict[str, list[Any]]:
    return json.loads((CAPTURED / f"{bureau}.json").read_text())


def reply(bureau: str, method: str, **changes: Any) -> Any:
    """The first captured reply of `bureau.method` (its first row for a list), with `changes`."""
    captured = copy.deepcopy(_replies(bureau)[method][0])
    row = captured[0] if isinstance(captured, list) else captured
    return row | changes
