"""The housing-fund centre's use cases: store + domain + figures + clock, one function per entrypoint.

Each function that changes state returns what the entrypoint must publish (application_id and the
outbox entries it just wrote), so service.py stays a thin shell and tests call these directly.

The automatic path on `licence_issued` costs: one existence check, one counter increment, one insert
(the unit with its accounts and its outbox), one outbox pull once published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from contracts.clock import china_date
from contracts.events import LicenceIssued
from contracts.rpc import FieldError, Invalid, NotFound
from kit import units
from services.housing_fund import documents, domain, views
from services.housing_fund.figures import FiguresBook, NotConfigured
from services.housing_fund.store import HousingFundStore

log = logging.getLogger(__name__)

Published = tuple[str, list[dict]]


def figures_or_none(book: FiguresBook, district_code: str, day: date):
    try:
        return book.figures(district_code, day)
    except NotConfigured:
        return None


def open_unit(store: HousingFundStore, book: FiguresBook, event: LicenceIssued, at: datetime) -> list[dict]:
    """The unit's deposit registration for a licence: once, however often the event arrives."""
    if event.housing_fund is None:
        return []
    licence = event.licence
    figures = figures_or_none(book, licence.district_code, licence.established_on)
    year = china_date(at).year

    def build(sequence: int | None):
        account = domain.unit_account(licence.district_code, year, sequence) if sequence is not None else None
        return domain.new_unit(event, figures_for(book, licence.district_code) if figures else None,
                               account, at, task_id=f"housing_fund-{event.application_id}")

    # Draw, then insert with _id = application_id (no read first while the number comes from the
    # block in memory): a duplicate spends no number and never moves the counter (kit.units).
    entries = store.insert_numbered(event.application_id, units.unit_key(licence.district_code, year) if figures else None, build)
    if entries is None:
        log.info("unit exists: duplicate licence_issued ignored", extra={"application_id": event.application_id})
        return []
    return entries


def figures_for(book: FiguresBook, district_code: str) -> Callable[[date], Any]:
    return lambda day: book.figures(district_code, day)


# ---- later hires and leavers --------------------------------------------------------------------


def open_account(store: HousingFundStore, book: FiguresBook, uscc: Any, raw: Any, request_id: Any,
                 at: datetime) -> dict[str, Any]:
    unit = domain.check_registered(store.by_uscc(uscc) if isinstance(uscc, str) else None, str(uscc))
    changed, employee_id, _ = units.hire(
        store, unit, request_id, at, records=lambda u: u.accounts,
        parse=lambda: domain.parse_opening(raw, unit.established_on, china_date(at)),
        figures_on=figures_for(book, unit.district_code), rule=domain.hire, not_configured=NotConfigured,
        missing=lambda: NotFound(uscc))
    return views.account_view(changed, changed.account(employee_id))


def close_account(store: HousingFundStore, uscc: Any, employee_id: Any, end_date: Any, at: datetime) -> dict:
    unit = domain.check_registered(store.by_uscc(uscc) if isinstance(uscc, str) else None, str(uscc))
    if not isinstance(employee_id, str):
        raise NotFound(f"本单位没有住房公积金个人账户 {employee_id}")
    try:
        end = date.fromisoformat(end_date) if end_date else china_date(at)
    except (TypeError, ValueError):
        raise Invalid.with_fields("离职日期格式不正确",
                                  [FieldError(field="end_date", message="日期格式应为 YYYY-MM-DD")]) from None
    changed, _ = store.change({"_id": unit.application_id}, lambda u: (domain.leave(u, employee_id, end), []),
                              lambda: NotFound(uscc))
    return views.account_view(changed, changed.account(employee_id))


def close_account_of(store: HousingFundStore, uscc: Any, resident_id: Any, end_date: Any, at: datetime) -> dict:
    """封存 by the person's resident ID (the one key every bureau shares, the gateway's leaver request):
    their active account, or the one already closed on that day (a retry: the same answer)."""
    unit = domain.check_registered(store.by_uscc(uscc) if isinstance(uscc, str) else None, str(uscc))
    person = resident_id.upper() if isinstance(resident_id, str) else None
    mine = [a for a in unit.accounts if a.resident_id == person]
    active = [a for a in mine if a.state == "active"]
    if not mine:
        raise NotFound("本单位没有此人的住房公积金个人账户")
    return close_account(store, uscc, (active or mine)[-1].employee_id, end_date, at)


def get_unit(store: HousingFundStore, uscc: Any) -> dict[str, Any]:
    return units.unit_answer(store, uscc, domain.TERMS.not_found, views.unit_view)


def list_accounts(store: HousingFundStore, uscc: Any) -> list[dict[str, Any]]:
    unit = domain.check_registered(store.by_uscc(uscc) if isinstance(uscc, str) else None, str(uscc))
    return [views.account_view(unit, a) for a in unit.accounts]


# ---- documents ----------------------------------------------------------------------------


def document_desk(store: HousingFundStore, at: datetime, signer=None) -> units.CertificateDesk:
    """The documents RPCs' desk at `at` (the certificate's date is that day in China)."""
    return units.CertificateDesk(store, domain.CERTIFICATE, "申请{application_id}没有住房公积金文书{name}",
                                 "住房公积金单位缴存登记证明-{uscc}.pdf",
                                 lambda unit: documents.render_certificate(unit, china_date(at), signer))
