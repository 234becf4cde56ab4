"""The medical insurance bureau's use cases: store + domain + figures + clock, one function per entrypoint.

Each function that changes state returns the outbox entries it just wrote, so service.py stays a thin
shell that publishes them and tests call these directly. The automatic path on `licence_issued`: one
existence check, one counter increment, one insert (the unit with its records and its outbox), one
outbox pull once published.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from contracts.clock import china_date
from contracts.events import LicenceIssued
from contracts.rpc import FieldError, Invalid, NotFound
from kit import units
from services.medical_insurance import documents, domain, views
from services.medical_insurance.figures import FiguresBook, NotConfigured
from services.medical_insurance.store import MedicalInsuranceStore

log = logging.getLogger(__name__)


def figures_for(book: FiguresBook, district_code: str) -> domain.FiguresFor:
    return lambda day: book.figures(district_code, day)


def open_unit(store: MedicalInsuranceStore, book: FiguresBook, event: LicenceIssued, at: datetime) -> list[dict]:
    """The unit's 医保登记 for a licence: once, however often the event arrives. Every licensed unit is
    registered (a later hire needs it), with the form's employees enrolled."""
    licence = event.licence
    known = book.figures_or_none(licence.district_code, licence.established_on) is not None
    year = china_date(at).year

    def build(sequence: int | None):
        number = domain.unit_number(licence.district_code, year, sequence) if sequence is not None else None
        return domain.new_unit(event, figures_for(book, licence.district_code) if known else None, number, at,
                               task_id=f"medical_insurance-{event.application_id}")

    # Draw, then insert with _id = application_id (no read first while the number comes from the
    # block in memory): a duplicate spends no number and never moves the counter (kit.units).
    entries = store.insert_numbered(event.application_id, units.unit_key(licence.district_code, year) if known else None, build)
    if entries is None:
        log.info("unit exists: duplicate licence_issued ignored", extra={"application_id": event.application_id})
        return []
    return entries


def _registered_by_uscc(store: MedicalInsuranceStore, uscc: Any) -> domain.Unit:
    return domain.check_registered(store.by_uscc(uscc) if isinstance(uscc, str) else None, str(uscc))


# ---- later hires and leavers --------------------------------------------------------------------


def enrol_member(store: MedicalInsuranceStore, book: FiguresBook, uscc: Any, raw: Any, request_id: Any,
                 at: datetime) -> dict[str, Any]:
    unit = _registered_by_uscc(store, uscc)
    changed, employee_id, figures = units.hire(
        store, unit, request_id, at, records=lambda u: u.members,
        parse=lambda: domain.parse_enrolment(raw, unit.established_on, china_date(at)),
        figures_on=figures_for(book, unit.district_code), rule=domain.hire, not_configured=NotConfigured,
        missing=lambda: NotFound(domain.TERMS.not_found.format(uscc=unit.uscc)))
    member = changed.member(employee_id)
    if figures is None:  # a retry: the figures of the record's start day, as when it was made
        figures = book.figures(unit.district_code, member.start_date)
    return views.member_view(member, figures)


def end_membership(store: MedicalInsuranceStore, uscc: Any, resident_id: Any, end_date: Any,
                   at: datetime) -> dict[str, Any]:
    """减员 by the person's resident ID (the one key every bureau shares); the same day again = same answer."""
    unit = _registered_by_uscc(store, uscc)
    try:
        end = date.fromisoformat(end_date) if end_date else china_date(at)
    except (TypeError, ValueError):
        raise Invalid.with_fields("离职日期格式不正确",
                                  [FieldError(field="end_date", message="日期格式应为 YYYY-MM-DD")]) from None
    if not isinstance(resident_id, str):
        raise NotFound("本单位没有此人的在保职工医保记录")
    ended = [m for m in unit.members if m.resident_id == resident_id.upper() and m.state == "ended" and m.end_date == end]
    employee_id = ended[-1].employee_id if ended else domain.active_of(unit, resident_id).employee_id
    changed, _ = store.change_unit(unit.application_id, lambda u: (domain.leave(u, employee_id, end), []), unit.uscc)
    return views.member_view(changed.member(employee_id))


# ---- new figures loaded, a period run out -----------------------------------------------------------


def refigure_bases(store: MedicalInsuranceStore, book: FiguresBook, at: datetime) -> int:
    """Every unit whose bases are due (provisional ones, or a period ended by today) gets them on the
    figures now in force, and so does a unit stored before the due day was kept (its due day is set
    then); returns how many members changed. Two queries when none is due."""
    today, moved = china_date(at), {}
    due = {u.application_id: u for u in (*store.bases_due(today), *store.bases_never_looked_at())}
    for unit in due.values():
        def decide(current: domain.Unit) -> tuple[domain.Unit, list]:  # a retried compare-and-set decides again
            moved[current.application_id] = domain.refigure(current, figures_for(book, current.district_code), today, at)
            return current, []
        store.change_unit(unit.application_id, decide, unit.uscc)
    changed = sum(len(m) for m in moved.values())
    if changed:
        log.info("medical insurance bases determined again: %d member(s)", changed)
    return changed


def get_unit(store: MedicalInsuranceStore, uscc: Any) -> dict[str, Any]:
    return units.unit_answer(store, uscc, domain.TERMS.not_found, views.unit_view)


def list_members(store: MedicalInsuranceStore, uscc: Any) -> list[dict[str, Any]]:
    return [views.member_view(m) for m in _registered_by_uscc(store, uscc).members]


# ---- documents ----------------------------------------------------------------------------


def document_desk(store: MedicalInsuranceStore, book: FiguresBook, at: datetime,
                  signer=None) -> units.CertificateDesk:
    """The documents RPCs' desk at `at` (the certificate shows the figures in force that day in China)."""
    today = china_date(at)
    return units.CertificateDesk(store, domain.CERTIFICATE, "申请{application_id}没有医保文书{name}",
                                 "医疗保险单位参保登记证明-{uscc}.pdf",
                                 lambda unit: documents.render_certificate(
                                     unit, book.figures_or_none(unit.district_code, today), today, signer))
