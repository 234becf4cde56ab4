"""What the registration service does with each request: the steps between the store and the rules.

Every state change is ONE conditional write on the case document carrying the events it causes (the
outbox); the write's condition (state, revision, task claim) is what makes duplicates and races
harmless. The events are then published at once (`flush`); a crash before that leaves them to the relay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts import clock
from contracts.authorities import registering_authority
from contracts.bureaus import TARGET_DAYS
from contracts.events import (
    ApplicationCorrected,
    ApplicationSubmitted,
    LicenceIssued,
)
from contracts.form import ApplicationForm, CompanyName
from contracts.rpc import NotFound
from kit.outbox import Dispatch, outbox_entry
from services.registration import domain
from services.registration import names as name_rules
from services.registration.allocator import EmbeddedAllocator, UsccAllocator
from services.registration.store import RESERVED_AGAIN, RegistrationStore

log = logging.getLogger(__name__)
LLC = "limited_liability"

SETTLE_AFTER = timedelta(minutes=1)  # a case and its name are settled milliseconds apart


@dataclass(frozen=True)
class Settings:
    clerk_days: int = TARGET_DAYS["registration"]  # the manifest's step target, unless configured
    automatic_days: int = 0
    public_base_url: str = "http://127.0.0.1:8000"
    return_hours: float = 24.0  # a corrected case waits this long for the clerk who asked, then the team

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        return cls(
            clerk_days=int(config.get("CLERK_REVIEW_DAYS") or TARGET_DAYS["registration"]),
            automatic_days=int(config.get("AUTOMATIC_REVIEW_DAYS", 0)),
            return_hours=float(config.get("CORRECTION_RETURN_HOURS", 24)),
            public_base_url=str(config.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")).rstrip("/"),
        )


def corporate_links(form: ApplicationForm) -> list[str]:
    """The USCCs and names of the form's corporate shareholders: who may lend the new company a brand."""
    return [v for h in form.shareholders if getattr(h, "kind", "") == "corporate" for v in (h.uscc, h.name)]


class Registrar:
    def __init__(self, store: RegistrationStore, dispatch: Dispatch, settings: Settings,
                 allocator: UsccAllocator | None = None):
        self.store, self.dispatch, self.settings = store, dispatch, settings
        self.allocator = allocator or EmbeddedAllocator(store.next_sequence)

    # ---- name check ----------------------------------------------------------------------------

    def check_name(self, name: str, district_code: str | None = None, scope: list[str] | None = None,
                   application_id: str | None = None, linked: list[str] | None = None,
                   declared: CompanyName | None = None) -> name_rules.NameCheck:
        """A full name typed in (the live check): parsed, then compared at an LLC's authority for the district;
        or, with `declared` (the form's parts, at submit), checked as declared, as check_form_name does.
        `linked`: the corporate shareholders' USCCs and names on the form (a brand's owner may use it)."""
        if declared is not None:
            parts = name_rules.parts_of(declared)
            name, problems = declared.full, name_rules.declared_problems(parts, district_code, linked or ())
        else:
            parts, problems = name_rules.static_problems(name, district_code, linked or ())
        authority = registering_authority(LLC, district_code).id if district_code else None
        return self._compared(name, parts, problems, scope, authority, application_id)

    def check_form_name(self, form: ApplicationForm, application_id: str | None = None) -> name_rules.NameCheck:
        """The name as the founder declared it on the form (their 字号), at the authority that registers it."""
        parts = name_rules.parts_of(form.name)
        problems = name_rules.declared_problems(parts, form.domicile.district_code, corporate_links(form))
        authority = domain.authority_of(form).id
        return self._compared(form.name.full, parts, problems, form.business_scope, authority, application_id)

    def _compared(self, name, parts, problems, scope, authority, application_id) -> name_rules.NameCheck:
        if parts is not None and parts.trade_name:
            keys = name_rules.name_keys(parts, scope, authority)
            candidates = self.store.name_candidates(keys, exclude_application=application_id)
            problems.extend(name_rules.conflict_problems(keys, candidates, clock.china_today()))
        return name_rules.NameCheck(name=(name or "").strip(), parts=parts, problems=tuple(problems))

    def _check_and_reserve(self, application_id: str, form: ApplicationForm,
                           revision: int) -> tuple[name_rules.NameCheck, str]:
        """The name check and what reserving it did (store.reserve_name: "" when not held)."""
        check = self.check_form_name(form, application_id)
        if not check.ok or check.parts is None:
            self.store.release_name(application_id, revision)
            return check, ""
        keys = name_rules.name_keys(check.parts, form.business_scope, domain.authority_of(form).id)
        return check, self.store.reserve_name(application_id, keys, form.domicile.district_code, revision)

    # ---- review --------------------------------------------------------------------------------

    def on_submitted(self, event: ApplicationSubmitted) -> None:
        # No read of the case first (issue 23: one round trip per application): a duplicate delivery is
        # the insert's refusal. Its review before that writes nothing that harms the case that exists:
        # the name reservation refuses a registered, released or later revision's entry (store), and it
        # draws no USCC (_review reads the case before allocating when the name was held already).
        now = clock.now()
        fields = self._review(event.application_id, 0, event.form, now, founder_id=event.founder_id)
        doc = {"_id": event.application_id, "application_id": event.application_id,
               "founder_id": event.founder_id, "created_at": now, "past_tasks": [], **(fields or {})}
        if fields is not None and self.store.insert_case(doc):
            self._after_write(doc)
        else:
            log.info("duplicate application_submitted ignored", extra={"application_id": event.application_id})

    def on_corrected(self, event: ApplicationCorrected) -> None:
        case = self.store.get_case(event.application_id)
        if case is None or event.revision <= case["revision"] or case["state"] != domain.CORRECTION_REQUESTED:
            log.info("application_corrected ignored (unknown, stale or not awaiting correction)",
                     extra={"application_id": event.application_id, "event_id": event.event_id})
            return
        now = clock.now()
        fields = self._review(event.application_id, event.revision, event.form, now, case)
        outbox = fields.pop("outbox")
        new = self.store.save_corrected_review(case["_id"], case["revision"], domain.CORRECTION_REQUESTED, fields,
                                               outbox, case.get("task"))
        if new is not None:
            self._after_write(new, outbox)

    def _review(self, application_id: str, revision: int, form: ApplicationForm, now: datetime,
                previous: dict | None = None, founder_id: str | None = None) -> dict | None:
        """The case fields and outbox for one revision: the name checked and held, then the decision on
        what is in hand (domain.outcome), a USCC allocated only if it approves at once. None: a
        submission found to be a duplicate before drawing a USCC for it.
        `previous`: the case as it was when the founder corrected it (the clerk's open request)."""
        check, held = self._check_and_reserve(application_id, form, revision)
        reserved = bool(held)
        decision = domain.decide(form, check, reserved, now, self.settings.clerk_days, self.settings.automatic_days,
                                 correction=(previous or {}).get("correction"), revision=revision)
        uscc = None
        if decision.path == domain.AUTOMATIC:
            # the name was this application's already: a retry after a crash, or a duplicate whose case
            # exists; only then is the case read (the first delivery never pays for it)
            if previous is None and held == RESERVED_AGAIN and self.store.get_case(application_id) is not None:
                return None
            uscc = self._allocate(form)
        fields, events = domain.reviewed(application_id, revision, form, check, reserved, decision, now, uscc=uscc,
                                         founder_id=founder_id or (previous or {}).get("founder_id"),
                                         previous=previous, return_hours=self.settings.return_hours)
        fields["outbox"] = [outbox_entry(e) for e in events]
        return fields

    def _allocate(self, form: ApplicationForm) -> str:
        return self.allocator.allocate(domain.authority_of(form).division_code)

    def _licence(self, application_id: str, form: ApplicationForm, now: datetime,
                 founder_id: str | None) -> tuple[dict, LicenceIssued]:
        """A clerk's approval: the licence fields and `licence_issued`, with a new USCC."""
        return domain.licence_issued(application_id, form, self._allocate(form), now, founder_id)

    def _after_write(self, case: dict, entries: list[dict] | None = None) -> None:
        self.store.flush(case["_id"], entries if entries is not None else case.get("outbox", []),
              self.dispatch)
        if case.get("state") == domain.APPROVED:  # the name: at the next tick, with the others (store)
            self.store.mark_registered_soon(case["_id"], case["licence"]["uscc"])

    def settle_names(self, now: datetime, older_than: timedelta = SETTLE_AFTER) -> int:
        """Bring the name register in line with decided cases; how many names changed.

        A case is approved or rejected in one write and its name marked or released in the next: a
        worker dying in between left the name "reserved" for good. Here an approved case's name
        becomes registered (only while its licence is in force: a licence deregistered or revoked since
        must not bring its name back as registered) and a rejected case's name free again; open cases
        keep theirs.
        """
        held = self.store.reservations_older_than(now - older_than)
        settled = 0
        batches = [held[i:i + 500] for i in range(0, len(held), 500)]
        for case in (case for batch in batches for case in self.store.cases_in(batch)):
            if case.get("state") == domain.APPROVED and domain.licence_in_force(case):
                self.store.mark_registered(case["_id"], case["licence"]["uscc"])
                settled += 1
            elif case.get("state") == domain.REJECTED:
                self.store.release_name(case["_id"])
                settled += 1
        if settled:
            log.warning("settled %d names left reserved by an interrupted worker", settled)
        return settled

    # ---- reading -----------------------------------------------------------------------------

    def case(self, application_id: str) -> dict:
        case = self.store.get_case(application_id) if isinstance(application_id, str) else None
        if case is None:
            raise NotFound(f"没有这个申请的登记案件：{application_id}")
        return case
