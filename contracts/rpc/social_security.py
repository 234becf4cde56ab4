"""Social security's RPC requests, shared by the gateway (HTTP body, OpenAPI) and the bureau."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.text import PersonName

Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, gt=0)]


class EmployeeEnrolment(BaseModel):
    """One employee to enrol (`enrol_employee(uscc, employee, request_id)`); the bureau checks the
    resident ID, the start date against the company's establishment, and the wage against the base."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: PersonName  # contracts/text.py: 规范汉字, no bidi or zero-width characters
    resident_id: str = Field(min_length=18, max_length=18)
    start_date: date
    monthly_wage: Amount
