"""The housing-fund centre (住房公积金管理中心) as a Nameko service: entrypoints only.

Rules live in domain/, what the RPCs return in views.py, the use cases in workflow.py, the database
in store.py, the deposit bases in figures.py (data/). Every state change writes its events into the unit's outbox in the same
update; `_publish` sends them at once and the timer relays whatever a dead worker left behind. The
event handlers, the documents RPCs and health are kit.unit_bureau's (the same for both unit bureaus).
"""

from __future__ import annotations

from contracts import clock
from contracts.rpc import OneStopError
from kit import unit_bureau, units
from kit.mongo import MongoStore
from kit.owners import owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.housing_fund import clerk as queue
from services.housing_fund import documents, domain, workflow
from services.housing_fund.figures import FiguresBook
from services.housing_fund.store import HousingFundStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs
FIGURES = FiguresBook()


class HousingFundService(unit_bureau.UnitBureau):
    name = "housing_fund"
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the centre issues
    store = MongoStore(HousingFundStore)
    rules = domain  # change_answer, clearance_blockers: the handlers are kit.unit_bureau's

    def open_unit(self, event, at) -> list[dict]:  # licence_issued (kit.unit_bureau)
        return workflow.open_unit(self.store, FIGURES, event, at)

    def clerk_queue(self) -> queue.ClerkQueue:  # the five clerk RPCs come from kit.clerk.ClerkRpc
        return queue.ClerkQueue(self.store, FIGURES, self._publish)

    def document_desk(self) -> units.CertificateDesk:  # list_documents, get_document: kit.entrypoints
        return workflow.document_desk(self.store, clock.now(), self.signer)

    # ---- units and accounts (增减员)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_unit(self, uscc: str) -> dict:
        return workflow.get_unit(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def open_account(self, uscc: str, employee: dict, request_id: str | None = None) -> dict:
        return workflow.open_account(self.store, FIGURES, uscc, employee, request_id, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def close_account(self, uscc: str, employee_id: str, end_date: str | None = None) -> dict:
        return workflow.close_account(self.store, uscc, employee_id, end_date, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def close_account_of(self, uscc: str, resident_id: str, end_date: str | None = None) -> dict:
        return workflow.close_account_of(self.store, uscc, resident_id, end_date, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_accounts(self, uscc: str) -> list[dict]:
        return workflow.list_accounts(self.store, uscc)
