"""What an application looks like to its founder (and to operators): pure, from the stored document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from contracts import bureaus, clock, timelimits
from gateway.timeline import TARGET_WORKING_DAYS, order, overdue

STEP_LABELS = bureaus.STEP_TITLES


def company_name(form: dict[str, Any]) -> str:
    name = form.get("name") or {}
    return "".join(name.get(k, "") for k in ("division", "trade_name", "industry", "organisation_form"))


def current_name(doc: dict[str, Any]) -> str:
    """The company's name now: the newest licence's (a name change replaces it), else the form's."""
    return ((doc.get("outputs") or {}).get("licence") or {}).get("company_name") or doc.get("company_name", "")


def summary_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "acceptance_no": doc.get("acceptance_no"),
        "company_name": current_name(doc),
        "status": doc["status"],
        "revision": doc.get("revision", 0),
        "submitted_at": _utc(doc["submitted_at"]),
        "completed_at": _utc(doc.get("completed_at")),
        "uscc": (doc.get("outputs") or {}).get("uscc"),
    }


def application_view(doc: dict[str, Any], base_url: str, today: date | None = None) -> dict[str, Any]:
    today = today or clock.china_today()
    app_id = doc["_id"]
    start = clock_start(doc)
    times = timelimits.plan(doc["steps"], start)
    steps = []
    for name, step in doc["steps"].items():
        started, finished = _utc(step.get("started_at")), _utc(step.get("finished_at"))
        due = times.get(name)
        steps.append({
            "bureau": name,
            "title": STEP_LABELS.get(name, name),
            "state": step["state"],
            "deadline": due.due.isoformat() if due else None,
            "deadline_provisional": bool(due and due.provisional),
            "deadline_planned": bool(due and due.planned),
            "overdue": step["state"] not in ("done", "rejected", "not_requested", "lapsed")
            and overdue(step.get("deadline"), today),
            "started_at": started,
            "finished_at": finished,
            "seconds_taken": (finished - started).total_seconds() if started and finished else None,
            "reasons": step.get("reasons") or [],
            **{k: step[k] for k in ("fields", "task_id", "reason", "progress") if step.get(k)},
        })
    base = f"{base_url}/api/v1/applications/{quote(app_id)}/documents"
    # the latest step deadline: the summary never says a date a step card contradicts
    target = timelimits.overall(times)
    return {
        **summary_view(doc),
        "deadline": target.due.isoformat(),
        "deadline_provisional": target.provisional,
        "deadline_planned": target.planned,
        "deadline_from": start.isoformat(),
        "deadline_rule": timelimits.RULE_TEXT,
        "target_working_days": TARGET_WORKING_DAYS,
        "taken": doc.get("taken"),
        "steps": steps,
        "outputs": doc.get("outputs") or {},
        "documents": [{**d, "url": f"{base}/{quote(d['name'])}"} for d in doc.get("documents", [])],
        "timeline": [
            {
                "at": _utc(e["at"]),
                "source": e["source"],
                "type": e["type"],
                "summary": e["summary"],
                "details": e.get("data", {}),
            }
            for e in sorted(doc.get("timeline", []), key=order)  # the order the status was derived in
        ],
        "form": doc["form"],
        "confirmations": confirmations_view(doc),
        "withdrawal": doc.get("withdrawal"),
        # the founder's replies to correction requests (gateway/replies.py), without the file's bytes
        "replies": [{k: r.get(k) for k in ("id", "revision", "text", "attachment", "at")} for r in doc.get("replies") or []],
    }


def clock_start(doc: dict[str, Any]) -> date:
    """The day the time limit runs from (contracts.timelimits): the latest resubmission after a
    correction, else acceptance (the last person's confirmation), else submission."""
    corrected = [_utc(e["at"]) for e in doc.get("timeline", []) if e["type"] == "application_corrected"]
    moment = max(corrected) if corrected else doc.get("accepted_at") or doc["submitted_at"]
    return clock.china_date(moment)


def confirmations_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """For the founder (who typed these names): who confirmed, who is awaited, until when."""
    people = doc.get("confirmations")
    if not people:
        return None
    return {"deadline": doc.get("confirmation_deadline"),
            "parties": [{"name": p["name"], "roles": p["roles"], "state": p["state"], "at": _utc(p.get("at")),
                         **({"reason": p["reason"]} if p.get("reason") else {})} for p in people]}


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
