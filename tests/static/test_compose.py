"""docker-compose.yml: valid against the (vendored) Compose Specification schema, and semantically
right for a scalable production-like stack."""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import pytest

from . import _compose
from ._compose import APP_SERVICES, BUREAUS, ROOT

pytestmark = pytest.mark.static

SCHEMA = json.loads((ROOT / "tests/static/schemas/compose-spec.json").read_text(encoding="utf-8"))


def schema_errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture(scope="module")
def compose() -> dict:
    return _compose.load()


def test_compose_file_matches_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_schema_check_rejects_a_broken_compose_file(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["tax"]["depends_on"]["rabbitmq"] = {"restart": True}  # condition is required
    broken["services"]["tax"]["healthcheck"]["interval"] = 30  # must be a duration string
    broken["services"]["seal"]["replicas"] = 2  # not a service key
    errors = schema_errors(broken)
    assert any("services/tax/depends_on" in e for e in errors), errors
    assert any("services/seal" in e and "replicas" in e for e in errors), errors


def test_compose_file_is_semantically_sound(compose):
    assert _compose.check(compose) == []


def test_semantic_check_rejects_unscalable_or_misconfigured_services(compose):
    broken = copy.deepcopy(compose)
    tax = broken["services"]["tax"]
    tax["container_name"] = "tax"
    tax["ports"] = ["9000:9000"]
    tax["environment"]["MONGO_URI"] = tax["environment"]["MONGO_URI"].replace("mongodb://tax:", "mongodb://seal:")
    del broken["services"]["seal"]["healthcheck"]
    broken["services"]["registration"]["restart"] = "no"
    broken["services"]["gateway"]["depends_on"]["broker-init"]["condition"] = "service_started"
    broken["services"]["bank"]["environment"]["AMQP_URI"] = broken["services"]["seal"]["environment"]["AMQP_URI"]
    broken["services"]["mongo"]["command"] = ["mongod", "--bind_ip_all"]
    broken["services"]["housing_fund"]["image"] = "${ONESTOP_IMAGE_PREFIX:-onestop}/seal:0.1.0"
    del broken["services"]["medical_insurance"]["build"]
    problems = _compose.check(broken)
    expected = [
        "tax: container_name prevents --scale",
        "tax: a bureau service publishes ports, so it cannot scale",
        "tax: MONGO_URI user is 'seal', expected 'tax'",
        "seal: no healthcheck",
        "registration: restart policy is 'no'",
        "gateway: depends on broker-init with condition 'service_started'",
        "bank: AMQP_URI user is 'onestop-seal', expected 'onestop-bank'",
        "mongo: must run as replica set rs0 (--replSet rs0)",
        "housing_fund: image 'onestop/seal:0.1.0' is not onestop/housing_fund:<version>",
        "medical_insurance: no build: compose cannot build its image",
    ]
    for problem in expected:
        assert problem in problems, problems


def mongo_users_problems(compose: dict, bureaus: tuple[str, ...] = BUREAUS) -> list[str]:
    """The users mongo-init creates (docker/mongo/init-replica-set.js: ONESTOP_MONGO_USERS) are exactly
    the users the services log in as, each with the password variable its services use."""
    init_env = _compose.environment(compose["services"]["mongo-init"])
    users = [u for u in init_env.get("ONESTOP_MONGO_USERS", "").split(",") if u]
    apps = _compose.app_services(bureaus)
    problems = [] if sorted(users) == sorted(set(apps.values())) else [f"mongo-init creates {users}"]
    for user in users:
        password_var = f"MONGO_{user.upper()}_PASSWORD"
        if password_var not in init_env:
            problems.append(f"mongo-init: no {password_var}")
        for name, nameko_name in apps.items():
            uri = _compose.environment(compose["services"].get(name) or {}).get("MONGO_URI", "")
            if nameko_name == user and f"${{{password_var}:-" not in uri:
                problems.append(f"{name}: MONGO_URI does not use {password_var}")
    return problems


def test_every_mongo_user_gets_its_own_database_in_the_init_script(compose):
    script = (ROOT / "docker/mongo/init-replica-set.js").read_text(encoding="utf-8")
    assert "process.env.ONESTOP_MONGO_USERS" in script and "const services = [" not in script
    assert mongo_users_problems(compose) == []
    broken = copy.deepcopy(compose)
    broken["services"]["mongo-init"]["environment"]["ONESTOP_MONGO_USERS"] = "registration,gateway"
    del broken["services"]["mongo-init"]["environment"]["MONGO_GATEWAY_PASSWORD"]
    problems = mongo_users_problems(broken)
    assert "mongo-init creates ['registration', 'gateway']" in problems
    assert "mongo-init: no MONGO_GATEWAY_PASSWORD" in problems


def test_services_get_only_variables_their_process_reads(compose):
    """A variable the process never reads is a silent misconfiguration (e.g. a renamed setting)."""
    from gateway.settings import Settings

    gateway_vars = {name.upper() for name in Settings.model_fields} | {"MAX_WORKERS"}
    for name, nameko_name in APP_SERVICES.items():
        config = "gateway/config.yml" if nameko_name == "gateway" else f"services/{nameko_name}/config.yml"
        reads = set(re.findall(r"\$\{(\w+):", (ROOT / config).read_text(encoding="utf-8")))
        if name == "gateway":
            reads |= gateway_vars
        reads |= {"HEALTHCHECK_AMQP_URI"}  # docker/healthcheck.py: the probe broker user
        unread = set(_compose.environment(compose["services"][name])) - reads
        assert not unread, f"{name} sets variables nothing reads: {sorted(unread)}"


def test_env_example_covers_every_variable_compose_interpolates(compose):
    lines = (ROOT / "docker-compose.yml").read_text(encoding="utf-8").splitlines()
    used = set(re.findall(r"\$\{(\w+)", "\n".join(x for x in lines if not x.lstrip().startswith("#"))))
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert used - example == set()
    assert set(BUREAUS) <= set(compose["services"])


def test_operations_guide_documents_every_setting_the_processes_read():
    from gateway.settings import Settings

    guide = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    configs = [ROOT / "gateway/config.yml", *(ROOT / "services").glob("*/config.yml")]
    variables = {v for c in configs for v in re.findall(r"\$\{(\w+):", c.read_text(encoding="utf-8"))}
    variables |= {name.upper() for name in Settings.model_fields}
    missing = sorted(v for v in variables if f"| `{v}` |" not in guide)
    assert missing == []
