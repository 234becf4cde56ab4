"""The Dockerfiles under docker/: pinned bases, non-root, no baked secrets, health checks, exec-form
CMD, and COPY sources that exist. Parsed and linted in Python: no Docker engine is needed."""

from __future__ import annotations

import pytest

from contracts.bureaus import NAMES

from ._dockerfile import ROOT, final_cmd, lint, parse

pytestmark = pytest.mark.static

BUREAUS = NAMES  # the manifest: a new bureau fails here until its image exists
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def test_there_is_one_dockerfile_per_service_and_the_gateway():
    assert {p.name for p in DOCKERFILES} == {f"{b}.Dockerfile" for b in (*BUREAUS, "gateway")}


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_passes_the_lint(path):
    assert lint(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("bureau", BUREAUS)
def test_bureau_image_runs_its_nameko_service(bureau):
    text = (ROOT / "docker" / f"{bureau}.Dockerfile").read_text(encoding="utf-8")
    assert final_cmd(text) == [
        "nameko", "run", "--config", f"services/{bureau}/config.yml", f"services.{bureau}.service"]
    healthcheck = [i.value for i in parse(text) if i.keyword == "HEALTHCHECK"]
    assert healthcheck and f'"/app/healthcheck.py", "{bureau}"]' in healthcheck[0]


def test_gateway_image_installs_the_gateway_extra_and_serves_http():
    text = (ROOT / "docker/gateway.Dockerfile").read_text(encoding="utf-8")
    assert final_cmd(text) == ["python", "-m", "gateway"]
    assert any(i.keyword == "RUN" and ".[gateway]" in i.value for i in parse(text))


def test_seal_image_has_the_cjk_font():
    text = (ROOT / "docker/seal.Dockerfile").read_text(encoding="utf-8")
    assert any(i.keyword == "RUN" and "fonts-wqy-zenhei" in i.value for i in parse(text))


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
