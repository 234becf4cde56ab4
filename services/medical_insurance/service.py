"""The medical insurance bureau (医疗保障局) as a Nameko service: entrypoints only.

Rules live in domain/ (pure), the answers in views.py, the use cases in workflow.py, the database in store.py, the bases and rates
in figures.py (data/). Every state change writes its events into the unit's outbox in the same
update; `_publish` sends them at once and the timer relays whatever a dead worker left behind. The
event handlers, the documents RPCs and health are kit.unit_bureau's (the same for both unit bureaus).
"""

from __future__ import annotations

from nameko.timer import timer

from contracts import clock
from contracts.rpc import OneStopError
from kit import unit_bureau, units
from kit.mongo import MongoStore
from kit.owners import owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.medical_insurance import clerk as queue
from services.medical_insurance import documents, domain, workflow
from services.medical_insurance.figures import operator_book
from services.medical_insurance.store import MedicalInsuranceStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs
FIGURES = operator_book()  # shipped figures and the operator's, looked at again every 30 s


class MedicalInsuranceService(unit_bureau.UnitBureau):
    name = "medical_insurance"
    _last_day: dict = {}  # the China day refigure_bases last ran for (one per process)
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bureau issues
    store = MongoStore(MedicalInsuranceStore)
    rules = domain  # change_answer, clearance_blockers: the handlers are kit.unit_bureau's

    def open_unit(self, event, at) -> list[dict]:  # licence_issued (kit.unit_bureau)
        return workflow.open_unit(self.store, FIGURES, event, at)

    @timer(interval=30)
    def refigure_bases(self) -> int:
        """New figures loaded (`onestop rates load`) or a China day begun (a period may have run out):
        the bases due are determined again; otherwise nothing is read."""
        today = clock.china_today()
        if not (FIGURES.changed_since_last_look() or today != self._last_day.get("day")):
            return 0
        self._last_day["day"] = today
        return workflow.refigure_bases(self.store, FIGURES, clock.now())

    def clerk_queue(self) -> queue.ClerkQueue:  # the five clerk RPCs come from kit.clerk.ClerkRpc
        return queue.ClerkQueue(self.store, FIGURES, self._publish)

    def document_desk(self) -> units.CertificateDesk:  # list_documents, get_document: kit.entrypoints
        return workflow.document_desk(self.store, FIGURES, clock.now(), self.signer)

    # ---- the unit and its members (增减员)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_unit(self, uscc: str) -> dict:
        return workflow.get_unit(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def enrol_member(self, uscc: str, employee: dict, request_id: str | None = None) -> dict:
        return workflow.enrol_member(self.store, FIGURES, uscc, employee, request_id, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def end_membership(self, uscc: str, resident_id: str, end_date: str | None = None) -> dict:
        return workflow.end_membership(self.store, uscc, resident_id, end_date, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_members(self, uscc: str) -> list[dict]:
        return workflow.list_members(self.store, uscc)
