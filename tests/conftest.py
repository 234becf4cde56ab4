"""Root test configuration.

Nameko's container fixtures hang unless eventlet patches the standard library before anything else
imports it, so that happens first. Browser tests run in their own pytest process without eventlet
(`ONESTOP_TEST_EVENTLET=0`), because Playwright's sync API needs real threads.
"""

import os
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

if os.environ.get("ONESTOP_TEST_EVENTLET", "1") == "1":
    import eventlet

    eventlet.monkey_patch()

import uuid  # noqa: E402

import pytest  # noqa: E402

from kit.mongo import connect  # noqa: E402
from kit.startup import configure_from_env  # noqa: E402

# ONESTOP_CLOCK_START pins this test run's clock (and every process it starts) to another day:
# `make test-days` runs the date-sensitive tests so at the days that have broken us before.
configure_from_env()

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017")


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mongo_db_name():
    """A fresh database name for one test; dropped afterwards."""
    name = unique_name("t")
    yield name
    db = connect(MONGO_URI, name)
    db.client.drop_database(name)
    db.client.close()


@pytest.fixture
def mongo_db(mongo_db_name):
    db = connect(MONGO_URI, mongo_db_name)
    yield db
    db.client.close()


@pytest.fixture
def service_config(rabbit_config, mongo_db_name):
    """Nameko config for one service under test: a fresh RabbitMQ vhost and a fresh database. The
    tests call the service as `guest` through nameko's own proxies, so the caller check (kit/callers.py)
    is off here; tests/security/test_broker_trust.py checks it in a running system."""
    return {**rabbit_config, "MONGO_URI": MONGO_URI, "MONGO_DATABASE": mongo_db_name,
            "RPC_CALLER_CHECK": False}


# Tests whose outcome depends on what day it is (deadlines, enrolment dates, contribution months,
# periods, stats): `make test-days` runs them again with ONESTOP_CLOCK_START at the days that matter.
DATE_SENSITIVE = (
    "tests/unit/contracts/test_calendar.py", "tests/unit/contracts/test_statutory_calendar.py",
    "tests/unit/contracts/test_form.py", "tests/unit/contracts/test_form_properties.py",
    "tests/unit/social_security/", "tests/unit/tax/", "tests/unit/seal/", "tests/unit/registration/",
    "tests/unit/gateway/test_timeline.py",
    "tests/integration/social_security/", "tests/integration/registration/", "tests/integration/tax/",
    "tests/integration/seal/", "tests/integration/gateway/", "tests/ops/test_cli.py", "tests/unit/test_year_change.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::")[0]
        if any(path.startswith(prefix) for prefix in DATE_SENSITIVE):
            item.add_marker(pytest.mark.dates)
