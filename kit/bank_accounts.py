"""A bureau's `bank_accounts` collection: the basic account (基本存款账户) the bank pre-assigned to a
company, as tax (三方协议, the three-party payment agreement) and the insurance bureaus (direct debit,
委托扣款) keep it: one per USCC.

Like kit.revocations it is apart from the bureau's own company records, because the bank's event may
overtake the bureau's own work on the licence. `_id` is the USCC, so a redelivered event is a
DuplicateKeyError and the first record stands (a bank pre-assigns one basic account per company).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from contracts.bureaus import BANK_ACCOUNT
from contracts.calendar import aware
from contracts.events import BankAccountReserved, parse_event

log = logging.getLogger(__name__)

THREE_PARTY_AGREEMENT = "三方协议（税款划缴）"
DIRECT_DEBIT = "委托扣款"


class BankAccountOnFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    uscc: str
    application_id: str
    bank_name: str
    branch_name: str
    account_number: str
    appointment_date: date | None = None
    event_id: str
    received_at: datetime

    @classmethod
    def of(cls, event: BankAccountReserved, received_at: datetime) -> BankAccountOnFile:
        return cls(uscc=event.uscc, application_id=event.application_id, bank_name=event.bank_name,
                   branch_name=event.branch_name, account_number=event.account_number,
                   appointment_date=event.appointment_date, event_id=event.event_id, received_at=received_at)

    def view(self, purpose: str) -> dict[str, str]:
        """The bureau's `bank_account` field: what it will debit, and for what (`purpose`)."""
        return {"bank_name": self.bank_name, "branch_name": self.branch_name, "account_number": self.account_number,
                "purpose": purpose, "received_at": aware(self.received_at).isoformat()}


def bank_account_view(record: BankAccountOnFile | None, purpose: str) -> dict[str, str] | None:
    return None if record is None else record.view(purpose)


class BankAccounts:
    def __init__(self, collection: Collection):
        self.collection = collection

    def record(self, account: BankAccountOnFile) -> bool:
        """Keep it once; False when this company's was already recorded (a redelivery)."""
        try:
            self.collection.insert_one({"_id": account.uscc, **account.model_dump(exclude={"uscc"}, mode="json")})
            recorded = True
        except DuplicateKeyError:
            recorded = False
        log.info("bank account %s", "recorded" if recorded else "already recorded: duplicate ignored",
                 extra={"application_id": account.application_id, "event_id": account.event_id})
        return recorded

    def get(self, uscc: str) -> BankAccountOnFile | None:
        doc = self.collection.find_one({"_id": uscc})
        return BankAccountOnFile.model_validate({"uscc": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}) \
            if doc else None


class InMemoryBankAccounts(BankAccounts):
    """The same records in a dict, for unit tests of the use cases (first record stands)."""

    def __init__(self):
        self.records: dict[str, BankAccountOnFile] = {}

    def record(self, account: BankAccountOnFile) -> bool:
        return self.records.setdefault(account.uscc, account) is account

    def get(self, uscc: str) -> BankAccountOnFile | None:
        return self.records.get(uscc)


def receive(accounts: BankAccounts, payload: dict, received_at: datetime) -> bool:
    """What every consuming bureau's `bank_account_reserved` handler does: parse, then record once."""
    event = parse_event(BANK_ACCOUNT[0], payload)
    if not isinstance(event, BankAccountReserved):  # routed here under another type: it never will fit
        raise ValueError(f"expected bank_account_reserved, got {event.type}")
    return accounts.record(BankAccountOnFile.of(event, received_at))
