"""A revoked business licence as every bureau other than registration keeps it.

Registration announces `licence_revoked`; seal, tax and social security each record it once per USCC
(kit.revocations), apart from their company records because a revocation may overtake the
`licence_issued` it revokes, and refuse what a dead company may no longer do in one wording:
营业执照已于<the day in China>被吊销（<reason>），<what is now barred>.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from contracts.calendar import aware
from contracts.clock import CHINA
from contracts.events import LicenceRevoked
from contracts.rpc import Conflict


class Revocation(BaseModel):
    """One company's revoked licence, as a bureau recorded it (the first delivery of the event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    uscc: str
    application_id: str
    reason: str
    revoked_at: datetime  # when registration revoked it (the event's occurred_at)
    event_id: str
    received_at: datetime

    @classmethod
    def of(cls, event: LicenceRevoked, received_at: datetime) -> Revocation:
        return cls(uscc=event.uscc, application_id=event.application_id, reason=event.reason,
                   revoked_at=event.occurred_at, event_id=event.event_id, received_at=received_at)

    def view(self) -> dict[str, str]:
        """The `licence_revoked` field of a bureau's views: date and reason only, never personal data."""
        return {"revoked_at": aware(self.revoked_at).isoformat(), "reason": self.reason}

    def refusal(self, consequence: str) -> Conflict:
        """Why an action is refused, ending with `consequence` (e.g. 不能再开具发票)."""
        # The date a founder or clerk recognises is the day in China, not the UTC date.
        day = aware(self.revoked_at).astimezone(CHINA).date().isoformat()
        return Conflict(f"营业执照已于{day}被吊销（{self.reason}），{consequence}")


def revocation_view(revocation: Revocation | None) -> dict[str, str] | None:
    """`licence_revoked` in a view: null while the licence stands."""
    return None if revocation is None else revocation.view()
