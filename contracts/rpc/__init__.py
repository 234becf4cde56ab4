"""Typed RPC errors and the request/response shapes every bureau shares (clerk tasks, documents).

Errors cross a Nameko RPC boundary as (module path, stringified args) and are rebuilt by the caller
from `nameko.exceptions.registry`. Each error therefore takes exactly ONE string argument. Field
errors travel inside that string as JSON (`Invalid.with_fields`), so nothing is lost on the wire.
Services list `OneStopError` in `@rpc(expected_exceptions=...)`; callers run `register_remote_errors()`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from contracts import bureaus


class FieldError(BaseModel):
    model_config = ConfigDict(frozen=True)
    field: str  # dotted path into the request, e.g. "shareholders.0.resident_id"
    message: str


class OneStopError(Exception):
    """Base of every error a caller may handle by type. `status` is the HTTP status it maps to."""

    code = "BAD_REQUEST"
    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)

    @property
    def payload(self) -> dict[str, Any]:
        raw = self.args[0] if self.args else ""
        if isinstance(raw, str) and raw.startswith("{"):
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
            if isinstance(data, dict) and "message" in data:
                return data
        return {"message": str(raw)}

    @property
    def message(self) -> str:
        return self.payload["message"]

    @property
    def field_errors(self) -> list[FieldError]:
        return [FieldError.model_validate(e) for e in self.payload.get("errors", [])]

    @classmethod
    def with_fields(cls, message: str, errors: list[FieldError] | list[dict]) -> OneStopError:
        rows = [e.model_dump() if isinstance(e, FieldError) else dict(e) for e in errors]
        return cls(json.dumps({"message": message, "errors": rows}, ensure_ascii=False))

    def __str__(self) -> str:
        return self.message


class Invalid(OneStopError):
    code, status = "INVALID", 422


class NotFound(OneStopError):
    code, status = "NOT_FOUND", 404


class Conflict(OneStopError):
    code, status = "CONFLICT", 409


class Forbidden(OneStopError):
    code, status = "FORBIDDEN", 403


class Unavailable(OneStopError):
    code, status = "UNAVAILABLE", 503


class TooLarge(OneStopError):
    code, status = "PAYLOAD_TOO_LARGE", 413


class BadReply(Unavailable):
    """A bureau answered outside its reply contract (contracts.rpc.replies): the gateway cannot vouch for
    what it got, so the caller hears "try again" as from a bad upstream, never a 500 or the bad data."""

    code, status = "BAD_BUREAU_REPLY", 502


class UnsupportedMedia(OneStopError):
    """An upload that is not what the endpoint takes (e.g. not a PDF)."""

    code, status = "UNSUPPORTED_MEDIA_TYPE", 415


def all_error_classes() -> list[type[OneStopError]]:
    seen: list[type[OneStopError]] = []
    stack = [OneStopError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def register_remote_errors() -> None:
    """Make RPC callers rebuild our errors as their own classes instead of RemoteError."""
    from nameko.exceptions import registry

    for cls in all_error_classes():
        registry[f"{cls.__module__}.{cls.__name__}"] = cls


# ---- value types of the replies -----------------------------------------------------------------


def _iso(moment: datetime) -> str:
    # a zone-less time is UTC (as MongoDB gives it back); isoformat keeps "+00:00" where pydantic would
    # write "Z", so a reply reads the same before and after its contract
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


Moment = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
Money = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]  # "1000.00", "-0.65", "0"


class Reply(BaseModel):
    """Base of every reply model: a field the contract does not name is an error on both sides, so a
    bureau adding one is a visible contract change."""

    model_config = ConfigDict(extra="forbid")


class Health(Reply):
    """Every service's `health()` (kit.mongo.health_view): "ok" when the database and each of the bureau's
    own named checks (seal: "font") answer "ok", else "degraded" with what is wrong; never an error."""

    service: str
    status: Literal["ok", "degraded"]
    database: str  # "ok" or "unavailable"
    checks: dict[str, str] = Field(default_factory=dict)  # e.g. {"font": "missing"}; {} for most bureaus


class LicenceRevoked(Reply):
    """`licence_revoked` in a bureau's view: date and reason only (contracts.revocation.Revocation.view)."""

    revoked_at: Moment
    reason: str


# ---- clerk tasks: the same shape in every bureau -------------------------------------------------

BUREAUS: tuple[str, ...] = bureaus.NAMES
Bureau = Literal[BUREAUS]  # type: ignore[valid-type] - built from the manifest
TaskState = Literal["open", "claimed", "done", "rejected", "correction_requested"]

CLAIM_MINUTES = 30  # an abandoned claim lapses after this, so the item returns to the queue


class Task(BaseModel):
    """One item in a bureau's staff queue, as the gateway and the clerk pages show it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    bureau: Bureau
    kind: str  # e.g. "registration_review", "engraving", "police_filing", "invoice_approval"
    application_id: str
    title: str  # usually the company name
    reason: str  # why a person must look (Chinese, shown to the clerk)
    state: TaskState
    created_at: datetime
    deadline: date  # a working day, from contracts.calendar
    deadline_provisional: bool = False  # counted across a year whose holiday notice is not loaded yet
    overdue: bool = False
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    # a corrected case goes back to the clerk who asked for the correction, the whole team after this
    assigned_to: str | None = None
    assigned_until: datetime | None = None
    actions: list[str] = Field(default_factory=list)  # what a clerk may do now, e.g. ["approve", "reject"]
    details: dict[str, Any] = Field(default_factory=dict)  # what the clerk needs to decide
    history: list[dict[str, Any]] = Field(default_factory=list)  # who did what when


class DocumentRef(BaseModel):
    """A document a bureau can render; `name` starts with the bureau, e.g. "registration.licence"."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    title: str
    content_type: str = "application/pdf"


class Document(BaseModel):
    """A rendered document over RPC: bytes travel base64-encoded because the wire is JSON."""

    model_config = ConfigDict(extra="forbid")
    name: str
    filename: str
    content_type: str
    data_base64: str
