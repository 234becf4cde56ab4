"""licence_issued events asking for a bank account, as registration emits them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from contracts.events import LicenceIssued
from contracts.form import BankRequest
from tests.unit.housing_fund import factories as housing


def licence_issued(branch_id: str | None = "jc-hongshan", issued_at: datetime | None = None,
                   org: str | None = None, application_id: str | None = None,
                   appointment: tuple[date, str] | None = None) -> LicenceIssued:
    """`appointment`: the founder's preferred (day, slot)."""
    org = org or f"{uuid.uuid4().int % 10**8:08d}"
    event = housing.licence_issued(rates=None, org=org, issued_at=issued_at, application_id=application_id)
    chosen = dict(zip(("appointment_date", "appointment_slot"), appointment, strict=True)) if appointment else {}
    return event.model_copy(update={"bank": BankRequest(branch_id=branch_id, **chosen) if branch_id else None})
