"""A participating bank (银行预约开户) as a Nameko service: entrypoints only.

Rules live in domain/ (pure), the answers in views.py, the use cases in workflow.py, the database in store.py, the branches in
contracts/data/bank_branches_wuhan.json (DEMO data). Every state change writes its events into the
account's outbox in the same update; `_publish` sends them at once and the timer relays whatever a
dead worker left behind.
"""

from __future__ import annotations

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts import clock
from contracts.events import parse_event
from contracts.rpc import OneStopError
from kit import clerk, entrypoints
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.entrypoints import Desk
from kit.events import durable_handler
from kit.mongo import MongoStore
from kit.outbox import flush, relay
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.bank import clerk as queue
from services.bank import documents, workflow
from services.bank.domain import after_start
from services.bank.store import BankStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


class BankService(entrypoints.BureauEntrypoints, clerk.ClerkRpc):
    name = "bank"
    store = MongoStore(BankStore)
    owners = Owners(source=Source("accounts"))  # who founded what, folded into the first write
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bank issues
    dispatch = EventDispatcher()

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            event = parse_event("registration", payload)
            self._publish(event.application_id, workflow.reserve(self.store, event, clock.now()))

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        answer_change(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                      self.store.by_uscc, after_start.change_answer, self.store.apply_change)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        # an opened account blocks until the counter closes it: its closing task is queued first
        event = parse_event("registration", payload)
        self._publish(event.application_id, workflow.queue_closing(self.store, event, clock.now()))
        answer_clearance(self.name, self.store.change_answers, self.dispatch, event,
                         lambda uscc: after_start.clearance_blockers(self.store.by_uscc(uscc)))

    @durable_handler("registration", "company_deregistered")
    def on_company_deregistered(self, payload: dict) -> None:
        # a reservation never opened lapses (an opened account was closed before: it blocked the closing)
        event = parse_event("registration", payload)
        self._publish(event.application_id, workflow.lapse_on_deregistration(self.store, event, clock.now()))

    @timer(interval=2)
    def relay_outbox(self) -> int:
        return relay(self.store.accounts, self.dispatch) + relay(self.store.change_answers.collection, self.dispatch)

    @timer(interval=60)
    def release_stray_places(self) -> int:
        return workflow.release_stray_places(self.store, clock.now())

    def clerk_queue(self) -> queue.ClerkQueue:  # the five clerk RPCs come from kit.clerk.ClerkRpc
        return queue.ClerkQueue(self.store, self._publish)

    def document_desk(self) -> Desk:  # list_documents, get_document: kit.entrypoints
        return Desk(lambda application_id: workflow.list_documents(self.store, application_id),
                    lambda application_id, name: workflow.get_document(self.store, application_id, name, self.signer))

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_account(self, uscc: str) -> dict:
        return workflow.get_account(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def move_appointment(self, uscc: str, appointment_date: str, appointment_slot: str) -> dict:
        view, entries = workflow.move_appointment(self.store, uscc, appointment_date, appointment_slot, clock.now())
        self._publish(view["application_id"], entries)
        return view

    @rpc(expected_exceptions=OneStopError)
    def slot_has_room(self, branch_id: str, day: str, slot: str) -> bool:
        return workflow.slot_has_room(self.store, branch_id, day, slot)

    @rpc(expected_exceptions=OneStopError, public=True)
    def list_branches(self) -> list[dict]:
        return workflow.branches()

    def _publish(self, application_id: str, entries: list[dict]) -> None:
        if entries:
            flush(self.store.accounts, application_id, entries, self.dispatch)
