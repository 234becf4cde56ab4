"""What the registration service's RPCs return: a clerk's task, a founder's case, its documents, the
legal representative of a registered company, the public licence check, a change of details, a
closing and the after-start numbers. The replies the gateway reads are built through their contracts
(contracts/rpc/registration.py), so a field the contract does not name fails here, in the bureau."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contracts import clock
from contracts.bureaus import CHANGE_ANSWERERS, LABELS
from contracts.changes import CHANGE_LABELS, DEMANDS, OUTCOMES
from contracts.closing import STATE_LABELS as CLOSING_LABELS
from contracts.closing import apply_by
from contracts.liquidation import STATE_LABELS as LIQUIDATION_LABELS
from contracts.liquidation import steps as liquidation_steps
from contracts.rpc import Task
from contracts.rpc import registration as contract
from contracts.rpc.registration import NotRegistered, RegisteredRepresentative
from services.registration.domain import LICENCE_DOC, ReviewTask

# what a founder sees of the case (never the stored form's personal IDs beyond what they sent)
_CASE_KEYS = ("application_id", "revision", "state", "path", "reasons", "deadline", "name", "name_check",
              "licence", "rejection_reasons", "correction")


def task_view(task: dict[str, Any], now: datetime) -> Task:
    """A stored task as clerks see it (kit.clerk: a lapsed claim is open again, overdue computed now);
    a corrected case's task names the clerk it went back to until that lapses."""
    return ReviewTask.model_validate(task).view(now)


def case_view(case: dict[str, Any], now: datetime) -> dict[str, Any]:
    task = task_view(case["task"], now).model_dump(mode="json") if case.get("task") else None
    return {**{k: case.get(k) for k in _CASE_KEYS}, "task": task}


def documents_view(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [LICENCE_DOC.model_dump(mode="json")] if case.get("licence") else []


def legal_representative_view(case: dict[str, Any] | None) -> dict[str, Any]:
    """A registered company's current legal representative (the form with its changes applied)."""
    if case is None or not case.get("form"):
        return NotRegistered(registered=False).model_dump(mode="json")
    rep = case["form"].get("legal_representative") or {}
    return RegisteredRepresentative(registered=True, name=rep.get("name", ""),
                                    resident_id=rep.get("resident_id", "")).model_dump(mode="json")


# ---- the public licence check ----------------------------------------------------------------------


def unknown_licence() -> dict[str, Any]:
    return contract.UnknownLicence(genuine=False, status="unknown", licence=None).model_dump(mode="json")


def licence_check(case: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """The public answer for a licence: the current version (`old` None), or an older one (its
    `licence_history` entry) marked superseded with the period it was valid (what a counterparty
    holding an old paper copy needs to know)."""
    status = case.get("licence_status", "active")
    if old is None:
        shown = {"status": status, "version": case.get("licence_version", 1), "licence": case["licence"],
                 "valid_from": _stamp(case.get("licence_valid_from") or case["licence"]["issued_at"]), "valid_to": None}
    else:
        shown = {"status": "superseded", "version": old["version"], "licence": old["licence"],
                 "valid_from": _stamp(old["valid_from"]), "valid_to": _stamp(old["valid_to"])}
    return contract.LicenceCheck(
        genuine=True, current_version=case.get("licence_version", 1),
        versions=[contract.LicenceVersion(version=h["version"], valid_from=_stamp(h["valid_from"]),
                                          valid_to=_stamp(h["valid_to"])) for h in case.get("licence_history", [])],
        notices=public_notices(case),
        deregistered_on=case.get("deregistered_on") if status == "deregistered" else None,
        **shown).model_dump(mode="json")


def public_notices(case: dict[str, Any]) -> list[contract.PublicNotice]:
    """What the company has publicly noticed and anyone may object to now (the public objection form
    links them): a capital decrease's 45-day creditor notice (公司法 art. 224) and a simplified
    closing's 20-day notice (条例 art. 33). Kind and dates only: the company's notice is public, the
    objectors and the amounts are not."""
    notices = []
    change = (case.get("changes") or {}).get(case.get("open_change") or "")
    if change is not None and change["state"] == "noticed":
        notices.append(contract.PublicNotice(kind="capital_decrease", from_=change["notice_from"],
                                             ends_on=change["creditor_period_ends_on"]))
    closure = (case.get("closures") or {}).get(case.get("open_closure") or "")
    if closure is not None and closure["state"] == "noticed" and closure.get("kind") == "simplified":
        notices.append(contract.PublicNotice(kind="simplified_closing", from_=closure["notice_from"],
                                             ends_on=closure["notice_ends_on"]))
    return notices


def _stamp(value: Any) -> str:
    # as stored: an instant the bureau wrote (a datetime) or a licence's own `issued_at` (a string)
    return value.isoformat() if isinstance(value, datetime) else str(value)


# ---- a change of details ----------------------------------------------------------------------------


def masked(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def parties_view(parties: list[dict[str, Any]]) -> list[contract.ChangeParty]:
    """The people a change names, as anyone shown the change sees them: masked names, no resident IDs."""
    return [contract.ChangeParty(name=masked(p["name"]), roles=p["roles"], state=p["state"]) for p in parties]


def objection_view(objection: dict[str, Any]) -> contract.CreditorObjectionView:
    answer = objection.get("answer")
    return contract.CreditorObjectionView(
        id=objection["id"], at=clock.in_china(objection["at"]), creditor=objection["creditor"],
        demand=objection["demand"], demand_label=DEMANDS[objection["demand"]], reason=objection["reason"],
        answer=None if answer is None else contract.ObjectionOutcome(
            outcome=answer["outcome"], label=OUTCOMES[answer["outcome"]], note=answer.get("note"),
            at=clock.in_china(answer["at"])))


def change_view(change: dict[str, Any]) -> dict[str, Any]:
    """A change as its founder sees it; the parts that do not apply to it are None."""
    answers = change.get("answers") or {}
    sections, requested = change["sections"], change["requested"]
    noticed = bool(change.get("notice_from"))
    return contract.Change(
        change_id=change["id"], uscc=change["uscc"], state=change["state"], sections=sections,
        labels=[CHANGE_LABELS[s] for s in sections], version=change["version"], created_at=change["created_at"],
        completed_at=change.get("completed_at"), name_warnings=change.get("name_warnings") or None,
        notice_from=change["notice_from"] if noticed else None,
        creditor_period_ends_on=change["creditor_period_ends_on"] if noticed else None,
        confirmations=parties_view(change["confirmations"]) if change.get("confirmations") else None,
        refusal=change.get("refusal") or None,
        review=_picked(change.get("review"), ("revision", "reasons", "deadline")),
        correction=_picked(change.get("correction"), ("reasons", "fields")),
        withdrawal=change.get("withdrawal") or None, confirm_by=change.get("confirm_by") or None,
        objections=[objection_view(o) for o in change["objections"]] if change.get("objections") else None,
        log=[contract.ChangeLogEntry(at=e["at"], summary=e["summary"]) for e in change.get("log", [])],
        new_name=requested["name"] if "name" in sections else None,
        new_scope=requested["business_scope"] if "business_scope" in sections else None,
        # what the founder asked for, while the clerk's correction is open: the correction page refills it
        requested=requested if change["state"] == "correction_requested" else None,
        bureaus=[contract.ChangeAnswer(bureau=b, label=LABELS[b], answered=b in answers,
                                       **({"summary": answers[b]["summary"], "detail": answers[b]["detail"],
                                           "answered_at": answers[b]["at"]} if b in answers else {}))
                 for b in change.get("awaiting", CHANGE_ANSWERERS)],
    ).model_dump(mode="json")


def _picked(part: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return {k: part.get(k) for k in keys} if part else None


def change_confirmation_view(case: dict[str, Any], resident_id: str, described: list[dict[str, str]]) -> dict[str, Any]:
    """The open change as the person `resident_id` named in it sees it (the company, what changes, who
    is named); `described`: each section after the change (change_parties._described)."""
    change = case["changes"][case["open_change"]]
    mine = next(p for p in change["confirmations"] if p["resident_id"] == resident_id)
    return contract.ChangeConfirmation(
        uscc=case["licence"]["uscc"], company_name=case["licence"]["company_name"], change_id=change["id"],
        state=change["state"], labels=[CHANGE_LABELS[s] for s in change["sections"]], my_roles=mine["roles"],
        my_state=mine["state"], parties=parties_view(change["confirmations"]), confirm_by=change.get("confirm_by"),
        created_at=change["created_at"], changes=described).model_dump(mode="json")


def creditor_objection_recorded(change_id: str, ends_on: str) -> dict[str, Any]:
    return contract.CreditorObjectionRecorded(recorded=True, change_id=change_id,
                                              creditor_period_ends_on=ends_on).model_dump(mode="json")


# ---- closing ------------------------------------------------------------------------------------------

CLOSURE_STATE_LABELS = {**CLOSING_LABELS, **LIQUIDATION_LABELS}


def closure_view(closure: dict[str, Any]) -> dict[str, Any]:
    """A closing as its founder sees it: every bureau's answer with its blockers; a general
    deregistration's liquidation group and steps (None for a simplified one)."""
    general = closure["kind"] == "general"
    report_on = (closure.get("report") or {}).get("filed_on")
    answers = closure.get("answers") or {}
    bureaus = []
    for b in closure["awaiting"]:
        answer = answers.get(b)
        current = answer is not None and answer["attempt"] == closure["attempt"]
        bureaus.append(contract.ClosureAnswer(bureau=b, label=LABELS[b], answered=current,
                                              cleared=current and not answer["blockers"],
                                              blockers=answer["blockers"] if current else [],
                                              answered_at=answer["at"] if current else None))
    group = closure.get("liquidation") or {}
    return contract.Closure(
        closure_id=closure["id"], uscc=closure["uscc"], kind=closure["kind"], state=closure["state"],
        state_label=CLOSURE_STATE_LABELS[closure["state"]], notice_from=closure["notice_from"],
        notice_ends_on=closure["notice_ends_on"], objections=len(closure.get("objections", [])),
        apply_by=None if general else apply_by(date.fromisoformat(closure["notice_ends_on"])),
        deregistered_on=closure.get("deregistered_on"),
        liquidation={k: group[k] for k in ("dissolved_on", "formed_on", "members", "leader")} if general else None,
        report_filed_on=report_on if general else None,
        steps=liquidation_steps(group, date.fromisoformat(closure["notice_from"]), report_on,
                                closure.get("deregistered_on")) if general else None,
        attempt=closure["attempt"], created_at=closure["created_at"], bureaus=bureaus,
        blockers=[contract.ClosureBlocker(bureau=x.bureau, label=x.label, item=blocker.item, todo=blocker.todo)
                  for x in bureaus for blocker in x.blockers],
        objection_reasons=[o["reason"] for o in closure.get("objections", [])]).model_dump(mode="json")


def closure_objection_recorded(closure_id: str, notice_ends_on: str) -> dict[str, Any]:
    return contract.ClosureObjectionRecorded(recorded=True, closure_id=closure_id,
                                             notice_ends_on=notice_ends_on).model_dump(mode="json")


# ---- open data after start-up ------------------------------------------------------------------------


def after_start_view(numbers: dict[str, Any]) -> dict[str, Any]:
    """after_start_stats.compute's numbers through their contract."""
    return contract.AfterStartStats.model_validate(numbers).model_dump(mode="json")
