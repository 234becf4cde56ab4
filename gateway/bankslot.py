"""The founder's preferred bank appointment, checked when a form is submitted or corrected.

The form's own rules (contracts.form) check that the slot is one of the branch's and the day a working
day. What depends on the day of the submission and on the bank's bookings is checked here: the day is
after today and within the bank's horizon, and the slot still has room (the bank answers). The booking
itself comes after the licence; a slot that fills up in between moves the appointment to the next free
one, and the bank's answer says so. If the bank cannot answer, the submit goes ahead for the same reason.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService

from contracts import banks, clock
from contracts.rpc import FieldError, OneStopError
from gateway.clients import BankClient

log = logging.getLogger(__name__)
FULL = "该时段已约满，请另选日期或时段（或不选，领照后自动预约最早的空闲时段）"


def slot_errors(bank: BankClient, body: Any, today: date | None = None) -> list[FieldError]:
    chosen = body.get("bank") if isinstance(body, dict) and isinstance(body.get("bank"), dict) else {}
    branch = banks.branch(chosen.get("branch_id")) if isinstance(chosen.get("branch_id"), str) else None
    slot, day = chosen.get("appointment_slot"), _day(chosen.get("appointment_date"))
    if branch is None or day is None or slot not in banks.slots(branch):
        return []  # nothing chosen, or the form's own rules report what is wrong
    day_errors = banks.appointment_day_errors(day, today or clock.china_today(), "bank.appointment_date")
    if day_errors:
        return day_errors
    try:
        room = bank.slot_has_room(branch.id, day, slot)
    except (OneStopError, RpcTimeout, UnknownService, RemoteError) as exc:
        log.warning("bank slot not checked at submit: %s", type(exc).__name__)
        return []
    return [] if room else [FieldError(field="bank.appointment_slot", message=FULL)]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
