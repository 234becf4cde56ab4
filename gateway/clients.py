"""Typed clients of the bureaus: one class per bureau, one method per RPC the gateway calls, so a
call's name, arguments and request model are checked here once instead of as strings everywhere.
Each wraps the RPC pool (`gateway.rpc.Bureaus`); requests are the models of `contracts.rpc.*`.

Every reply is validated against its contract (contracts/rpc/replies.py), the model the bureau built it
with: a reply that does not fit is `BadReply` (502), logged with where it failed and never what it held
(replies carry names and masked IDs). Clerk tasks and documents come back as their models; the other
replies as the contract's JSON (what the gateway's pages and answers index today), and the HTTP API
declares the same models as its response schemas."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pydantic import ValidationError

from contracts import bureaus as manifest
from contracts.changes import ChangeRequest, CreditorObjection, ObjectionAnswer
from contracts.closing import ClosingRequest, ObjectionRequest
from contracts.liquidation import LiquidationRequest, ReportRequest
from contracts.rpc import BadReply, Document, Task, replies
from contracts.rpc.bank import AppointmentChoice
from contracts.rpc.seal import SignedDocument, SignRequest
from contracts.rpc.social_security import EmployeeEnrolment
from contracts.rpc.tax import DeclarationRequest, InvoiceRequest, RedLetterRequest
from gateway.rpc import Bureaus

log = logging.getLogger(__name__)


class BureauClient:
    """What every bureau answers: health, documents and the five clerk RPCs (kit.clerk.ClerkRpc)."""

    def __init__(self, bureaus: Bureaus, name: str):
        self.bureaus, self.name = bureaus, name

    def _typed(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """The reply as its contract's type (a model, a list of them, a str...)."""
        raw = self.bureaus.call(self.name, method, *args, **kwargs)
        try:
            return replies.adapter(self.name, method).validate_python(raw)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(reply)'}: {e['type']}"
                              for e in exc.errors(include_url=False, include_input=False)[:10])
            log.error("%s.%s replied outside its contract (%d errors): %s", self.name, method,
                      exc.error_count(), where)
            raise BadReply(f"{self.name} 的答复不符合约定，请稍后再试") from None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """The reply checked against its contract, as the contract's JSON."""
        value = self._typed(method, *args, **kwargs)
        return replies.adapter(self.name, method).dump_python(value, mode="json")

    def health(self, timeout: float | None = None) -> dict:
        return self._call("health", timeout=timeout)

    def document(self, application_id: str, name: str) -> Document:
        return self._typed("get_document", application_id, name)

    def list_tasks(self, state: str) -> list[Task]:
        return self._typed("list_tasks", state)

    def get_task(self, task_id: str) -> Task:
        return self._typed("get_task", task_id)

    def claim_task(self, task_id: str, clerk: str) -> Task:
        return self._typed("claim_task", task_id, clerk)

    def release_task(self, task_id: str, clerk: str) -> Task:
        return self._typed("release_task", task_id, clerk)

    def act_on_task(self, task_id: str, clerk: str, action: str, payload: dict[str, Any]) -> Task:
        return self._typed("act_on_task", task_id, clerk, action, payload)


class RegistrationClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "registration")

    def check_name(self, name: str, district_code: str | None, scope: list[str] | None,
                   application_id: str | None = None, linked: list[str] | None = None,
                   declared: dict | None = None) -> dict:
        """`application_id` (the caller's own application, being corrected): its reserved name is no conflict.
        `linked`: the form's corporate shareholders' USCCs and names (a protected brand's owner may lend it).
        `declared`: the form's name parts, checked as declared (the 字号 not re-parsed)."""
        if declared is not None:
            return self._call("check_name", name, district_code, scope, application_id, linked, declared)
        if linked:
            return self._call("check_name", name, district_code, scope, application_id, linked)
        if application_id:
            return self._call("check_name", name, district_code, scope, application_id)
        return self._call("check_name", name, district_code, scope)

    def verify(self, uscc: str, version: int | None = None) -> dict:
        return self._call("verify", uscc, version)

    def legal_representative_of(self, uscc: str, founder_id: str) -> dict:
        """{"registered": False} or {"registered": True, "name", "resident_id"} (gateway/corporate_parties.py)."""
        return self._call("legal_representative_of", uscc, founder_id)

    def request_change(self, uscc: str, founder_id: str, change_id: str, change: ChangeRequest,
                       founder_resident_id: str | None = None) -> dict:
        return self._call("request_change", uscc, founder_id, change_id,
                          change.model_dump(mode="json", exclude_none=True), founder_resident_id)

    def change_confirmations(self, resident_id: str) -> list[dict]:
        return self._call("change_confirmations", resident_id)

    def decide_change(self, uscc: str, change_id: str, resident_id: str, decision: dict) -> dict:
        return self._call("decide_change", uscc, change_id, resident_id, decision)

    def correct_change(self, uscc: str, founder_id: str, change_id: str, change: ChangeRequest,
                       founder_resident_id: str | None = None, keep_others: bool = False) -> dict:
        return self._call("correct_change", uscc, founder_id, change_id,
                          change.model_dump(mode="json", exclude_none=True), founder_resident_id, keep_others)

    def object_to_decrease(self, uscc: str, objection: CreditorObjection) -> dict:
        return self._call("object_to_decrease", uscc, objection.model_dump(mode="json"))

    def answer_objection(self, uscc: str, founder_id: str, change_id: str, objection_id: str,
                         answer: ObjectionAnswer) -> dict:
        return self._call("answer_objection", uscc, founder_id, change_id, objection_id,
                          answer.model_dump(mode="json", exclude_none=True))

    def after_start_stats(self) -> dict:
        return self._call("after_start_stats")

    def get_change(self, uscc: str, founder_id: str, change_id: str) -> dict:
        return self._call("get_change", uscc, founder_id, change_id)

    def list_changes(self, uscc: str, founder_id: str) -> list[dict]:
        return self._call("list_changes", uscc, founder_id)

    def request_closure(self, uscc: str, founder_id: str, closure_id: str, request: ClosingRequest) -> dict:
        return self._call("request_closure", uscc, founder_id, closure_id, request.model_dump(mode="json"))

    def request_liquidation(self, uscc: str, founder_id: str, closure_id: str, request: LiquidationRequest) -> dict:
        return self._call("request_liquidation", uscc, founder_id, closure_id, request.model_dump(mode="json"))

    def file_liquidation_report(self, uscc: str, founder_id: str, closure_id: str, report: ReportRequest) -> dict:
        return self._call("file_liquidation_report", uscc, founder_id, closure_id, report.model_dump(mode="json"))

    def recheck_closure(self, uscc: str, founder_id: str, closure_id: str) -> dict:
        return self._call("recheck_closure", uscc, founder_id, closure_id)

    def get_closure(self, uscc: str, founder_id: str, closure_id: str) -> dict:
        return self._call("get_closure", uscc, founder_id, closure_id)

    def list_closures(self, uscc: str, founder_id: str) -> list[dict]:
        return self._call("list_closures", uscc, founder_id)

    def record_objection(self, uscc: str, objection: ObjectionRequest) -> dict:
        return self._call("record_objection", uscc, objection.model_dump(mode="json"))

    def licence_public_key(self) -> dict:
        return self._call("licence_public_key")

    def revoke_licence(self, uscc: str, reason: str) -> dict:
        return self._call("revoke_licence", uscc, reason)


class SealClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "seal")

    def lookup_seal(self, code: str) -> dict:
        return self._call("lookup_seal", code)

    def sign_document(self, uscc: str, code: str, request: SignRequest) -> SignedDocument:
        return self._typed("sign_document", uscc, code, request.model_dump(mode="json"))

    def list_seal_uses(self, uscc: str) -> list[dict]:
        return self._call("list_seal_uses", uscc)

    def report_seal_lost(self, uscc: str, code: str, reason: str) -> dict:
        return self._call("report_seal_lost", uscc, code, reason)

    def electronic_seal_data(self, uscc: str, code: str) -> Document:
        return self._typed("electronic_seal_data", uscc, code)

    def seal_crl(self) -> str:
        return self._call("seal_crl")

    def seal_certificate_status(self, serial, digest: str | None) -> dict | None:
        return self._call("seal_certificate_status", serial, digest)


class TaxClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "tax")

    def issue_invoice(self, uscc: str, request: InvoiceRequest) -> dict:
        return self._call("issue_invoice", uscc, request.model_dump(mode="json"))

    def red_letter(self, uscc: str, invoice_number: str, request: RedLetterRequest) -> dict:
        return self._call("red_letter", uscc, invoice_number, request.model_dump(mode="json"))

    def list_invoices(self, uscc: str) -> list[dict]:
        return self._call("list_invoices", uscc)

    def file_declaration(self, uscc: str, declaration: DeclarationRequest) -> dict:
        return self._call("file_declaration", uscc, declaration.model_dump(mode="json"))

    def list_declarations(self, uscc: str) -> list[dict]:
        return self._call("list_declarations", uscc)

    def raise_red_letter_form(self, uscc: str, invoice_number: str, request: RedLetterRequest) -> dict:
        return self._call("raise_red_letter_form", uscc, invoice_number, request.model_dump(mode="json"))

    def answer_red_letter_form(self, buyer_uscc: str, form_id: str, answer: dict) -> dict:
        return self._call("answer_red_letter_form", buyer_uscc, form_id, answer)

    def red_letter_forms(self, uscc: str) -> list[dict]:
        return self._call("red_letter_forms", uscc)

    def confirm_invoice_use(self, buyer_uscc: str, invoice_number: str, use: dict) -> dict:
        return self._call("confirm_invoice_use", buyer_uscc, invoice_number, use)

    def received_invoices(self, buyer_uscc: str) -> list[dict]:
        return self._call("received_invoices", buyer_uscc)


class SocialSecurityClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "social_security")

    def enrol_employee(self, uscc: str, employee: EmployeeEnrolment, request_id: str | None) -> dict:
        return self._call("enrol_employee", uscc, employee.model_dump(mode="json"), request_id)

    def end_employment(self, uscc: str, employee_id: str, end_date: date | None) -> dict:
        return self._call("end_employment", uscc, employee_id, end_date.isoformat() if end_date else None)

    def list_staff(self, uscc: str) -> list[dict]:
        return self._call("list_staff", uscc)

    def person_of(self, uscc: str, employee_id: str) -> dict:
        """The unmasked resident ID of one enrolment: for naming the leaver at the other bureaus only."""
        return self._call("person_of", uscc, employee_id)


class MedicalInsuranceClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "medical_insurance")

    def enrol_member(self, uscc: str, employee: EmployeeEnrolment, request_id: str) -> dict:
        return self._call("enrol_member", uscc, employee.model_dump(mode="json"), request_id)

    def end_membership(self, uscc: str, resident_id: str, end_date: date | None) -> dict:
        return self._call("end_membership", uscc, resident_id, end_date.isoformat() if end_date else None)

    def list_members(self, uscc: str) -> list[dict]:
        return self._call("list_members", uscc)


class HousingFundClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "housing_fund")

    def open_account(self, uscc: str, employee: EmployeeEnrolment, request_id: str) -> dict:
        return self._call("open_account", uscc, employee.model_dump(mode="json"), request_id)

    def close_account_of(self, uscc: str, resident_id: str, end_date: date | None) -> dict:
        return self._call("close_account_of", uscc, resident_id, end_date.isoformat() if end_date else None)


class BankClient(BureauClient):
    def __init__(self, bureaus: Bureaus):
        super().__init__(bureaus, "bank")

    def slot_has_room(self, branch_id: str, day: date, slot: str) -> bool:
        return bool(self._call("slot_has_room", branch_id, day.isoformat(), slot))

    def move_appointment(self, uscc: str, choice: AppointmentChoice) -> dict:
        return self._call("move_appointment", uscc, choice.appointment_date, choice.appointment_slot)

    def get_account(self, uscc: str) -> dict:
        return self._call("get_account", uscc)


class Clients:
    """Every bureau's client, by name too (the manifest's names), for the per-bureau loops."""

    def __init__(self, bureaus: Bureaus):
        self._bureaus = bureaus
        self.registration = RegistrationClient(bureaus)
        self.seal = SealClient(bureaus)
        self.tax = TaxClient(bureaus)
        self.social_security = SocialSecurityClient(bureaus)
        self.medical_insurance = MedicalInsuranceClient(bureaus)
        self.housing_fund = HousingFundClient(bureaus)
        self.bank = BankClient(bureaus)

    def of(self, name: str) -> BureauClient:
        """A bureau's client by its manifest name (or the tracker's, "gateway", for its health); one
        without calls of its own gets the common ones."""
        if name not in manifest.SERVICES:
            raise KeyError(name)
        client = getattr(self, name, None)
        return client if isinstance(client, BureauClient) else BureauClient(self._bureaus, name)
