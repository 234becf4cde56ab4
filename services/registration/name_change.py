"""A name change (名称变更) in the name register: the new name is checked and held exactly like a new
company's, and the old one becomes a former name barred for a year (《企业名称登记管理规定》 art. 17,
names.barred_until), as a deregistered company's is.

The register is a separate collection from the case, so the steps are ordered for crashes:
1. `reserve` holds the new name under `change:<application>:<change>` BEFORE the case write (the
   unique `active_key` index decides a race for the same name, as at start-up);
2. the case write registers the change and sets `name_change_pending`;
3. `settle` turns every other registered name of the company into a former name, the new one into
   the registered one, and clears `name_change_pending`.
A worker killed between 1 and 2 leaves a reservation no case knows (released by `sweep`), one
killed between 2 and 3 leaves `name_change_pending` (settled by `sweep`). Every step is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from contracts import clock
from contracts.form import ApplicationForm
from contracts.rpc import FieldError, Invalid
from services.registration import domain
from services.registration import names as name_rules
from services.registration.store import RegistrationStore

log = logging.getLogger(__name__)

NameChecker = Callable[[ApplicationForm, str], name_rules.NameCheck]


def reserve(store: RegistrationStore, check_name: NameChecker, case: dict, change_id: str,
            after: ApplicationForm) -> list[str]:
    """Check the new name (the company's own names are no conflict) and hold it; `Invalid` naming
    every rule it breaks. Returns the warnings (similar names) the change records."""
    check = check_name(after, case["_id"])
    errors = [p.message for p in check.problems if p.severity == name_rules.ERROR]
    if errors or check.parts is None:
        raise Invalid.with_fields("新名称不能登记", [FieldError(field="name.trade_name", message=m)
                                                    for m in errors or ["名称无法解析"]])
    keys = name_rules.name_keys(check.parts, after.business_scope, domain.authority_of(after).id)
    if not store.reserve_changed_name(case["_id"], change_id, keys, after.domicile.district_code):
        raise Invalid.with_fields("新名称已被占用", [FieldError(
            field="name.trade_name", message=f"“{after.name.full}”刚被其他申请保留，请换一个字号")])
    return [f"{p.message}（{'、'.join(p.conflicts)}）" if p.conflicts else p.message for p in check.warnings]


def settle(store: RegistrationStore, application_id: str, change_id: str, ended_on: str) -> None:
    store.settle_changed_name(application_id, change_id, ended_on)
    store.clear_name_change_pending(application_id, change_id)


def sweep(store: RegistrationStore, now: datetime, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Finish what a dead worker left: pending settlements, and reservations whose change never landed."""
    done = 0
    for case in store.cases_with_pending_name_change():
        change = case["changes"][case["name_change_pending"]]
        settle(store, case["_id"], change["id"], clock.china_date(change["registered_at"]).isoformat())
        done += 1
    for row in store.changed_name_reservations(now - older_than):
        case = store.get_case(row["application_id"]) or {}
        if row["change_id"] not in (case.get("changes") or {}):
            store.release_changed_name(row["application_id"], row["change_id"])
            done += 1
    if done:
        log.warning("settled %d name changes left by an interrupted worker", done)
    return done
