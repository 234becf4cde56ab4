"""The housing-fund centre's RPC requests, shared by the gateway (HTTP body, OpenAPI) and the bureau."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, gt=0)]


class AccountOpening(BaseModel):
    """A later hire's personal account (`open_account(uscc, employee, request_id)`, 增员); the bureau checks
    the resident ID and the start date against the unit's establishment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=2, max_length=40)
    resident_id: str = Field(min_length=18, max_length=18)
    start_date: date
    monthly_wage: Amount
