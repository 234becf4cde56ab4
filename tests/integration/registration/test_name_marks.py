"""Registration marks approved names registered in one bulk write per tick (issue 23,
services/registration/store.py `mark_registered_soon` / `mark_pending`), on the real database: reserved
until the tick, registered after it, and a name ended or released in between never made active again."""

from __future__ import annotations

from services.registration.store import RegistrationStore


def _reserve(store: RegistrationStore, app: str) -> None:
    store.names.insert_one({"_id": f"app:{app}", "application_id": app, "status": "reserved", "active_key": app})


def test_marks_wait_for_the_tick_and_never_revive_an_ended_name(mongo_db):
    store = RegistrationStore(mongo_db)
    for app in ("app-a", "app-b", "app-c"):
        _reserve(store, app)
        store.mark_registered_soon(app, f"USCC-{app}")
    assert store.names.count_documents({"status": "reserved"}) == 3  # nothing written yet
    store.release_name("app-b")  # e.g. released meanwhile: stays released
    store.end_name("app-c", "2026-12-02")  # ended at once: registered first (its pending mark), then ended
    assert store.mark_pending() == 2
    status = {d["_id"]: (d["status"], d.get("uscc")) for d in store.names.find({})}
    assert status["app:app-a"] == ("registered", "USCC-app-a")
    assert status["app:app-b"][0] == "released"
    assert status["app:app-c"][0] == "former"
    assert store.mark_pending() == 0
