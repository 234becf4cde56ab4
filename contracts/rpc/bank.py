"""The bank's RPC requests, shared by the gateway and the bank."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import LicenceRevoked, Moment, Reply


class AppointmentChoice(BaseModel):
    """The founder's choice of appointment after the licence (`move_appointment(uscc, day, slot)`): kept
    as text so the bank, which knows the branch's slots, bookings and calendar, answers each field."""

    model_config = ConfigDict(extra="forbid")
    appointment_date: str = Field(max_length=10, description="YYYY-MM-DD, a working day after today")
    appointment_slot: str = Field(max_length=11, description="one of the branch's slots, e.g. 13:30-14:30")


class BankAccount(Reply):
    """The company's basic account (`get_account`, `move_appointment`) as the founder and the bureaus see it."""

    uscc: str
    application_id: str
    company_name: str
    bank_name: str
    branch_id: str
    branch_name: str
    branch_address: str
    account_number: str
    account_kind: Literal["basic"]
    state: str
    reasons: list[str]  # a refused opening's reasons
    appointment_date: date | None
    appointment_slot: str | None
    reserved_at: Moment
    opened_at: Moment | None
    closed_at: Moment | None
    licence_revoked: LicenceRevoked | None


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {"move_appointment": BankAccount, "get_account": BankAccount, "slot_has_room": bool}
