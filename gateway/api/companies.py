from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from contracts.changes import ChangeRequest, ObjectionAnswer
from contracts.closing import ClosingRequest
from contracts.liquidation import LiquidationRequest, ReportRequest
from contracts.rpc import bank, medical_insurance, registration, social_security, tax
from gateway.api.deps import GatewayDep, Who
from gateway.companies import (
    AppointmentChoice,
    DeclarationRequest,
    InvoiceRequest,
    InvoiceUse,
    RedLetterFormAnswer,
    RedLetterRequest,
)
from gateway.staffing import EmployeeRequest, status_of

router = APIRouter(prefix="/api/v1/companies/{uscc}", tags=["companies"])


@router.get("/bank-account", summary="The basic account at the bank: appointment, number, state (bank)")
def bank_account(uscc: str, who: Who, gateway: GatewayDep) -> bank.BankAccount:
    return gateway.companies.bank_account(who, uscc)


@router.put("/bank-account/appointment", summary="Choose or move the bank appointment (bank, 改约)")
def move_bank_appointment(uscc: str, body: AppointmentChoice, who: Who, gateway: GatewayDep) -> bank.BankAccount:
    """While the account is reserved (not yet opened at the counter): a working day after today within
    the bank's horizon and one of the branch's slots; a full slot is a 422 on `appointment_slot` (the
    slot's capacity holds however many ask at once); the old place is given back. The same choice again
    answers the same; an opened or refused account is a 409."""
    return gateway.companies.move_bank_appointment(who, uscc, body)


@router.get("/medical-insurance/members",
            summary="Staff records in 职工医保 (bases: provisional or settled, the previous one; medical insurance)")
def medical_members(uscc: str, who: Who, gateway: GatewayDep) -> list[medical_insurance.Member]:
    """Each record's `contribution_base`, `base_provisional` (暂定: past the last published period) and,
    once the bureau determined it again on new figures or a new period, `previous_base`."""
    return gateway.companies.medical_members(who, uscc)


@router.post("/invoices", status_code=201, summary="Issue an invoice (tax)")
def issue_invoice(uscc: str, body: InvoiceRequest, who: Who, gateway: GatewayDep) -> tax.Invoice:
    """Only the founder of the application that got this USCC (else 404). The same `request_id`
    returns the same invoice."""
    return gateway.companies.issue_invoice(who, uscc, body)


@router.post("/invoices/{number}/red-letter", status_code=201, summary="Reverse an invoice (tax, 红字发票)")
def red_letter(uscc: str, number: str, body: RedLetterRequest, who: Who, gateway: GatewayDep) -> tax.Invoice:
    """A red-letter invoice for one of the coded reasons, of all that is left of the invoice or (`lines`) of
    part of it; the same `request_id` returns the same one. 422 on the field when a line exceeds what is
    left; 409 once the buyer has used the invoice (then raise a `red-letter-forms` for the buyer to confirm)."""
    return gateway.companies.red_letter(who, uscc, number, body)


@router.post("/invoices/{number}/red-letter-forms", status_code=201,
             summary="Raise a 红字发票信息确认单 on an invoice the buyer has used (tax)")
def raise_red_letter_form(uscc: str, number: str, body: RedLetterRequest, who: Who,
                          gateway: GatewayDep) -> tax.RedLetterForm:
    """国家税务总局公告2024年第11号: the red-letter invoice is issued when the buyer confirms; a form not
    confirmed within the window of services/tax/data/vat_rates.json (72 hours) is void. 409 when the
    buyer has not used the invoice (reverse it directly)."""
    return gateway.companies.raise_red_letter_form(who, uscc, number, body)


@router.get("/red-letter-forms", summary="确认单 the company raised as seller or must answer as buyer (tax)")
def red_letter_forms(uscc: str, who: Who, gateway: GatewayDep) -> list[tax.RedLetterForm]:
    return gateway.companies.red_letter_forms(who, uscc)


@router.post("/red-letter-forms/{form_id}/answer", summary="The buyer confirms (red invoice issued) or refuses (tax)")
def answer_red_letter_form(uscc: str, form_id: str, body: RedLetterFormAnswer, who: Who,
                           gateway: GatewayDep) -> tax.RedLetterForm:
    """`uscc` is the buyer's company. Confirming issues the red-letter invoice at once (`red_number`)."""
    return gateway.companies.answer_red_letter_form(who, uscc, form_id, body)


@router.get("/received-invoices", summary="Invoices issued to this company (tax)")
def received_invoices(uscc: str, who: Who, gateway: GatewayDep) -> list[tax.Invoice]:
    return gateway.companies.received_invoices(who, uscc)


@router.post("/received-invoices/{number}/use", summary="The buyer's 用途确认 or 入账确认 of a received invoice (tax)")
def confirm_invoice_use(uscc: str, number: str, body: InvoiceUse, who: Who, gateway: GatewayDep) -> tax.Invoice:
    return gateway.companies.confirm_invoice_use(who, uscc, number, body)


@router.post("/tax-declarations", status_code=201, summary="File one period's tax declaration (纳税申报)")
def file_declaration(uscc: str, body: DeclarationRequest, who: Who, gateway: GatewayDep) -> tax.Declaration:
    """《税收征收管理法》第二十五条. `period` "2026-Q4" for a small-scale taxpayer, "2026-11" for a general
    one; `tax_due` 0 for a 零申报. The same declaration again is a retry; another amount is a 409. A
    closing's tax clearance lists every expected period without one as a blocker."""
    return gateway.companies.file_declaration(who, uscc, body)


@router.get("/tax-declarations", summary="The periods tax expects a declaration for, and which are filed")
def list_declarations(uscc: str, who: Who, gateway: GatewayDep) -> list[tax.Declaration]:
    return gateway.companies.list_declarations(who, uscc)


@router.get("/invoices", summary="Invoices issued (tax)")
def list_invoices(uscc: str, who: Who, gateway: GatewayDep) -> list[tax.Invoice]:
    return gateway.companies.list_invoices(who, uscc)


@router.post("/employees", status_code=201, summary="Hire an employee (social security, medical insurance, housing fund)")
def enrol(uscc: str, body: EmployeeRequest, who: Who, gateway: GatewayDep,
          idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None) -> Any:
    """ONE request reaches every bureau that keeps the company's staff (gateway.staffing): the answer
    lists each bureau's (`answers`: done, refused with its reason, unavailable, or not_applicable) and
    `outcome` (done, partial, refused). A bureau's refusal does not undo the others; the same
    `Idempotency-Key` gets every bureau's first answer again and asks again those that did not do it.
    201 when any bureau did it; when none did, the first refusal's status with the same body."""
    result = gateway.staffing.hire(who, uscc, body, idempotency_key)
    return JSONResponse(result, status_code=status_of(result, 201))


@router.get("/employees", summary="Staff enrolled (resident IDs masked; with the 就业登记 of each)")
def list_staff(uscc: str, who: Who, gateway: GatewayDep) -> list[social_security.StaffMember]:
    return gateway.staffing.list_staff(who, uscc)


@router.delete("/employees/{employee_id}", summary="An employee leaves (every bureau that has them)")
def end_employment(uscc: str, employee_id: str, who: Who, gateway: GatewayDep,
                   end_date: date | None = None) -> Any:
    """`employee_id` as the staff list shows it; the answer has the same shape as a hire's."""
    result = gateway.staffing.leave(who, uscc, employee_id, end_date)
    return JSONResponse(result, status_code=status_of(result, 200))


@router.post("/changes", status_code=201, summary="Change of details (变更登记): one request to every bureau")
def request_change(uscc: str, body: ChangeRequest, who: Who, gateway: GatewayDep,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> registration.Change:
    """Only the founder of the company. Registration registers a standard change at once and issues a
    new licence version (same USCC); seal, tax and social security each answer. A change adding a
    licensed scope item or with a new name similar to another is `under_review` (a registration clerk
    decides; `review` says why and by when; a correction comes back as `correction_requested`). 409
    while another change is open (it is named); 422 with field errors when the result would break a
    form rule."""
    return gateway.companies.request_change(who, uscc, body, idempotency_key)


@router.get("/changes", summary="The company's changes of details")
def list_changes(uscc: str, who: Who, gateway: GatewayDep) -> list[registration.Change]:
    return gateway.companies.list_changes(who, uscc)


@router.post("/changes/{change_id}/correction", summary="Correct a change the registration clerk sent back")
def correct_change(uscc: str, change_id: str, body: ChangeRequest, who: Who, gateway: GatewayDep) -> registration.Change:
    """The whole change as it should now be (the same shape as the request); it goes back to the clerk
    who asked (`review.revision` + 1). 409 when the change awaits no correction; 422 with field errors."""
    return gateway.companies.correct_change(who, uscc, change_id, body)


@router.post("/changes/{change_id}/objections/{objection_id}/answer",
             summary="Record how the company answered a creditor's objection to its capital decrease")
def answer_objection(uscc: str, change_id: str, objection_id: str, body: ObjectionAnswer, who: Who,
                     gateway: GatewayDep) -> registration.Change:
    """公司法 art. 224: debt settled (`settled`) or a guarantee provided (`guaranteed`). The decrease is
    registered after its creditor period once every objection is answered. 409 when already answered."""
    return gateway.companies.answer_objection(who, uscc, change_id, objection_id, body)


@router.get("/changes/{change_id}", summary="One change with each bureau's answer and its timeline")
def get_change(uscc: str, change_id: str, who: Who, gateway: GatewayDep) -> dict[str, Any]:
    return gateway.companies.change(who, uscc, change_id)


@router.post("/closures", status_code=201, summary="Close the company (简易注销): one request to every bureau")
def request_closure(uscc: str, body: ClosingRequest, who: Who, gateway: GatewayDep,
                    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> registration.Closure:
    """Only the founder. Registration publishes the 20-day notice (条例 art. 33); every bureau checks its
    records and answers with its blockers; after the notice, with no objection and every bureau cleared,
    the company is deregistered. 409 while a change or another closing is open; 422 without the commitment."""
    return gateway.companies.request_closure(who, uscc, body, idempotency_key)


@router.post("/liquidations", status_code=201, summary="General deregistration (一般注销): file the liquidation group")
def request_liquidation(uscc: str, body: LiquidationRequest, who: Who, gateway: GatewayDep,
                        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> registration.Closure:
    """Only the founder. The group formed within 15 days of the dissolution (公司法 art. 232), the creditors
    notified (art. 235); registration publishes the creditor notice today and every bureau checks its
    records; the 45-day declaration period runs; then the liquidation report (`/closures/{id}/report`).
    The closing is a closure like the simplified one (`GET /closures/{id}`, with each step's deadline)."""
    return gateway.companies.request_liquidation(who, uscc, body, idempotency_key)


@router.post("/closures/{closure_id}/report", summary="File the liquidation report (一般注销, art. 239)")
def file_report(uscc: str, closure_id: str, body: ReportRequest, who: Who, gateway: GatewayDep) -> registration.Closure:
    """Accepted once the declaration period is over (409 before, naming its last day); registration then
    deregisters when every bureau has cleared."""
    return gateway.companies.file_liquidation_report(who, uscc, closure_id, body)


@router.get("/closures", summary="The company's closing requests")
def list_closures(uscc: str, who: Who, gateway: GatewayDep) -> list[registration.Closure]:
    return gateway.companies.list_closures(who, uscc)


@router.get("/closures/{closure_id}", summary="One closing with every bureau's blockers and its timeline")
def get_closure(uscc: str, closure_id: str, who: Who, gateway: GatewayDep) -> dict[str, Any]:
    return gateway.companies.closure(who, uscc, closure_id)


@router.post("/closures/{closure_id}/recheck", summary="Ask every bureau to check again (blockers cleared)")
def recheck_closure(uscc: str, closure_id: str, who: Who, gateway: GatewayDep) -> registration.Closure:
    return gateway.companies.recheck_closure(who, uscc, closure_id)
