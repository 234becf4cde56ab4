"""The market regulator (市场监督管理局): name check, review, licence. Entrypoints only."""

from __future__ import annotations

import logging

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.timer import timer
from pydantic import ValidationError

from contracts import clock
from contracts.bureaus import AFTER_START, CHANGE_ANSWERERS
from contracts.codes import USCC_CHARSET, is_known_district
from contracts.events import parse_event
from contracts.form import CompanyName, pydantic_field_errors
from contracts.rpc import FieldError, Invalid, OneStopError
from kit import clerk, entrypoints
from kit.events import durable_handler
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.registration import (
    after_start_stats,
    change_parties,
    creditor_objections,
    documents,
    name_change,
    signing,
    views,
)
from services.registration.allocator import allocator_from_config
from services.registration.changes import ChangeDesk, verification
from services.registration.clerk import ClerkQueue
from services.registration.closing import ClosingDesk
from services.registration.store import RegistrationMongo
from services.registration.workflow import Registrar, Settings

log = logging.getLogger(__name__)

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


class RegistrationService(entrypoints.DocumentRpc, entrypoints.HealthRpc, clerk.ClerkRpc):
    name = "registration"
    store = RegistrationMongo()
    # who founded what: the case names its founder, so no register write (kit/owners.py)
    owners = Owners(source=Source("cases", application="_id", uscc="licence.uscc", founder="founder_id"))
    dispatch = EventDispatcher()
    config = Config()
    signer = SigningIdentity(signing.identity)  # signs every licence PDF

    @property
    def registrar(self) -> Registrar:
        return Registrar(self.store, self.dispatch, Settings.from_config(self.config),
                         allocator_from_config(self.config, self.store.next_sequence))

    # ---- events ----------------------------------------------------------------------------------

    # Durable: a database blip redelivers the event (every step is idempotent) instead of losing it.
    @durable_handler("gateway", "application_submitted")
    def on_application_submitted(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            self.registrar.on_submitted(parse_event("gateway", payload))

    @durable_handler("gateway", "application_corrected")
    def on_application_corrected(self, payload: dict) -> None:
        self.registrar.on_corrected(parse_event("gateway", payload))

    def on_change_recorded(self, source: str, payload: dict) -> None:
        self.changes.on_answer(parse_event(source, payload))

    @timer(interval=2)
    def relay_outbox(self) -> None:
        self.store.relay(self.dispatch)

    @timer(interval=5)
    def settle_closures(self) -> None:
        # the end of a closing's notice period (contracts.clock: a pinned clock moves it in tests)
        self.closings.settle_due(clock.now())
        self.changes.settle_due(clock.now())  # a capital decrease's creditor period (contracts.capital)
        change_parties.expire_due(self.store, clock.now())  # confirmations not given in time

    @timer(interval=1)
    def mark_names(self) -> None:
        self.store.mark_pending()  # approved cases' names, one bulk write a tick (store.mark_registered_soon)

    @timer(interval=60)
    def settle_names(self) -> None:
        self.registrar.settle_names(clock.now())
        name_change.sweep(self.store, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def legal_representative_of(self, uscc: str, founder_id: str) -> dict:
        """A company registered here, named as a corporate shareholder on a founder's form: its current
        legal representative (the registered form, changes applied), who confirms for it (issue 20). For
        the gateway only (a founder's own call, `founder_id` checked): the number keys that person's
        confirmation there and is never shown to the founder."""
        if not isinstance(uscc, str) or len(uscc) != 18:
            raise Invalid.with_fields("统一社会信用代码应为18位", [FieldError(field="uscc", message="格式不正确")])
        return views.legal_representative_view(self.store.case_by_uscc(uscc.upper()))

    # ---- change of details (变更登记) -------------------------------------------------------------

    @property
    def changes(self) -> ChangeDesk:
        return ChangeDesk(self.store, self.dispatch, self.registrar.check_form_name)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def request_change(self, uscc: str, founder_id: str, change_id: str, change: dict,
                       founder_resident_id: str | None = None) -> dict:
        return self.changes.request(uscc, founder_id, change_id, change, founder_resident_id)

    @rpc(expected_exceptions=OneStopError)
    def change_confirmations(self, resident_id: str) -> list[dict]:
        """The open changes naming this person (the gateway asks with its verified account's number)."""
        return change_parties.awaiting_for(self.store, str(resident_id))

    @rpc(expected_exceptions=OneStopError)
    def decide_change(self, uscc: str, change_id: str, resident_id: str, decision: dict) -> dict:
        return change_parties.decide(self.changes, uscc, change_id, str(resident_id), decision)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def correct_change(self, uscc: str, founder_id: str, change_id: str, change: dict,
                       founder_resident_id: str | None = None, keep_others: bool = False) -> dict:
        """The founder's correction of a change a clerk sent back (change_review.py); `keep_others`:
        the sections not given stay as requested."""
        return self.changes.correct(uscc, founder_id, change_id, change, founder_resident_id, bool(keep_others))

    @rpc(expected_exceptions=OneStopError)
    def object_to_decrease(self, uscc: str, objection: dict) -> dict:
        """A creditor's objection to an open capital decrease (公司法 art. 224; public, via the gateway)."""
        return creditor_objections.record(self.store, uscc, objection)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def answer_objection(self, uscc: str, founder_id: str, change_id: str, objection_id: str, answer: dict) -> dict:
        return self.changes.answer_objection(uscc, founder_id, change_id, objection_id, answer)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def get_change(self, uscc: str, founder_id: str, change_id: str) -> dict:
        return self.changes.get(uscc, founder_id, change_id)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def list_changes(self, uscc: str, founder_id: str) -> list[dict]:
        return self.changes.list(uscc, founder_id)

    # ---- closing (简易注销) ----------------------------------------------------------------------

    @property
    def closings(self) -> ClosingDesk:
        return ClosingDesk(self.store, self.dispatch)

    def on_clearance_answered(self, source: str, payload: dict) -> None:
        self.closings.on_answer(parse_event(source, payload))

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def request_closure(self, uscc: str, founder_id: str, closure_id: str, request: dict) -> dict:
        return self.closings.request(uscc, founder_id, closure_id, request)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def request_liquidation(self, uscc: str, founder_id: str, closure_id: str, request: dict) -> dict:
        """一般注销: file the liquidation group (contracts.liquidation)."""
        return self.closings.request_general(uscc, founder_id, closure_id, request)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def file_liquidation_report(self, uscc: str, founder_id: str, closure_id: str, report: dict) -> dict:
        return self.closings.file_report(uscc, founder_id, closure_id, report)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def recheck_closure(self, uscc: str, founder_id: str, closure_id: str) -> dict:
        return self.closings.recheck(uscc, founder_id, closure_id)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def get_closure(self, uscc: str, founder_id: str, closure_id: str) -> dict:
        return self.closings.get(uscc, founder_id, closure_id)

    @rpc(expected_exceptions=OneStopError)
    @owned("founder_id")
    def list_closures(self, uscc: str, founder_id: str) -> list[dict]:
        return self.closings.list(uscc, founder_id)

    @rpc(expected_exceptions=OneStopError)
    def record_objection(self, uscc: str, objection: dict) -> dict:
        return self.closings.object(uscc, objection)

    @rpc(expected_exceptions=OneStopError, public=True)
    def after_start_stats(self) -> dict:
        """Open data: counts and median working days of changes and closings (after_start_stats.py)."""
        return after_start_stats.compute(self.store)

    # ---- name check and cases -----------------------------------------------------------------

    @rpc(expected_exceptions=OneStopError, public=True)
    def check_name(self, name: str, district_code: str | None = None, scope: list[str] | None = None,
                   application_id: str | None = None, linked: list[str] | None = None,
                   declared: dict | None = None) -> dict:
        """`application_id`: during a correction, that application's own reserved name is no conflict
        (the gateway passes it only for the founder's own application). `declared`: the form's name parts
        (contracts.form.CompanyName): checked as declared, the 字号 never re-parsed from the full name."""
        if not isinstance(name, str):
            raise Invalid.with_fields("请填写企业名称", [FieldError(field="name", message="应为文字")])
        if district_code is not None and not is_known_district(district_code):
            raise Invalid.with_fields("住所所在区不在本系统服务范围内",
                                      [FieldError(field="district_code", message="应为武汉市13个区之一的代码")])
        if application_id is not None and not isinstance(application_id, str):
            raise Invalid.with_fields("申请编号格式不正确", [FieldError(field="application_id", message="应为文字")])
        if linked is not None and (not isinstance(linked, list) or len(linked) > 400
                                   or not all(isinstance(x, str) and len(x) <= 80 for x in linked)):
            raise Invalid.with_fields("股东信息格式不正确", [FieldError(field="linked", message="应为文字列表")])
        parts = None
        if declared is not None:
            try:
                parts = CompanyName.model_validate(declared)
            except ValidationError as exc:
                raise Invalid.with_fields("企业名称各部分格式不正确", pydantic_field_errors(exc)) from None
        return self.registrar.check_name(name, district_code, scope, application_id, linked, parts).as_dict()

    @rpc(expected_exceptions=OneStopError)
    @owned("application_id")
    def get_case(self, application_id: str) -> dict:
        return views.case_view(self.registrar.case(application_id), clock.now())

    @rpc(expected_exceptions=OneStopError, public=True)
    def verify(self, uscc: str, version: int | None = None) -> dict:
        if not isinstance(uscc, str) or len(uscc) != 18 or any(c not in USCC_CHARSET for c in uscc.upper()):
            raise Invalid.with_fields("统一社会信用代码应为18位数字或大写字母",
                                      [FieldError(field="uscc", message="格式不正确")])
        case = self.store.case_by_uscc(uscc.upper())
        if case is None:
            return views.unknown_licence()
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise Invalid.with_fields("执照版本无效", [FieldError(field="version", message="应为正整数")])
        return verification(case, version)

    @rpc(expected_exceptions=OneStopError, public=True)
    def licence_public_key(self) -> dict:
        return signing.signer_from_config(self.config).public_document()

    @rpc(expected_exceptions=OneStopError)
    def revoke_licence(self, uscc: str, reason: str) -> dict:
        return signing.revoke(self.store, self.dispatch, uscc, reason)

    # ---- clerk tasks: the five RPCs come from kit.clerk.ClerkRpc -------------------------------

    def clerk_queue(self) -> ClerkQueue:
        return ClerkQueue(self.registrar)

    # ---- documents ----------------------------------------------------------------------------

    def document_desk(self) -> documents.LicenceDesk:  # list_documents, get_document: kit.entrypoints
        def render(licence) -> bytes:
            return documents.render_licence(licence, Settings.from_config(self.config).public_base_url,
                                            signing.signer_from_config(self.config), self.signer)

        return documents.LicenceDesk(self.registrar.case, self.store.documents, render)


def _answer_handler(source: str, event_type: str):
    # a bureau's answer to a change of details or a closing; durable: a passing failure redelivers it
    def handle(self, payload: dict) -> None:
        getattr(self, f"on_{event_type}")(source, payload)

    handle.__name__ = handle.__qualname__ = f"on_{source}_{event_type}"
    return durable_handler(source, event_type)(handle)


for _source in CHANGE_ANSWERERS:  # nameko binds one handler to one (source, event type)
    for _type in AFTER_START:
        setattr(RegistrationService, f"on_{_source}_{_type}", _answer_handler(_source, _type))
