"""Response models: what the OpenAPI document promises for each endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.text import VisibleText

Status = Literal["awaiting_confirmation", "withdrawn", "submitted", "in_review", "correction_requested", "rejected", "licensed", "completed", "revoked"]


class AccountOut(BaseModel):
    id: str
    role: Literal["founder", "clerk", "operator"]
    name: str
    bureau: str | None = None
    email: str | None = None
    mobile: str | None = None
    created_at: datetime
    identity_verified: bool = Field(False, description="the identity verifier vouched for the person (see "
                                    "identity_status for how far: the embedded verifier checks the format only)")
    identity_status: str | None = None
    contact_verified: bool = Field(False, description="the email or mobile answered a verification code "
                                   "(POST /api/v1/me/verification-code, then /api/v1/me/verification); "
                                   "until then submit and confirm answer 403")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class ChallengeOut(BaseModel):
    """A log-in challenge (gateway/challenge.py): send `id` and the answer with the next log-in."""

    id: str
    question: str
    expires_at: datetime
    method: str
    notice: str


class ApplicationSummary(BaseModel):
    id: str
    acceptance_no: str | None = None  # 受理编号, given at submission (None for applications from before it)
    company_name: str
    status: Status
    revision: int
    submitted_at: datetime
    completed_at: datetime | None = None
    uscc: str | None = None


class StepOut(BaseModel):
    bureau: str
    title: str
    state: Literal["pending", "in_progress", "waiting_for_clerk", "correction_requested", "done", "rejected",
                   "revoked", "not_requested", "lapsed"]
    deadline: str | None = None
    deadline_provisional: bool = Field(False, description="counted across a year whose holiday notice is not "
                                       "loaded yet (statutory rules only); recomputed when it is")
    deadline_planned: bool = Field(False, description="the step has not started: the date it gets if every step "
                                   "before it takes its full time (contracts/timelimits.py)")
    overdue: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    seconds_taken: float | None = None
    reasons: list[str] = []
    fields: list[str] | None = None
    task_id: str | None = None
    reason: str | None = None
    progress: dict[str, Any] | None = None


class DocumentLink(BaseModel):
    name: str
    title: str
    content_type: str
    url: str


class TimelineItem(BaseModel):
    at: datetime
    source: str
    type: str
    summary: str
    details: dict[str, Any]


class TimeTaken(BaseModel):
    working_days: int | None
    working_hours: float | None
    within_target: bool | None
    elapsed_seconds: float


class PartyOut(BaseModel):
    name: str
    roles: list[str]
    state: Literal["pending", "confirmed", "declined", "implicit"]
    at: datetime | None = None
    reason: str | None = None


class Confirmations(BaseModel):
    deadline: str | None
    parties: list[PartyOut]


class Withdrawal(BaseModel):
    at: datetime
    reason: str


class ApplicationDetail(ApplicationSummary):
    deadline: str | None = Field(description="办结时限: the latest deadline of the requested steps")
    deadline_provisional: bool = False
    deadline_planned: bool = False
    deadline_from: str | None = Field(None, description="the Beijing day the time limit runs from: acceptance, "
                                      "or the latest resubmission after a correction")
    deadline_rule: str | None = Field(None, description="the rule in words, as the pages say it")
    target_working_days: int
    taken: TimeTaken | None = None
    steps: list[StepOut]
    outputs: dict[str, Any]
    documents: list[DocumentLink]
    timeline: list[TimelineItem]
    form: dict[str, Any]
    confirmations: Confirmations | None = Field(None, description="every other person named on the form "
                                                "confirms from their own account before the bureaus see it")
    withdrawal: Withdrawal | None = None
    replies: list[dict[str, Any]] = Field([], description="the founder's replies to correction requests: "
                                        "{id, revision, text, attachment {filename, content_type, size, sha256}, at}")


class NameCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: VisibleText = Field(min_length=1, max_length=60)
    district_code: str | None = Field(None, pattern=r"^\d{6}$")
    scope: list[Annotated[str, Field(max_length=20)]] | None = Field(None, max_length=50)


class HealthOut(BaseModel):
    status: Literal["ok", "down"]
    checks: dict[str, str] = {}


class AwaitingParty(BaseModel):
    name: str
    roles: list[str]
    state: Literal["pending", "confirmed", "declined", "implicit"]


class ConfirmationRequest(BaseModel):
    """What a person named on a form sees before confirming: the company and names, never ID numbers."""

    application_id: str
    acceptance_no: str | None = None
    company_name: str
    status: Status
    submitted_at: datetime
    founder_name: str
    deadline: str | None
    my_roles: list[str]
    my_state: Literal["pending", "confirmed", "declined", "implicit"]
    company_type: str | None = None
    registered_capital: str | None = None
    domicile: str | None = None
    shareholders: list[dict[str, Any]]
    legal_representative: str | None = None
    directors: list[str]
    supervisors: list[str]
    manager: str | None = None
    business_scope: list[str]
    parties: list[AwaitingParty]
