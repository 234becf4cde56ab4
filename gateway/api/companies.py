from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from gateway.api.deps import GatewayDep, Who
from gateway.companies import InvoiceRequest, RedLetterRequest
from gateway.staffing import EmployeeRequest, status_of

router = APIRouter(prefix="/api/v1/companies/{uscc}", tags=["companies"])


@router.post("/invoices", status_code=201, summary="Issue an invoice (tax)")
def issue_invoice(uscc: str, body: InvoiceRequest, who: Who, gateway: GatewayDep) -> dict[str, Any]:
    """Only the founder of the application that got this USCC (else 404). The same `request_id`
    returns the same invoice."""
    return gateway.companies.issue_invoice(who, uscc, body)


@router.post("/invoices/{number}/red-letter", status_code=201, summary="Reverse an invoice (tax, 红字发票)")
def red_letter(uscc: str, number: str, body: RedLetterRequest, who: Who, gateway: GatewayDep) -> dict[str, Any]:
    """A red-letter invoice for one of the coded reasons; the same `request_id` returns the same one."""
    return gateway.companies.red_letter(who, uscc, number, body)


@router.get("/invoices", summary="Invoices issued (tax)")
def list_invoices(uscc: str, who: Who, gateway: GatewayDep) -> list[dict[str, Any]]:
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
def list_staff(uscc: str, who: Who, gateway: GatewayDep) -> list[dict[str, Any]]:
    return gateway.staffing.list_staff(who, uscc)


@router.delete("/employees/{employee_id}", summary="An employee leaves (every bureau that has them)")
def end_employment(uscc: str, employee_id: str, who: Who, gateway: GatewayDep,
                   end_date: date | None = None) -> Any:
    """`employee_id` as the staff list shows it; the answer has the same shape as a hire's."""
    result = gateway.staffing.leave(who, uscc, employee_id, end_date)
    return JSONResponse(result, status_code=status_of(result, 200))
