"""The medical insurance bureau's RPC requests, shared by the gateway and the bureau."""

from __future__ import annotations

from datetime import date
from typing import Literal

from contracts.rpc import Moment, Money, Reply
from contracts.rpc.housing_fund import AccountOpening


class MemberEnrolment(AccountOpening):
    """A later hire's record in 职工基本医疗保险 with 生育保险 (`enrol_member(uscc, employee, request_id)`):
    the same four facts the other bureaus are given from the founder's one request."""


class Contribution(Reply):
    employer: Money
    personal: Money


class Member(Reply):
    """A staff record in 职工医保 (`enrol_member`, `end_membership`, `list_members`): resident ID masked; a
    record just enrolled carries this month's `contributions` per kind (medical, maternity)."""

    employee_id: str
    name: str
    resident_id: str  # masked
    record_number: str
    insurances: list[str]
    start_date: date
    end_date: date | None
    state: Literal["active", "ended"]
    monthly_wage: Money
    contribution_base: Money
    base_provisional: bool  # 暂定: past the last published period
    period: str
    previous_base: Money | None  # the base before the bureau determined it again
    base_determined_at: Moment | None
    contributions: dict[str, Contribution] | None = None


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {"enrol_member": Member, "end_membership": Member, "list_members": list[Member]}
