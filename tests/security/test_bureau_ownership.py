"""Each bureau checks, itself, that the principal the gateway stamped owns what a founder-facing RPC reads
or acts on (kit/owners.py): a bug in the gateway cannot leak another company's data.

The attack is a call as the gateway's own broker user (the only caller the bureaus accept) carrying bob's
principal and asking for alice's company: what a gateway that forgot its ownership check (or passed the
wrong id on) would send. Before the bureaus checked, every one of these answered with alice's data.
"""

from __future__ import annotations

import pytest

from contracts.rpc import Forbidden, register_remote_errors
from kit.callers import PRINCIPAL
from kit.queues import cluster_proxy

pytestmark = pytest.mark.e2e

LICENCE = "registration.licence"


def _uscc(world, app_id: str) -> str:
    doc = world.live.db("gateway").applications.find_one({"_id": app_id}, {"outputs": 1})
    return doc["outputs"]["uscc"]


@pytest.fixture
def as_gateway(world):
    """Calls as the gateway web process (its broker user), with the principal the test chooses."""
    register_remote_errors()
    runner = cluster_proxy({"AMQP_URI": world.live.system.broker_uri("web"), "serializer": "json"}, timeout=60)
    proxy = runner.start()

    def call(principal: str | None, service: str, method: str, *args):
        runner.context_data.pop(PRINCIPAL, None)
        if principal:
            runner.context_data[PRINCIPAL] = principal
        return getattr(getattr(proxy, service), method)(*args)

    yield call
    runner.stop()


def _reads(world, uscc: str) -> list[tuple[str, str, tuple]]:
    """The founder-facing reads of alice's company at every bureau."""
    app = world.alice_app
    return [
        ("registration", "get_document", (app, LICENCE)),
        ("registration", "list_documents", (app,)),
        ("social_security", "list_staff", (uscc,)),
        ("tax", "list_invoices", (uscc,)),
        ("tax", "received_invoices", (uscc,)),
        ("seal", "list_seal_uses", (uscc,)),
        ("housing_fund", "list_accounts", (uscc,)),
        ("medical_insurance", "list_members", (uscc,)),
        ("seal", "list_documents", (app,)),
    ]


def test_the_owner_reads_through_the_gateways_user(world, as_gateway):
    uscc = _uscc(world, world.alice_app)
    alice = f"founder:{world.alice.account_id}"
    assert as_gateway(alice, "registration", "get_document", world.alice_app, LICENCE)["data_base64"]
    assert len(as_gateway(alice, "social_security", "list_staff", uscc)) == 2  # the form's two employees
    assert as_gateway(alice, "tax", "list_invoices", uscc) == []


def test_another_founders_principal_is_refused_by_every_bureau(world, as_gateway):
    uscc = _uscc(world, world.alice_app)
    bob = f"founder:{world.bob.account_id}"
    for service, method, args in _reads(world, uscc):
        with pytest.raises(Forbidden):
            as_gateway(bob, service, method, *args)
            pytest.fail(f"{service}.{method} answered bob with alice's data")


def test_acting_for_another_founders_company_is_refused(world, as_gateway):
    uscc = _uscc(world, world.alice_app)
    bob = f"founder:{world.bob.account_id}"
    employee = {"name": "员工乙", "resident_id": "11010519491231002X", "monthly_wage": "6000"}
    with pytest.raises(Forbidden):
        as_gateway(bob, "social_security", "enrol_employee", uscc, employee, "bob-hires-at-alice")
    with pytest.raises(Forbidden):
        as_gateway(bob, "tax", "issue_invoice", uscc, {})
    with pytest.raises(Forbidden):
        as_gateway(bob, "seal", "report_seal_lost", uscc, "0" * 13, "丢失")
    # registration: the founder id the gateway passes must be the principal's own
    with pytest.raises(Forbidden):
        as_gateway(bob, "registration", "list_changes", uscc, world.alice.account_id)
    assert len(as_gateway(f"founder:{world.alice.account_id}", "social_security", "list_staff", uscc)) == 2


def test_no_principal_a_clerk_or_an_unknown_company_is_refused(world, as_gateway):
    uscc = _uscc(world, world.alice_app)
    for principal in (None, f"clerk:{world.alice.account_id}", f"founder:{world.alice.account_id}x"):
        with pytest.raises(Forbidden):
            as_gateway(principal, "social_security", "list_staff", uscc)
    with pytest.raises(Forbidden):
        as_gateway(f"founder:{world.alice.account_id}", "social_security", "list_staff", _uscc(world, world.bob_app))


def test_an_operator_may_read_documents_but_not_act_for_a_company(world, as_gateway):
    operator = "operator:ops-account"
    assert as_gateway(operator, "registration", "list_documents", world.alice_app)
    with pytest.raises(Forbidden):
        as_gateway(operator, "tax", "list_invoices", _uscc(world, world.alice_app))
