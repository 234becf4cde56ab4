"""The service's thin entrypoints, with Nameko's worker_factory (dependencies mocked, no broker)."""

import pytest
from nameko.testing.services import worker_factory

from contracts.rpc import NotFound
from services.social_security.service import SocialSecurityService


def test_health_reports_a_database_it_cannot_reach_instead_of_failing():
    service = worker_factory(SocialSecurityService)
    assert service.health() == {"service": "social_security", "status": "ok", "database": "ok", "checks": {}}
    service.store.ping.side_effect = ConnectionError("no route to host")
    assert service.health() == {"service": "social_security", "status": "degraded", "database": "unavailable",
                                "checks": {}}  # the words every bureau answers with (kit.mongo.health_view)


def test_unknown_employer_and_documents_are_not_found():
    service = worker_factory(SocialSecurityService)
    service.store.employer.return_value = None
    service.store.employer_by_application.return_value = None
    with pytest.raises(NotFound):
        service.get_employer("91420111MA0000000X")
    assert service.list_documents("app-x") == []
    with pytest.raises(NotFound):
        service.get_document("app-x", "social_security.certificate")


def test_a_pending_employer_has_no_certificate_yet():
    service = worker_factory(SocialSecurityService)
    service.store.employer_by_application.return_value = {"state": "pending_review", "uscc": "U"}
    assert service.list_documents("app-1") == []
    service.dispatch.assert_not_called()
