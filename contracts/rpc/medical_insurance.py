"""The medical insurance bureau's RPC requests, shared by the gateway and the bureau."""

from __future__ import annotations

from contracts.rpc.housing_fund import AccountOpening


class MemberEnrolment(AccountOpening):
    """A later hire's record in 职工基本医疗保险 with 生育保险 (`enrol_member(uscc, employee, request_id)`):
    the same four facts the other bureaus are given from the founder's one request."""
