"""Registration's RPC replies that have a contract so far (the others are in contracts/rpc/replies.py's
PENDING): the name check, a corporate shareholder's legal representative, the licence-signing key and
an operator's revocation. The gateway validates each; the bureau builds the legal representative's
through its model (services/registration/views.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

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


# the reply of each RPC the gateway calls (contracts/rpc/replies.py)
REPLIES = {
    "check_name": NameCheckResult,
    "legal_representative_of": LegalRepresentative,
    "licence_public_key": LicenceKey,
    "revoke_licence": LicenceRevocation,
}
