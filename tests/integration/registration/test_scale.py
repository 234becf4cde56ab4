"""Two instances of the service on one vhost and one database approve 200 applications at once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts.codes import is_valid_uscc
from services.registration.workflow import Registrar
from tests.factories import make_form

pytestmark = pytest.mark.integration

APPLICATIONS = 200


def test_two_instances_issue_200_distinct_valid_codes(registration, mongo_db, monkeypatch):
    second = registration.start_instance()
    handled_by: Counter = Counter()  # which instance's store handled each submission
    original = Registrar.on_submitted

    def counting(self, event):
        handled_by[id(self.store)] += 1
        return original(self, event)

    monkeypatch.setattr(Registrar, "on_submitted", counting)
    forms = [make_form() for _ in range(APPLICATIONS)]
    started = time.perf_counter()
    with entrypoint_waiter(registration.listener, "on_licence_issued", timeout=120,
                           callback=lambda *_: len({e["application_id"] for e in registration.events("licence_issued")}) >= APPLICATIONS):
        for i, form in enumerate(forms):
            registration.submit(f"app-{i:03d}", form)
    elapsed = time.perf_counter() - started
    print(f"\n{APPLICATIONS} applications, 2 instances: all licences issued in {elapsed:.1f} s")

    # delivery is at least once: a relay under load may publish an entry twice, with the same event_id
    issued = list({e["event_id"]: e for e in registration.events("licence_issued")}.values())
    codes = [e["licence"]["uscc"] for e in issued]
    assert len(codes) == APPLICATIONS and len(set(codes)) == APPLICATIONS
    assert all(is_valid_uscc(c) for c in codes)
    assert {e["application_id"] for e in issued} == {f"app-{i:03d}" for i in range(APPLICATIONS)}
    assert mongo_db["cases"].count_documents({"state": "approved"}) == APPLICATIONS
    assert len(handled_by) == 2 and sum(handled_by.values()) == APPLICATIONS, handled_by
    assert second.service_name == registration.service.service_name == "registration"
