"""Every event that crosses a service boundary.

The Nameko event type equals the model's `type`; the source is the emitting service's `name`
(`gateway`, `registration`, `seal`, `tax`, `social_security`). Payloads travel as
`event.model_dump(mode="json")` and are read back with `parse_event(source, payload)`.
Every consumer is idempotent: it dedupes on `event_id` or on a natural key.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts import bureaus, clock
from contracts.form import (
    ApplicationForm,
    BankRequest,
    Employee,
    HousingFundRequest,
    LegalRepresentative,
    SealRequest,
    TaxNeeds,
)
from contracts.rpc import DocumentRef


def _now() -> datetime:
    return clock.now()


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    event_id: str = Field(default_factory=lambda: uuid4().hex)
    application_id: str
    occurred_at: datetime = Field(default_factory=_now)


# ---- gateway ---------------------------------------------------------------------------------


class ApplicationSubmitted(Event):
    type: Literal["application_submitted"] = "application_submitted"
    founder_id: str
    form: ApplicationForm


class ApplicationCorrected(Event):
    """The founder answered a correction request: the same application, a new revision of the form."""

    type: Literal["application_corrected"] = "application_corrected"
    revision: int
    form: ApplicationForm


# ---- any bureau ------------------------------------------------------------------------------


class TaskQueued(Event):
    """A bureau put a step of this application in its staff queue (the clerk path)."""

    type: Literal["task_queued"] = "task_queued"
    bureau: str
    task_id: str
    kind: str
    reason: str
    deadline: date
    # what the deadline was counted from, so it can be recomputed when a holiday notice is loaded
    deadline_from: date | None = None
    deadline_days: int | None = None
    deadline_provisional: bool = False


class StepProgressed(Event):
    """An intermediate step finished (e.g. seals engraved, dispatched), for the timeline."""

    type: Literal["step_progressed"] = "step_progressed"
    bureau: str
    step: str
    detail: dict[str, Any] = Field(default_factory=dict)


class StepRejected(Event):
    """A bureau refused its part (not the whole application): the founder sees the reasons."""

    type: Literal["step_rejected"] = "step_rejected"
    bureau: str
    step: str
    reasons: list[str]


class ChangeRecorded(Event):
    """A bureau updated its record for a change of details and says what follows for the company."""

    type: Literal["change_recorded"] = "change_recorded"
    bureau: str
    uscc: str
    change_id: str
    version: int
    summary: str  # the founder's timeline line, in Chinese
    detail: dict[str, Any] = Field(default_factory=dict)


class Blocker(BaseModel):
    """One thing a bureau holds against a closing (注销), and what the founder does about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    item: str  # what is outstanding, in Chinese (never a personal ID)
    todo: str  # what to do, in Chinese


class ClearanceAnswered(Event):
    """A bureau checked its records for a closing (清税、减员、印章...): no blockers = cleared."""

    type: Literal["clearance_answered"] = "clearance_answered"
    bureau: str
    uscc: str
    closure_id: str
    attempt: int
    blockers: list[Blocker] = Field(default_factory=list)


# ---- registration ----------------------------------------------------------------------------


class ReviewStarted(Event):
    type: Literal["review_started"] = "review_started"
    revision: int = 0
    path: Literal["automatic", "clerk"]
    reasons: list[str] = Field(default_factory=list)
    deadline: date
    deadline_from: date | None = None
    deadline_days: int | None = None
    deadline_provisional: bool = False


class CorrectionRequested(Event):
    type: Literal["correction_requested"] = "correction_requested"
    task_id: str
    reasons: list[str]
    fields: list[str] = Field(default_factory=list)


class ApplicationRejected(Event):
    type: Literal["application_rejected"] = "application_rejected"
    reasons: list[str]


class Licence(BaseModel):
    """The registered items printed on the business licence (营业执照)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    uscc: str
    company_name: str
    company_type: str  # printed label, e.g. 有限责任公司（自然人独资）
    legal_representative: str
    registered_capital: Decimal
    established_on: date  # = issue date (Company Law art. 33)
    term: str  # 营业期限, e.g. 长期
    domicile: str
    district_code: str
    business_scope: str
    authority: str  # 登记机关
    issued_at: datetime


class Representative(BaseModel):
    """The legal representative as a bureau's copy of licence_issued carries them: the name always, the
    resident ID and position only for a bureau whose manifest entry needs them (tax's real-name check)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    resident_id: str | None = None
    position: str | None = None


class LicenceIssued(Event):
    """Published as one copy per consuming bureau with only the fields its manifest entry names, and one
    for the tracker with none of them (contracts/sharing.py): the optional fields are absent from every
    copy that does not need them."""

    type: Literal["licence_issued"] = "licence_issued"
    licence: Licence
    founder_id: str | None = None  # the founder's account: each bureau's ownership checks (kit/owners.py)
    legal_representative: Representative | None = None
    contact_phone: str | None = None
    seals: SealRequest | None = None
    tax: TaxNeeds | None = None
    employees: list[Employee] = Field(default_factory=list)
    housing_fund: HousingFundRequest | None = None
    bank: BankRequest | None = None
    # the form's scope codes (contracts.scope): social security's work-injury risk class follows them
    business_scope: list[str] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    shared: dict[str, list[str]] = Field(default_factory=dict)  # the tracker's copy: bureau -> paths it got

    @field_validator("legal_representative", mode="before")
    @classmethod
    def _from_form(cls, value: Any) -> Any:
        # the form's LegalRepresentative, as registration builds the event
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class LicenceRevoked(Event):
    type: Literal["licence_revoked"] = "licence_revoked"
    uscc: str
    reason: str


class CompanyChanged(Event):
    """A change of details (变更登记) is registered: licence `version` replaces the one before it (same
    USCC). `application_id` is the company's start-up application, so the founder's one timeline
    carries it; `change_id` ties every bureau's answer to this change."""

    type: Literal["company_changed"] = "company_changed"
    uscc: str
    change_id: str
    version: int
    changed: list[str]  # contracts.changes.CHANGE_LABELS keys
    licence: Licence
    previous_district_code: str
    legal_representative: LegalRepresentative | None = None  # only when it changed
    answerers: list[str]  # the bureaus whose answer closes the change (those the company has a record at)


class ClearanceRequested(Event):
    """A closing (简易注销) is under public notice: each bureau in `answerers` checks its records and
    answers (`clearance_answered`); `attempt` grows when the founder asks for a new check."""

    type: Literal["clearance_requested"] = "clearance_requested"
    uscc: str
    closure_id: str
    attempt: int
    notice_ends_on: date
    answerers: list[str]


class CompanyDeregistered(Event):
    """Registration deregistered the company (注销登记): the licence is dead from `deregistered_on`."""

    type: Literal["company_deregistered"] = "company_deregistered"
    uscc: str
    closure_id: str
    deregistered_on: date


# ---- seal ------------------------------------------------------------------------------------


class SealInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str  # 13 digits: district + sequence
    kind: str  # contracts.form.SealKind value
    medium: Literal["electronic", "physical"]
    filed_at: datetime | None = None


class SealsFiled(Event):
    """Every seal the founder chose is made and filed with the public security bureau."""

    type: Literal["seals_filed"] = "seals_filed"
    uscc: str
    seals: list[SealInfo]
    documents: list[DocumentRef] = Field(default_factory=list)


class SealsDelivered(Event):
    type: Literal["seals_delivered"] = "seals_delivered"
    uscc: str
    delivery: Literal["post", "pickup"]
    tracking_number: str | None = None
    delivered_at: datetime


# ---- tax -------------------------------------------------------------------------------------


class TaxRegistered(Event):
    type: Literal["tax_registered"] = "tax_registered"
    uscc: str
    taxpayer_id: str
    taxpayer_type: str
    tax_office: str
    documents: list[DocumentRef] = Field(default_factory=list)


class InvoicesApproved(Event):
    type: Literal["invoices_approved"] = "invoices_approved"
    uscc: str
    invoice_kinds: list[str]
    monthly_quota: Decimal  # 开票额度: the cap on the total invoiced per calendar month, CNY


# ---- social security -------------------------------------------------------------------------


class EmployerRegistered(Event):
    type: Literal["employer_registered"] = "employer_registered"
    uscc: str
    employer_number: str
    insurances: list[str]
    documents: list[DocumentRef] = Field(default_factory=list)


class EnrolledEmployee(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    employee_id: str
    name: str
    record_number: str
    start_date: date
    employment_number: str | None = None  # 就业登记, recorded with the enrolment
    employment_registered_on: date | None = None


class EmployeesEnrolled(Event):
    type: Literal["employees_enrolled"] = "employees_enrolled"
    uscc: str
    employees: list[EnrolledEmployee]


# ---- housing fund ----------------------------------------------------------------------------


class HousingFundAccount(BaseModel):
    """One employee's personal housing-fund account (个人账户); no resident ID on the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    employee_id: str
    name: str
    account_number: str
    start_date: date
    deposit_base: Decimal
    base_provisional: bool = False


class HousingFundRegistered(Event):
    """单位缴存登记 done: the unit's account, its rates (percent) and the form staff's accounts."""

    type: Literal["housing_fund_registered"] = "housing_fund_registered"
    uscc: str
    unit_account: str
    employer_rate: int
    employee_rate: int
    accounts: list[HousingFundAccount] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)


# ---- bank --------------------------------------------------------------------------------------


class BankAccountReserved(Event):
    """银行预约开户: the appointment at the chosen branch and the pre-assigned basic account number
    (基本存款账户). Tax takes it for the three-party payment agreement (三方协议), the insurance bureaus
    for direct debit. `appointment_date` is None when the branch had no free slot (a clerk arranges it)."""

    type: Literal["bank_account_reserved"] = "bank_account_reserved"
    uscc: str
    company_name: str
    bank_name: str
    branch_id: str
    branch_name: str
    branch_address: str
    account_number: str
    account_kind: Literal["basic"] = "basic"
    appointment_date: date | None = None
    appointment_slot: str | None = None  # "09:00-10:00", Beijing time
    shared_with: list[str] = Field(default_factory=list)  # the bureaus this event is sent on to
    documents: list[DocumentRef] = Field(default_factory=list)  # the appointment confirmation


class AccountOpened(Event):
    """The founder came to the counter and the basic account is open (the bank's clerk path)."""

    type: Literal["account_opened"] = "account_opened"
    uscc: str
    account_number: str
    branch_id: str
    opened_at: datetime
    documents: list[DocumentRef] = Field(default_factory=list)  # the basic account's details

# ---- medical insurance -----------------------------------------------------------------------


class MedicalMember(BaseModel):
    """One employee's record in 职工基本医疗保险 with 生育保险 (个人参保); no resident ID on the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    employee_id: str
    name: str
    record_number: str
    start_date: date
    contribution_base: Decimal
    base_provisional: bool = False


class MedicalInsuranceRegistered(Event):
    """单位医保登记 done: the unit number, the insurances and the form staff's records."""

    type: Literal["medical_insurance_registered"] = "medical_insurance_registered"
    uscc: str
    unit_number: str
    insurances: list[str]
    members: list[MedicalMember] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)


# ---- the map of who emits what (from the bureau manifest) ------------------------------------


def event_type(cls: type[Event]) -> str:
    return cls.model_fields["type"].default


BY_TYPE: dict[str, type[Event]] = {event_type(c): c for c in Event.__subclasses__()}
EVENT_SOURCES: dict[str, tuple[type[Event], ...]] = {
    source: tuple(BY_TYPE[kind] for kind in kinds) for source, kinds in bureaus.SOURCES.items()
}


def parse_event(source: str, payload: dict) -> Event:
    """Rebuild a typed event from a Nameko payload, checking it may come from `source`."""
    kind = payload.get("type")
    for cls in EVENT_SOURCES.get(source, ()):
        if event_type(cls) == kind:
            return cls.model_validate(payload)
    raise ValueError(f"{source} does not emit {kind!r}")
