"""The Nameko service of a bureau that keeps one unit per application (kit.units): the housing-fund
centre and the medical insurance bureau react to the same events the same way, so their handlers are
written once here and each bureau keeps its rules, wording and figures.

    class HousingFundService(unit_bureau.UnitBureau):  # the module imported: see kit.entrypoints
        name = "housing_fund"
        store = MongoStore(HousingFundStore)
        signer = SigningIdentity(documents.signing_identity)
        rules = domain                           # its change_answer(unit, event), clearance_blockers(unit)

        def open_unit(self, event, at): ...      # licence_issued: the outbox entries the unit's insert wrote
        def clerk_queue(self): ...               # kit.clerk.ClerkRpc
        def document_desk(self): ...             # kit.entrypoints.DocumentRpc

On top of kit.entrypoints (documents, health, licence_revoked) and kit.clerk.ClerkRpc: licence_issued
opens the unit (the owner folded into its first write, kit.owners), company_changed and
clearance_requested are answered once each (kit.changes, kit.closing), the bank's basic account is kept
for direct debit (kit.bank_accounts), and a timer relays what a dead worker left in an outbox.
Every handler is durable (kit.events) and keeps the method name, hence the queue, it had in each bureau.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts import clock
from contracts.events import Event, LicenceIssued, parse_event
from kit import bank_accounts
from kit.changes import answer_change
from kit.clerk import ClerkRpc
from kit.closing import answer_clearance
from kit.entrypoints import BureauEntrypoints, keep_entrypoints
from kit.events import durable_handler
from kit.outbox import flush, relay
from kit.owners import Owners, Source

ENTRYPOINTS = ("on_licence_issued", "on_company_changed", "on_clearance_requested", "on_bank_account_reserved",
               "relay_outbox")


class UnitBureau(BureauEntrypoints, ClerkRpc):
    owners = Owners(source=Source("units"))  # who founded what, folded into the unit's first write
    dispatch = EventDispatcher()
    rules: ClassVar[ModuleType | Any]  # the bureau's domain: change_answer(unit, event), clearance_blockers(unit)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keep_entrypoints(cls, "UnitBureau", ENTRYPOINTS, "open_unit(event, at)")

    def open_unit(self, event: LicenceIssued | Event, at: Any) -> list[dict]:  # pragma: no cover - per bureau
        raise NotImplementedError

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            event = parse_event("registration", payload)
            self._publish(event.application_id, self.open_unit(event, clock.now()))

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        answer_change(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                      self.store.by_uscc, self.rules.change_answer, self.store.apply_change)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        answer_clearance(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                         lambda uscc: self.rules.clearance_blockers(self.store.by_uscc(uscc)))

    @durable_handler(*bank_accounts.BANK_ACCOUNT)
    def on_bank_account_reserved(self, payload: dict) -> None:
        bank_accounts.receive(self.store.bank_accounts, payload, clock.now())  # direct debit's account, once

    @timer(interval=2)
    def relay_outbox(self) -> int:
        return relay(self.store.units, self.dispatch) + relay(self.store.change_answers.collection, self.dispatch)

    def _publish(self, application_id: str, entries: list[dict]) -> None:
        if entries:
            flush(self.store.units, application_id, entries, self.dispatch)
