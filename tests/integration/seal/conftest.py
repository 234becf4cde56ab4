"""The seal service in a container on a fresh vhost and database, and a way to play registration."""

import pytest
from nameko.standalone.events import event_dispatcher

from services.seal.service import SealService


@pytest.fixture
def seal(container_factory, service_config):
    container = container_factory(SealService, service_config)
    container.start()
    return container


@pytest.fixture
def publish(service_config):
    """Emit a registration event (licence_issued, licence_revoked) as registration would."""
    dispatch = event_dispatcher(service_config)
    return lambda event: dispatch("registration", event.type, event.model_dump(mode="json"))
