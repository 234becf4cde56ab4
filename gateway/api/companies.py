from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header

from contracts.changes import ChangeRequest
from gateway.api.deps import GatewayDep, Who
from gateway.companies import EmployeeRequest, InvoiceRequest, RedLetterRequest

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


@router.post("/employees", status_code=201, summary="Enrol an employee (social security)")
def enrol(uscc: str, body: EmployeeRequest, who: Who, gateway: GatewayDep,
          idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> dict[str, Any]:
    return gateway.companies.enrol_employee(who, uscc, body, idempotency_key)


@router.get("/employees", summary="Staff enrolled (resident IDs masked)")
def list_staff(uscc: str, who: Who, gateway: GatewayDep) -> list[dict[str, Any]]:
    return gateway.companies.list_staff(who, uscc)


@router.delete("/employees/{employee_id}", summary="End an employment (social security)")
def end_employment(uscc: str, employee_id: str, who: Who, gateway: GatewayDep,
                   end_date: date | None = None) -> dict[str, Any]:
    return gateway.companies.end_employment(who, uscc, employee_id, end_date)


@router.post("/changes", status_code=201, summary="Change of details (变更登记): one request to every bureau")
def request_change(uscc: str, body: ChangeRequest, who: Who, gateway: GatewayDep,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> dict[str, Any]:
    """Only the founder of the company. Registration registers a standard change at once and issues a
    new licence version (same USCC); seal, tax and social security each answer. 409 while another
    change is open (it is named); 422 with field errors when the result would break a form rule."""
    return gateway.companies.request_change(who, uscc, body, idempotency_key)


@router.get("/changes", summary="The company's changes of details")
def list_changes(uscc: str, who: Who, gateway: GatewayDep) -> list[dict[str, Any]]:
    return gateway.companies.list_changes(who, uscc)


@router.get("/changes/{change_id}", summary="One change with each bureau's answer and its timeline")
def get_change(uscc: str, change_id: str, who: Who, gateway: GatewayDep) -> dict[str, Any]:
    return gateway.companies.change(who, uscc, change_id)
