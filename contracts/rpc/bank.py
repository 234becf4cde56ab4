"""The bank's RPC requests, shared by the gateway and the bank."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AppointmentChoice(BaseModel):
    """The founder's choice of appointment after the licence (`move_appointment(uscc, day, slot)`): kept
    as text so the bank, which knows the branch's slots, bookings and calendar, answers each field."""

    model_config = ConfigDict(extra="forbid")
    appointment_date: str = Field(max_length=10, description="YYYY-MM-DD, a working day after today")
    appointment_slot: str = Field(max_length=11, description="one of the branch's slots, e.g. 13:30-14:30")
