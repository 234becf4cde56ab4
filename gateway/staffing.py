"""Later hires and leavers (增减员): ONE founder request reaches every bureau that keeps staff records,
and the founder sees each bureau's answer.

Who is asked: social security (enrolment and 就业登记) and medical insurance (职工医保 with 生育保险)
always, the housing-fund centre when the application asked for the housing fund (the company has a
unit there). Each bureau is asked with the same request id, so a retried request (the same
`Idempotency-Key`) gets every bureau's first answer again, and a bureau that refused or could not be
reached the first time is asked again. A bureau that refuses does not undo the others: the answer
says which did it and which did not, and why (`outcome`: done, partial or refused).

A leaver is named by social security's employee id (what the staff list shows); the gateway asks
social security for that person's resident ID and names them by it at the other bureaus, whose record
ids are their own. The resident ID stays inside the gateway: never in an answer, a log or a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

from contracts import bureaus
from contracts.codes import is_valid_uscc
from contracts.rpc import NotFound, OneStopError, Unavailable, social_security
from gateway.auth import Principal
from gateway.clients import Clients
from gateway.store import GatewayStore

log = logging.getLogger(__name__)

EmployeeRequest = social_security.EmployeeEnrolment
STAFF_BUREAUS = ("social_security", "medical_insurance", "housing_fund")  # the order answers are listed in
NOT_REGISTERED = "该企业未办理住房公积金缴存登记，无需在公积金中心增减员"


class StaffingService:
    def __init__(self, store: GatewayStore, clients: Clients):
        self.store, self.clients = store, clients

    def _company(self, who: Principal, uscc: str) -> dict[str, Any]:
        """Only the founder whose application got this USCC may act for the company."""
        doc = self.store.application_by_uscc(uscc) if is_valid_uscc(uscc) else None
        if doc is None or doc["founder_id"] != who.id:
            raise NotFound("没有找到您名下的这家企业")
        return doc

    @staticmethod
    def _asked(doc: dict[str, Any]) -> dict[str, bool]:
        return {"social_security": True, "medical_insurance": True,
                "housing_fund": bool((doc.get("form") or {}).get("housing_fund"))}

    def hire(self, who: Principal, uscc: str, employee: EmployeeRequest, request_id: str | None) -> dict[str, Any]:
        asked = self._asked(self._company(who, uscc))
        request_id = request_id or uuid4().hex  # one id for every bureau, even without a key
        calls: dict[str, Callable[[], dict]] = {
            "social_security": lambda: self.clients.social_security.enrol_employee(uscc, employee, request_id),
            "medical_insurance": lambda: self.clients.medical_insurance.enrol_member(uscc, employee, request_id),
            "housing_fund": lambda: self.clients.housing_fund.open_account(uscc, employee, request_id),
        }
        return answer("hire", request_id, [_ask(name, calls[name]) if asked[name] else _skipped(name)
                                           for name in STAFF_BUREAUS])

    def leave(self, who: Principal, uscc: str, employee_id: str, end_date: date | None) -> dict[str, Any]:
        asked = self._asked(self._company(who, uscc))
        person = self.clients.social_security.person_of(uscc, employee_id)  # NotFound: nobody to end
        resident_id = person["resident_id"]
        calls: dict[str, Callable[[], dict]] = {
            "social_security": lambda: self.clients.social_security.end_employment(uscc, employee_id, end_date),
            "medical_insurance": lambda: self.clients.medical_insurance.end_membership(uscc, resident_id, end_date),
            "housing_fund": lambda: self.clients.housing_fund.close_account_of(uscc, resident_id, end_date),
        }
        return answer("leave", employee_id, [_ask(name, calls[name]) if asked[name] else _skipped(name)
                                             for name in STAFF_BUREAUS], name=person["name"])

    def list_staff(self, who: Principal, uscc: str) -> list[dict]:
        self._company(who, uscc)
        return self.clients.social_security.list_staff(uscc)


def with_medical_bases(staff: list[dict], members: list[dict]) -> list[dict]:
    """Each staff row (social security's) with the medical-insurance base of the same person: the bureaus
    number their records apart, so a row is matched on what both lists show of the person (the masked
    resident ID, the name and the start date; a person hired again has a new start date). `medical`:
    the base (缴费基数), provisional (暂定: the city's figures for the period not published yet) or not,
    and the period whose figures fixed it; None where medical insurance has no record of that person."""
    by_person = {(m.get("resident_id"), m.get("name"), m.get("start_date")): m for m in members}
    out = []
    for row in staff:
        m = by_person.get((row.get("resident_id"), row.get("name"), row.get("start_date")))
        medical = None if m is None else {"contribution_base": m.get("contribution_base"),
                                          "base_provisional": bool(m.get("base_provisional")),
                                          "period": m.get("period")}
        out.append({**row, "medical": medical})
    return out


def _ask(bureau: str, call: Callable[[], dict]) -> dict[str, Any]:
    row = {"bureau": bureau, "label": bureaus.LABELS[bureau]}
    try:
        return {**row, "status": "done", "result": call()}
    except Unavailable as exc:
        return {**row, "status": "unavailable", "code": exc.code, "message": exc.message, "errors": []}
    except OneStopError as exc:
        return {**row, "status": "refused", "code": exc.code, "http_status": exc.status, "message": exc.message,
                "errors": [e.model_dump() for e in exc.field_errors]}
    except Exception:  # a bureau's own failure (RemoteError): this bureau did not do it; the others stand
        log.exception("staff change at %s failed", bureau)
        return {**row, "status": "unavailable", "code": "UNAVAILABLE", "message": "该部门暂时无法办理，请稍后重试",
                "errors": []}


def _skipped(bureau: str) -> dict[str, Any]:
    return {"bureau": bureau, "label": bureaus.LABELS[bureau], "status": "not_applicable", "message": NOT_REGISTERED}


def answer(kind: str, key: str, answers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The founder's answer: every bureau's, and in one word and one sentence what came of it."""
    done = [a for a in answers if a["status"] == "done"]
    failed = [a for a in answers if a["status"] in ("refused", "unavailable")]
    outcome = "refused" if not done else "partial" if failed else "done"
    verb = "增员" if kind == "hire" else "减员"
    if outcome == "done":
        message = f"{verb}已在{'、'.join(a['label'] for a in done)}办结"
    elif outcome == "partial":
        message = (f"{verb}已在{'、'.join(a['label'] for a in done)}办结；"
                   f"{'、'.join(a['label'] for a in failed)}未办理（已办结的不受影响），请按提示处理后用同一请求重试")
    else:
        message = f"{verb}未能办理：{failed[0]['message']}"
    key_name = "request_id" if kind == "hire" else "employee_id"
    return {key_name: key, "outcome": outcome, "message": message, "answers": answers, **extra}


def status_of(result: dict[str, Any], success: int) -> int:
    """HTTP status of a staff change: `success` when any bureau did it, else the first refusal's."""
    if result["outcome"] != "refused":
        return success
    first = next(a for a in result["answers"] if a["status"] in ("refused", "unavailable"))
    return first.get("http_status", 503)
