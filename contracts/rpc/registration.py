"""Registration's RPC replies: the name check, a corporate shareholder's legal representative, the
licence-signing key, an operator's revocation, the public licence check, and after start-up a change
of details (变更登记) and a closing (注销) as the founder, the people a change names and the public see
them. The gateway validates each; the bureau builds them through these models (services/registration/views.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from contracts.events import Licence
from contracts.rpc import Moment, Reply


class NameParts(Reply):
    division: str  # 行政区划
    trade_name: str  # 字号
    industry: str  # 行业
    organisation_form: str  # 组织形式


class NameProblem(Reply):
    code: str  # e.g. "same_trade_name_barred", "trade_name_not_chinese"
    severity: Literal["error", "warning"]
    message: str  # Chinese, for the founder
    conflicts: list[str]  # the registered names it conflicts with


class NameCheckResult(Reply):
    """`check_name(name, district_code, scope, ...)`: `ok` unless a problem is an error; `parts` None when the
    name could not be read into its four parts."""

    ok: bool
    name: str
    parts: NameParts | None
    problems: list[NameProblem]


class NotRegistered(Reply):
    registered: Literal[False]


class RegisteredRepresentative(Reply):
    """For the gateway only: the resident ID keys that person's confirmation and is never shown."""

    registered: Literal[True]
    name: str
    resident_id: str


# `legal_representative_of(uscc, founder_id)`: a company registered here, or not
LegalRepresentative = Annotated[NotRegistered | RegisteredRepresentative, Field(discriminator="registered")]


class LicenceKey(Reply):
    """`licence_public_key()`: what /.well-known/onestop-licence-key serves to verify licence QR codes offline."""

    algorithm: Literal["Ed25519"]
    format: str  # the token prefix, "OSL1"
    key_id: str
    public_key: str  # base64 of the raw 32 bytes
    pem: str
    fields: dict[str, str]  # the token's short keys -> what they mean


class LicenceRevocation(Reply):
    """`revoke_licence(uscc, reason)`: the licence as revoked (the first revocation's reason and time)."""

    uscc: str
    status: Literal["revoked"]
    reason: str | None
    revoked_at: Moment | None


# ---- the public licence check (`verify(uscc, version)`) ----------------------------------------


class UnknownLicence(Reply):
    """No company with this USCC is registered here."""

    genuine: Literal[False]
    status: Literal["unknown"]
    licence: None


class LicenceVersion(Reply):
    """A superseded version and when it was the valid one. The times as registration stored them (ISO
    8601: the first version's start is its licence's `issued_at`, written with "Z")."""

    version: int
    valid_from: str
    valid_to: str


class PublicNotice(Reply):
    """What the company has publicly noticed and anyone may object to now (kind and dates only)."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_name=True)
    kind: Literal["capital_decrease", "simplified_closing"]
    from_: date = Field(alias="from")
    ends_on: date


LicenceStatus = Literal["active", "revoked", "deregistered"]


class LicenceCheck(Reply):
    """A licence registered here: the version asked for (default the current one), `superseded` with the
    period it was valid when a newer one exists, and the company's open public notices."""

    genuine: Literal[True]
    current_version: int
    versions: list[LicenceVersion]  # the superseded ones, oldest first
    notices: list[PublicNotice]
    deregistered_on: date | None = None  # set once the company is deregistered
    status: LicenceStatus | Literal["superseded"]
    version: int
    licence: Licence
    valid_from: str  # as LicenceVersion's
    valid_to: str | None  # None: the current version


Verification = Annotated[UnknownLicence | LicenceCheck, Field(discriminator="genuine")]


# ---- a change of details (变更登记) --------------------------------------------------------------

ChangeState = Literal["awaiting_confirmation", "under_review", "correction_requested", "noticed", "registered",
                      "completed", "refused", "declined", "withdrawn"]
PartyState = Literal["pending", "confirmed", "declined"]


class ChangeParty(Reply):
    """A person the change names newly (本人确认), their name masked."""

    name: str
    roles: list[str]
    state: PartyState


class ChangeReview(Reply):
    """Why a registration clerk decides the change, and by when (a working day)."""

    revision: int
    reasons: list[str]
    deadline: date


class ChangeCorrection(Reply):
    """What the clerk asked the founder to correct."""

    reasons: list[str]
    fields: list[str] | None


class ObjectionOutcome(Reply):
    outcome: Literal["settled", "guaranteed"]
    label: str
    note: str | None
    at: Moment  # in China's time zone


class CreditorObjectionView(Reply):
    """A creditor's objection to the company's capital decrease (公司法 art. 224), for the company only."""

    id: str
    at: Moment  # in China's time zone
    creditor: str
    demand: Literal["repay", "guarantee"]
    demand_label: str
    reason: str
    answer: ObjectionOutcome | None


class ChangeLogEntry(Reply):
    at: Moment
    summary: str


class NewName(NameParts):
    """The name a change asks for (contracts.form.CompanyName as requested)."""

    division_in_brackets: bool


class ChangeAnswer(Reply):
    """One bureau a change waits for; what it said once it answered."""

    bureau: str
    label: str
    answered: bool
    summary: str | None = None
    detail: dict[str, Any] | None = None
    answered_at: Moment | None = None


class Change(Reply):
    """A change of details as its founder sees it (`request_change`, `correct_change`, `answer_objection`,
    `get_change`, `list_changes`). The optional parts are None where they do not apply: `notice_from`,
    `creditor_period_ends_on` and `objections` for a capital decrease, `confirmations` and `confirm_by`
    while people named confirm, `review` and `correction` for a clerk's review, `requested` while a
    correction is open (the page refills it)."""

    change_id: str
    uscc: str
    state: ChangeState
    sections: list[str]
    labels: list[str]
    version: int  # the licence version it makes
    created_at: Moment
    completed_at: Moment | None
    name_warnings: list[str] | None = None
    notice_from: date | None = None
    creditor_period_ends_on: date | None = None
    confirmations: list[ChangeParty] | None = None
    refusal: str | None = None
    review: ChangeReview | None = None
    correction: ChangeCorrection | None = None
    withdrawal: str | None = None
    confirm_by: date | None = None
    objections: list[CreditorObjectionView] | None = None
    log: list[ChangeLogEntry]
    new_name: NewName | None = None
    new_scope: list[str] | None = None
    requested: dict[str, Any] | None = None  # contracts.changes.ChangeRequest as the founder sent it
    bureaus: list[ChangeAnswer]


class DescribedSection(Reply):
    label: str
    after: str  # the section after the change, as the person named reads it (names, no IDs)


class ChangeConfirmation(Reply):
    """An open change as a person it names sees it (`change_confirmations`, `decide_change`)."""

    uscc: str
    company_name: str
    change_id: str
    state: ChangeState
    labels: list[str]
    my_roles: list[str]
    my_state: PartyState
    parties: list[ChangeParty]
    confirm_by: date | None
    created_at: Moment
    changes: list[DescribedSection]


class CreditorObjectionRecorded(Reply):
    """`object_to_decrease`: public, so only that it was recorded and until when objections are taken."""

    recorded: Literal[True]
    change_id: str
    creditor_period_ends_on: date


# ---- closing (注销) --------------------------------------------------------------------------------

ClosureState = Literal["noticed", "awaiting_clearance", "liquidating", "awaiting_report", "deregistered",
                       "objected", "lapsed"]


class LiquidationGroup(Reply):
    dissolved_on: date
    formed_on: date
    members: list[str]
    leader: str


class LiquidationStep(Reply):
    """One step of a general deregistration (contracts.liquidation.steps) with its deadline."""

    step: str
    label: str
    due: date | None
    done_on: date | None


class ClosureBlockerItem(Reply):
    item: str
    todo: str


class ClosureAnswer(Reply):
    """One bureau's check of its records for the closing's current attempt."""

    bureau: str
    label: str
    answered: bool
    cleared: bool
    blockers: list[ClosureBlockerItem]
    answered_at: Moment | None


class ClosureBlocker(ClosureBlockerItem):
    bureau: str
    label: str


class Closure(Reply):
    """A closing as its founder sees it (`request_closure`, `request_liquidation`, `file_liquidation_report`,
    `recheck_closure`, `get_closure`, `list_closures`). `liquidation`, `report_filed_on` and `steps` are a
    general deregistration's (None for a simplified one, whose `apply_by` is the day after the notice by
    which the company must have cleared)."""

    closure_id: str
    uscc: str
    kind: Literal["simplified", "general"]
    state: ClosureState
    state_label: str
    notice_from: date
    notice_ends_on: date
    objections: int
    apply_by: date | None
    deregistered_on: date | None
    liquidation: LiquidationGroup | None = None
    report_filed_on: date | None = None
    steps: list[LiquidationStep] | None = None
    attempt: int
    created_at: Moment
    bureaus: list[ClosureAnswer]
    blockers: list[ClosureBlocker]
    objection_reasons: list[str]


class ClosureObjectionRecorded(Reply):
    """`record_objection`: public, so only that it was recorded and when the notice ends."""

    recorded: Literal[True]
    closure_id: str
    notice_ends_on: date


# ---- open data after start-up (`after_start_stats`) ----------------------------------------------

Median = int | float | None  # working days; a whole number stays one (the mean of two middle values need not)


class KindStats(Reply):
    label: str
    requested: int
    registered: int
    refused: int
    median_days_to_registration: Median
    median_days_to_completion: Median


class BureauStats(Reply):
    label: str
    answered: int
    median_working_days: Median


class AfterStartStats(Reply):
    """Counts and median working days of changes (per section) and closings (per kind), and per bureau."""

    changes: dict[str, KindStats]
    change_bureaus: dict[str, BureauStats]
    closings: dict[str, KindStats]
    closing_bureaus: dict[str, BureauStats]
    definitions: dict[str, str]
    generated_at: Moment


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "check_name": NameCheckResult,
    "legal_representative_of": LegalRepresentative,
    "licence_public_key": LicenceKey,
    "revoke_licence": LicenceRevocation,
    "verify": Verification,
    "request_change": Change,
    "correct_change": Change,
    "answer_objection": Change,
    "get_change": Change,
    "list_changes": list[Change],
    "change_confirmations": list[ChangeConfirmation],
    "decide_change": ChangeConfirmation,
    "object_to_decrease": CreditorObjectionRecorded,
    "request_closure": Closure,
    "request_liquidation": Closure,
    "file_liquidation_report": Closure,
    "recheck_closure": Closure,
    "get_closure": Closure,
    "list_closures": list[Closure],
    "record_objection": ClosureObjectionRecorded,
    "after_start_stats": AfterStartStats,
}
