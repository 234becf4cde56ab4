"""The bank's use cases: store + domain + clock, one function per entrypoint.

The automatic path on `licence_issued` (the founder chose a branch) costs: one existence check, one
read of the slot this application may hold already, one read of a day's bookings and one conditional
write per slot tried, one counter increment, one insert (the account with its task and its outbox),
one outbox pull once published.
"""

from __future__ import annotations

import base64
import logging
from datetime import date, datetime, timedelta
from typing import Any

from contracts import banks
from contracts.clock import china_date
from contracts.events import ClearanceRequested, CompanyDeregistered, LicenceIssued
from contracts.rpc import Document, FieldError, Invalid, NotFound
from services.bank import documents, domain, views
from services.bank.domain import after_start
from services.bank.store import BankStore

log = logging.getLogger(__name__)


def reserve(store: BankStore, event: LicenceIssued, at: datetime) -> list[dict]:
    """The appointment and the basic account for a licence: once, however often the event arrives."""
    if event.bank is None:
        return []
    if store.exists(event.application_id):  # the common duplicate: no number, no slot used
        log.info("bank account exists: duplicate licence_issued ignored", extra={"application_id": event.application_id})
        return []
    branch = banks.branch(event.bank.branch_id)
    if branch is None:  # the form is checked against the same data: only a branch removed since
        raise ValueError(f"branch {event.bank.branch_id!r} is not in the branch list")
    held = store.slots.held_by(event.application_id)  # booked before a crash: the same place again
    licensed_on = china_date(at)
    wanted = domain.preferred(event.bank, branch, licensed_on)
    appointment = held or (wanted if wanted and store.slots.book(branch, wanted, event.application_id) else None) \
        or book_first_free(store, branch, event.application_id, licensed_on, after=wanted)
    # Allocate, then insert with _id = application_id: two workers racing on a redelivery both
    # allocate but one insert lands; the loser's number is a gap, never a second account.
    number = store.allocate_account_number(branch)
    account, events = domain.new_account(event, branch, number, appointment, at,
                                         task_id=f"bank-{event.application_id}")
    entries = store.insert(account, events)
    if entries is None:
        winner = store.get(event.application_id)
        if appointment and not held and (winner is None or winner.appointment != appointment):
            store.slots.release(branch.id, appointment, event.application_id)
        log.warning("lost a race for this account; number %s stays unused", number,
                    extra={"application_id": event.application_id})
        return []
    return entries


def queue_closing(store: BankStore, event: ClearanceRequested, now: datetime) -> list[dict]:
    """A closing under way: an opened account gets its counter task to close it (once)."""
    if "bank" not in event.answerers or store.by_uscc(event.uscc) is None:
        return []
    _, entries = store.change_by_uscc(event.uscc, lambda a: after_start.queue_closing(a, domain.ClerkTask, now),
                                      lambda: domain.not_found(event.uscc))
    return entries


def lapse_on_deregistration(store: BankStore, event: CompanyDeregistered, now: datetime) -> list[dict]:
    """注销 before the account was opened: the reservation lapses and its slot place goes back (once)."""
    account = store.by_uscc(event.uscc)
    if account is None or account.state != "reserved":
        return []
    lapsed, entries = store.change_by_uscc(event.uscc, lambda a: after_start.lapse(a, now),
                                           lambda: domain.not_found(event.uscc))
    if lapsed.appointment is not None:
        store.slots.release(lapsed.branch_id, lapsed.appointment, lapsed.application_id)
    return entries


def move_appointment(store: BankStore, uscc: Any, day: Any, slot: Any, at: datetime) -> tuple[dict[str, Any], list[dict]]:
    """The founder chooses (or moves) the appointment while the account is reserved: the new place is
    booked by the slot's one conditional write (a full slot is a 422 on `appointment_slot`, however
    many ask at once), then the account moves by compare-and-set, then the old place is given back.
    The same move again answers the same. Returns (the account's view, the outbox entries written)."""
    account = store.by_uscc(uscc) if isinstance(uscc, str) else None
    if account is None:
        raise domain.not_found(str(uscc))
    branch = banks.branch(account.branch_id)
    if branch is None:
        raise Invalid.with_fields("网点已不在银行网点名单中", [FieldError(field="appointment_slot", message="网点已撤销，请联系银行")])
    wanted = domain.wanted_appointment(account, branch, day, slot, china_date(at))
    if wanted == account.appointment:
        return views.account_view(account, store.revocations.get(account.uscc)), []
    read = account.appointment
    if not store.slots.holds(branch.id, wanted, account.application_id) \
            and not store.slots.book(branch, wanted, account.application_id):
        raise Invalid.with_fields(domain.FULL, [FieldError(field="appointment_slot", message=domain.FULL)])
    try:
        moved, entries = store.change_by_uscc(account.uscc, lambda a: domain.move(a, wanted, read, at),
                                              lambda: domain.not_found(account.uscc))
    except Exception:
        current = store.by_uscc(account.uscc)
        if current is None or current.appointment != wanted:  # not moved: the new place goes back
            store.slots.release(branch.id, wanted, account.application_id)
        raise
    if read is not None:
        store.slots.release(branch.id, read, account.application_id)
    return views.account_view(moved, store.revocations.get(moved.uscc)), entries


def release_stray_places(store: BankStore, at: datetime) -> int:
    """Give back the places a crash left held: booked before domain.STRAY_AFTER ago for an appointment
    that no account points at (the reservation's account never written, or a move's old or unused new
    place). One read of the slots ahead, one of their holders' accounts, one write per place given back."""
    places = list(store.slots.places(china_date(at), at - timedelta(seconds=domain.STRAY_AFTER_SECONDS)))
    if not places:
        return 0
    accounts = store.by_applications(sorted({holder for _, _, holder in places}))
    stray = [(branch_id, appointment, holder) for branch_id, appointment, holder in places
             if domain.is_stray_place(accounts.get(holder), branch_id, appointment)]
    for branch_id, appointment, holder in stray:
        store.slots.release(branch_id, appointment, holder)
        log.info("bank: gave back a place a crash left held (%s %s)", branch_id, appointment.slot_id(branch_id))
    return len(stray)


def book_first_free(store: BankStore, branch: banks.Branch, application_id: str, today,
                    after: domain.Appointment | None = None) -> domain.Appointment | None:
    """The first slot with room on a working day after `today`, or, when the founder's choice `after` is
    full by now, the first after that one (later the same day, then the next working days); a slot filled
    meanwhile is skipped."""
    days = [after.day, *domain.candidate_days(after.day)] if after else domain.candidate_days(today)
    for day in days:
        for appointment in domain.first_free(branch, [day], lambda d: store.slots.booked(branch.id, d)):
            if after is not None and day == after.day and appointment.slot <= after.slot:
                continue
            if store.slots.book(branch, appointment, application_id):
                return appointment
    return None


def get_account(store: BankStore, uscc: Any) -> dict[str, Any]:
    account = store.by_uscc(uscc) if isinstance(uscc, str) else None
    if account is None:
        raise domain.not_found(str(uscc))
    return views.account_view(account, store.revocations.get(account.uscc))


def slot_has_room(store: BankStore, branch_id: Any, day: Any, slot: Any) -> bool:
    """Whether a founder may still choose this slot (the check at submission; the booking comes after
    the licence, and a slot full by then moves the appointment to the next free one)."""
    branch = banks.branch(branch_id) if isinstance(branch_id, str) else None
    try:
        wanted = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        wanted = None
    if branch is None or wanted is None or not isinstance(slot, str):
        raise Invalid.with_fields("预约时段无效", [FieldError(field="bank.appointment_slot", message="网点、日期或时段无效")])
    return domain.has_room(branch, store.slots.booked(branch.id, wanted), slot)


def branches() -> list[dict[str, Any]]:
    """The branch list the form offers (public data: no bookings in it)."""
    return [{"id": b.id, "name": b.name, "address": b.address, "district_code": b.district_code,
             "opening_hours": banks.hours_text(b), "slots": list(banks.slots(b)),
             "capacity_per_slot": b.capacity_per_slot} for b in banks.branches().values()]


def list_documents(store: BankStore, application_id: str) -> list[dict]:
    account = store.get(str(application_id))
    return [r.model_dump(mode="json") for r in documents.refs(account)] if account else []


def get_document(store: BankStore, application_id: str, name: str, signer=None) -> dict:
    account = store.get(str(application_id))
    if account is None or name not in {r.name for r in documents.refs(account)}:
        raise NotFound(f"申请{application_id}没有银行文书{name}")

    def render() -> Document:
        data, filename = documents.render(account, name, signer)
        return Document(name=name, filename=filename, content_type="application/pdf",
                        data_base64=base64.b64encode(data).decode("ascii"))

    # rendered and signed once per state of the account (a clerk task's moves change none), then as issued
    source = account.model_dump(mode="json", exclude={"task"})
    return store.documents.issue(account.application_id, name, source, render).model_dump(mode="json")

