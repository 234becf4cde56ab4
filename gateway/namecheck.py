"""The registration bureau's name check, run when a form is submitted or corrected.

An error-level problem (a banned word such as 中华, an identical registered name, a division that does
not match the domicile) can only end in a rejection, so it stops the submit as a field error next to
the name instead of waiting days in a clerk's queue. Warnings (similar names) still go to a clerk:
that is a person's judgement. During a correction the application's own reservation is not a conflict.

If the bureau cannot answer, the submit goes ahead: the registration service checks the name again
when it receives the application and queues it for a clerk, so nothing unchecked is ever approved.
"""

from __future__ import annotations

import logging
from typing import Any

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from pydantic import ValidationError

from contracts.form import CompanyName
from contracts.rpc import FieldError, OneStopError
from gateway.clients import RegistrationClient

log = logging.getLogger(__name__)

NAME_PARTS = ("division", "trade_name", "industry", "organisation_form")
# where each kind of problem is shown; anything else belongs to the trade name (字号), the part a
# founder chooses freely and the one to change
PROBLEM_FIELD = {"division_mismatch": "name.division", "division_form": "name.division",
                 "organisation_form": "name.organisation_form"}


def full_name(body: Any) -> str | None:
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, dict) or not isinstance(name.get("trade_name"), str) or not name["trade_name"].strip():
        return None
    return "".join(str(name.get(k) or "").strip() for k in NAME_PARTS)


def name_errors(registration: RegistrationClient, body: Any, application_id: str | None = None) -> list[FieldError]:
    """The error-level problems of the body's company name, as field errors (warnings left out)."""
    name = full_name(body)
    if name is None:
        return []
    domicile = body.get("domicile") if isinstance(body.get("domicile"), dict) else {}
    district = domicile.get("district_code") if isinstance(domicile.get("district_code"), str) else None
    scope = [c for c in body.get("business_scope") or [] if isinstance(c, str)] if isinstance(
        body.get("business_scope"), list) else []
    holders = body.get("shareholders") if isinstance(body.get("shareholders"), list) else []
    linked = [str(h.get(k))[:80] for h in holders[:200] if isinstance(h, dict) and h.get("kind") == "corporate"
              for k in ("uscc", "name") if isinstance(h.get(k), str)]
    try:
        result = check(registration, name[:80], district, scope, application_id, linked, _declared(body["name"]))
    except (OneStopError, RpcTimeout, UnknownService, RemoteError) as exc:
        # down: the registration service checks again; refused (an unknown district): the form's
        # own rules already report it on its field
        log.warning("name check not done at submit: %s", type(exc).__name__, extra={"application_id": application_id})
        return []
    return [FieldError(field=PROBLEM_FIELD.get(p.get("code"), "name.trade_name"), message=_message(p))
            for p in result.get("problems", []) if p.get("severity") == "error"]


def check(registration: RegistrationClient, name: str, district_code: str | None, scope: list[str] | None,
          application_id: str | None = None, linked: list[str] | None = None, declared: dict | None = None) -> dict:
    """One call of the bureau's check; `application_id` (already known to be the caller's own) makes
    that application's reserved name no conflict; `linked`: the form's corporate shareholders;
    `declared`: the form's name parts (the founder's own 字号, as registration will check it)."""
    return registration.check_name(name, district_code or None, scope or None, application_id, linked or None,
                                   declared)


def _declared(name: dict) -> dict | None:
    """The form's name parts when they are well-formed (else the form's own rules name the field)."""
    try:
        return CompanyName.model_validate(name).model_dump(mode="json")
    except ValidationError:
        return None


def _message(problem: dict) -> str:
    conflicts = problem.get("conflicts") or []
    return problem.get("message", "") + (f"（{'、'.join(conflicts)}）" if conflicts else "")
