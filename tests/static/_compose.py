"""Semantic checks of docker-compose.yml, beyond the Compose schema. Each returns a list of problems."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from contracts.bureaus import NAMES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
BUREAUS = NAMES  # the manifest: a new bureau fails the compose tests until it is in the file


def app_services(bureaus: tuple[str, ...] = BUREAUS) -> dict[str, str]:
    """compose service -> the Nameko/database name it runs as."""
    return {**{b: b for b in bureaus}, "gateway-tracker": "gateway", "gateway": "gateway"}


APP_SERVICES = app_services()
LONG_RUNNING_RESTART = {"unless-stopped", "always"}
PINNED_TAG = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$")
DEFAULT = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def load(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def with_defaults(value: str) -> str:
    """Interpolate ${VAR:-default} the way compose does with an empty environment."""
    return DEFAULT.sub(lambda m: m.group(2) or "", str(value))


def one_shots(doc: dict) -> set[str]:
    """Services that others wait for with `service_completed_successfully`."""
    found = set()
    for service in doc["services"].values():
        for target, dep in (service.get("depends_on") or {}).items():
            if isinstance(dep, dict) and dep.get("condition") == "service_completed_successfully":
                found.add(target)
    return found


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def check(doc: dict, bureaus: tuple[str, ...] = BUREAUS, root: Path = ROOT) -> list[str]:
    """`bureaus`: the manifest's names; `root`: where the Dockerfiles are."""
    problems: list[str] = []
    apps = app_services(bureaus)
    services: dict[str, dict] = doc.get("services") or {}
    shots = one_shots(doc)
    for name in [*apps, "rabbitmq", "mongo"]:
        if name not in services:
            problems.append(f"service {name} is missing")
    for name, service in services.items():
        if "container_name" in service:
            problems.append(f"{name}: container_name prevents --scale")
        if name in shots:
            if service.get("restart") not in ("on-failure", "no", None):
                problems.append(f"{name}: a one-shot service must not restart unless it failed")
        else:
            if not (service.get("healthcheck") or {}).get("test"):
                problems.append(f"{name}: no healthcheck")
            if service.get("restart") not in LONG_RUNNING_RESTART:
                problems.append(f"{name}: restart policy is {service.get('restart')!r}")
        image = service.get("image", "")
        if "build" not in service and not PINNED_TAG.match(with_defaults(image)):
            problems.append(f"{name}: image {image!r} is not pinned to an exact version")
        problems += _check_depends_on(name, service, services, shots)
    for name in bureaus:
        service = services.get(name) or {}
        if service.get("ports"):
            problems.append(f"{name}: a bureau service publishes ports, so it cannot scale")
    for name, nameko_name in apps.items():
        if name in services:
            problems += _check_app(name, nameko_name, services[name], root)
    problems += _check_infrastructure(doc)
    return problems


def _check_depends_on(name: str, service: dict, services: dict, shots: set[str]) -> list[str]:
    problems = []
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return [f"{name}: depends_on must give a condition for each dependency"]
    for target, dep in depends.items():
        condition = (dep or {}).get("condition")
        if target not in services:
            problems.append(f"{name}: depends on unknown service {target}")
        elif condition == "service_healthy":
            if not (services[target].get("healthcheck") or {}).get("test"):
                problems.append(f"{name}: waits for {target} to be healthy, but it has no healthcheck")
        elif not (condition == "service_completed_successfully" and target in shots):
            problems.append(f"{name}: depends on {target} with condition {condition!r}")
    return problems


def _check_app(name: str, nameko_name: str, service: dict, root: Path) -> list[str]:
    problems = []
    env = environment(service)
    for key in ("AMQP_URI", "MONGO_URI", "ONESTOP_DB_PREFIX"):
        if key not in env:
            problems.append(f"{name}: {key} is not set")
    if "AMQP_URI" in env:  # a broker user per process (kit/broker_users.py); the web process is "web"
        expected = f"onestop-{'web' if name == 'gateway' else nameko_name}"
        user = urlsplit(with_defaults(env["AMQP_URI"])).username
        if user != expected:
            problems.append(f"{name}: AMQP_URI user is {user!r}, expected {expected!r}")
    if "MONGO_URI" in env:
        prefix = with_defaults(env.get("ONESTOP_DB_PREFIX", "onestop"))
        database = f"{prefix}_{nameko_name}"
        uri = urlsplit(with_defaults(env["MONGO_URI"]))
        query = parse_qs(uri.query)
        if uri.username != nameko_name:
            problems.append(f"{name}: MONGO_URI user is {uri.username!r}, expected {nameko_name!r}")
        if uri.path.lstrip("/") != database or query.get("authSource") != [database]:
            problems.append(f"{name}: MONGO_URI must name and authenticate against {database}")
        if query.get("replicaSet") != ["rs0"]:
            problems.append(f"{name}: MONGO_URI must use replicaSet=rs0")
        if not uri.password:
            problems.append(f"{name}: MONGO_URI has no password")
    image = with_defaults(service.get("image", ""))
    if not image.startswith(f"onestop/{nameko_name}:"):  # what kustomization's images name too
        problems.append(f"{name}: image {image!r} is not onestop/{nameko_name}:<version>")
    build = service.get("build")
    if not build:
        problems.append(f"{name}: no build: compose cannot build its image")
    if build:
        dockerfile = root / (build.get("context", ".") if isinstance(build, dict) else build) / (
            build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
        if not dockerfile.is_file():
            problems.append(f"{name}: Dockerfile {dockerfile} does not exist")
    return problems


def _check_infrastructure(doc: dict) -> list[str]:
    problems = []
    services = doc.get("services") or {}
    volumes = doc.get("volumes") or {}
    mongo = services.get("mongo") or {}
    command = mongo.get("command") or []
    command = command.split() if isinstance(command, str) else command
    if "--replSet" not in command or command[command.index("--replSet") + 1] != "rs0":
        problems.append("mongo: must run as replica set rs0 (--replSet rs0)")
    for name, path in (("rabbitmq", "/var/lib/rabbitmq"), ("mongo", "/data/db")):
        mounts = [str(v) for v in (services.get(name) or {}).get("volumes") or []]
        if not any(m.split(":")[0] in volumes and m.split(":")[1] == path for m in mounts):
            problems.append(f"{name}: {path} is not on a named volume")
    return problems
