"""The Dockerfiles under docker/: pinned bases, non-root, no baked secrets, health checks, exec-form
CMD, and COPY sources that exist. Parsed and linted in Python: no Docker engine is needed."""

from __future__ import annotations

import importlib.util
import shlex

import pytest

from contracts import bureaus
from contracts.bureaus import NAMES

from . import _compose
from ._dockerfile import ROOT, expand, final_cmd, final_env, lint, parse

pytestmark = pytest.mark.static

BUREAUS = NAMES  # the manifest: every bureau's image is docker/bureau.Dockerfile with its name as BUREAU
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))
BUREAU_DOCKERFILE = ROOT / "docker/bureau.Dockerfile"


def test_there_is_one_dockerfile_for_the_bureaus_and_one_for_the_gateway():
    assert {p.name for p in DOCKERFILES} == {"bureau.Dockerfile", "gateway.Dockerfile"}


def compose_builds() -> list[tuple[str, str, dict[str, str]]]:
    """(compose service, Dockerfile, build args) of every image compose builds."""
    services = _compose.load()["services"]
    return [(name, s["build"]["dockerfile"], {k: str(v) for k, v in (s["build"].get("args") or {}).items()})
            for name, s in services.items() if "build" in s]


@pytest.mark.parametrize("name, dockerfile, args", compose_builds(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_image_compose_builds_passes_the_lint(name, dockerfile, args):
    assert lint((ROOT / dockerfile).read_text(encoding="utf-8"), build_args=args) == []


def test_every_bureau_builds_the_bureau_image_with_its_name():
    builds = {name: (dockerfile, args) for name, dockerfile, args in compose_builds()}
    for bureau in BUREAUS:
        assert builds[bureau] == ("docker/bureau.Dockerfile", {"BUREAU": bureau})


def test_the_bureau_image_cannot_be_built_without_its_bureau():
    problems = lint(BUREAU_DOCKERFILE.read_text(encoding="utf-8"))
    assert any("'services/${BUREAU}/config.yml' names a variable with no value" in p for p in problems)
    assert any("'services/ghost/config.yml' does not exist" in p for p in lint(
        BUREAU_DOCKERFILE.read_text(encoding="utf-8"), build_args={"BUREAU": "ghost"}))


@pytest.mark.parametrize("bureau", BUREAUS)
def test_bureau_image_runs_and_checks_its_nameko_service(bureau):
    text = BUREAU_DOCKERFILE.read_text(encoding="utf-8")
    env = final_env(text, {"BUREAU": bureau})
    assert env["ONESTOP_SERVICE"] == bureau
    shell, flag, script = final_cmd(text)
    assert (shell, flag) == ("sh", "-c")
    entry = bureaus.bureau(bureau)
    assert shlex.split(expand(script, env)) == ["exec", "nameko", "run", "--config", entry.config, entry.module]
    healthcheck = [i.value for i in parse(text) if i.keyword == "HEALTHCHECK"]
    assert healthcheck and healthcheck[0].endswith('CMD ["python", "/app/healthcheck.py"]')


def test_healthcheck_without_a_service_checks_the_image_s_own(monkeypatch):
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "docker/healthcheck.py")
    healthcheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(healthcheck)
    checked = []
    monkeypatch.setattr(healthcheck, "check_rpc", lambda service, timeout: checked.append(service))
    monkeypatch.setenv("ONESTOP_SERVICE", "tax")
    assert healthcheck.main([]) == 0 and checked == ["tax"]
    assert healthcheck.main(["seal"]) == 0 and checked == ["tax", "seal"]
    monkeypatch.delenv("ONESTOP_SERVICE")
    with pytest.raises(SystemExit):
        healthcheck.main([])


def test_gateway_image_installs_the_gateway_extra_and_serves_http():
    text = (ROOT / "docker/gateway.Dockerfile").read_text(encoding="utf-8")
    assert lint(text) == []
    assert final_cmd(text) == ["python", "-m", "gateway"]
    assert any(i.keyword == "RUN" and ".[gateway]" in i.value for i in parse(text))


def test_bureau_image_has_the_pdf_font_and_the_seal_font():
    """kit.pdf (every bureau's PDFs) needs AR PL UMing at import; kit.seal_image (seal images, and the
    round seal kit.pdfsign draws on every signed PDF) WenQuanYi Zen Hei."""
    runs = [i.value for i in parse(BUREAU_DOCKERFILE.read_text(encoding="utf-8")) if i.keyword == "RUN"]
    assert any("fonts-wqy-zenhei" in r and "fonts-arphic-uming" in r for r in runs)


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".venv-db", "var", "test-output", ".env", ".git"} <= ignored


BROKEN = """\
FROM python:3.11-slim AS build
ARG PIP_TOKEN
COPY no/such/dir ./src
FROM build
ENV DB_PASSWORD=hunter2 \\
    AMQP_URI=pyamqp://onestop:s3cret@rabbitmq:5672/
HEALTHCHECK CMD curl -f http://localhost:8000/healthz
CMD nameko run services.tax.service
"""


def test_lint_rejects_a_broken_dockerfile():
    problems = lint(BROKEN)
    expected = [
        "line 1: base image 'python:3.11-slim' is not pinned to an exact version",
        "line 2: ARG PIP_TOKEN: build args are kept in the image history",
        "line 3: COPY source 'no/such/dir' does not exist in the repository",
        "line 5: ENV DB_PASSWORD bakes a secret-looking value into the image",
        "line 5: ENV AMQP_URI holds a URI with credentials",
        "the final stage does not switch to a non-root USER",
        "line 7: HEALTHCHECK CMD is not in exec form",
        "line 8: CMD is not in exec form (signals would not reach the process)",
    ]
    assert sorted(problems) == sorted(expected)


def test_lint_rejects_root_user_and_missing_healthcheck():
    text = 'FROM python:3.11.11-slim-bookworm\nUSER root\nCMD ["python"]\n'
    assert lint(text) == ["the final stage does not switch to a non-root USER", "no HEALTHCHECK"]
