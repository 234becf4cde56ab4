"""Reusable pytest fixtures: import the ones a conftest needs (`from tests.support.fixtures import ...`)."""

from __future__ import annotations

import shutil

import pytest

from tests.support.rabbit import PrivateRabbit


@pytest.fixture(scope="module")
def private_rabbit():
    """A RabbitMQ node of its own (free ports, temp data dir) that a test may stop and start at will.
    Skipped where the Debian package is missing; the shared broker is never touched."""
    if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmq-server is not installed")
    rabbit = PrivateRabbit()
    try:
        rabbit.start()
        yield rabbit
    finally:
        rabbit.close()
