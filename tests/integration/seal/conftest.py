"""The seal service in a container on a fresh vhost and database, and a way to play registration."""

import pytest

from services.seal.service import SealService
from tests.support.events import as_published


@pytest.fixture
def seal(container_factory, service_config):
    container = container_factory(SealService, service_config)
    container.start()
    return container


@pytest.fixture
def publish(service_config):
    """Emit a registration event (licence_issued, licence_revoked) as registration would."""
    dispatch = as_published(service_config)
    return lambda event: dispatch("registration", event.type, event.model_dump(mode="json"))
