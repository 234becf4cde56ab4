"""The bureau parts of the deployment files are what `python -m deploy.generate` writes from the
manifest, and a new bureau gets all of them from its manifest entry and its service folder alone."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts import bureaus
from deploy import generate
from kit import broker_users

from . import _compose
from ._dockerfile import lint
from .test_compose import mongo_users_problems, schema_errors
from .test_k8s import manifests, schema_problems, semantic_problems, unlisted_manifests

pytestmark = pytest.mark.static

ROOT = generate.ROOT
NEW = "land_registry"  # a made-up bureau
NEW_CONFIG_EXTRA = """\
# Working days a field survey may take.
SURVEY_DAYS: ${LAND_REGISTRY_SURVEY_DAYS:5}
# The key that seals survey deeds.
DEED_KEY: !raw_env_var "${LAND_REGISTRY_DEED_KEY:}"
"""
DEED_KEY = "LAND_REGISTRY_DEED_KEY"


def copy_tree(tmp_path: Path) -> Path:
    """What the generator reads and writes, copied; the code the Dockerfiles copy, linked."""
    for name in (generate.COMPOSE, generate.ENV_EXAMPLE, generate.OPERATIONS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / generate.K8S, tmp_path / generate.K8S)
    for name in ("pyproject.toml", "README.md", "contracts", "kit", "docker"):
        (tmp_path / name).symlink_to(ROOT / name)
    for service in (ROOT / "services").iterdir():
        (tmp_path / "services").mkdir(exist_ok=True)
        (tmp_path / "services" / service.name).symlink_to(service)
    return tmp_path


def configmap_data(root: Path = ROOT) -> dict[str, str]:
    [configmap] = [d for d in yaml.safe_load_all((root / generate.CONFIGMAP).read_text()) if d]
    return configmap["data"]


def test_the_checked_in_deployment_files_are_what_the_manifest_generates():
    assert generate.differences() == [], f"run `{generate.COMMAND}`"


def test_the_check_sees_a_hand_edit_a_missing_manifest_and_a_lost_marker(tmp_path):
    root = copy_tree(tmp_path)
    compose = root / generate.COMPOSE
    compose.write_text(compose.read_text().replace("BUREAU: tax", "BUREAU: seal"))
    (root / generate.K8S / "housing-fund.yaml").unlink()
    assert generate.differences(root) == [generate.COMPOSE, f"{generate.K8S}/housing-fund.yaml"]
    generate.write(root)
    assert generate.differences(root) == []
    kustomization = root / generate.KUSTOMIZATION
    kustomization.write_text(kustomization.read_text().replace("  # END generated: images\n", ""))
    with pytest.raises(generate.GenerateError, match="END generated: images"):
        generate.render(root)


def test_a_bureau_without_its_service_folder_is_refused(tmp_path):
    root = copy_tree(tmp_path)
    ghost = dataclasses.replace(bureaus.bureau("bank"), name="ghost")
    with pytest.raises(generate.GenerateError, match="services/ghost/config.yml is missing"):
        generate.render(root, (*bureaus.BUREAUS, ghost))


def test_a_secret_setting_the_config_reads_and_the_manifest_does_not_list_is_refused(tmp_path):
    """Both ways: the pod would lack the key (no secretKeyRef) or be given one nobody issues."""
    root = copy_tree(tmp_path)
    seal = bureaus.bureau("seal")
    unlisted = dataclasses.replace(seal, keys=dataclasses.replace(seal.keys, settings=()))
    with pytest.raises(generate.GenerateError, match=r"seal/config.yml reads .*SEAL_KEY_ENCRYPTION_KEY.* lists \[\]"):
        generate.render(root, tuple(unlisted if b.name == "seal" else b for b in bureaus.BUREAUS))
    extra = bureaus.SecretSetting("TAX_STAMP_KEY", "aes256_base64")
    tax = dataclasses.replace(bureaus.bureau("tax"), keys=bureaus.Keys(settings=(extra,)))
    with pytest.raises(generate.GenerateError, match=r"tax/config.yml reads the secret settings \[\].*TAX_STAMP_KEY"):
        generate.render(root, tuple(tax if b.name == "tax" else b for b in bureaus.BUREAUS))


def test_the_configmap_holds_every_bureau_setting_and_no_secret_one():
    data = configmap_data()
    for entry in bureaus.BUREAUS:
        config = (ROOT / entry.config).read_text(encoding="utf-8")
        for setting in generate.settings(config, entry.name):
            secret = setting.variable in {s.variable for s in entry.keys.settings}
            assert (setting.variable in data) != secret, f"{entry.name}: {setting.variable}"
    assert all(isinstance(value, str) for value in data.values())
    # set by hand for production, not the config's demo default
    assert data["REGISTRATION_SEED_DEMO_NAMES"] == "false"


def test_a_configmap_value_set_by_hand_replaces_the_generated_line(tmp_path):
    root = copy_tree(tmp_path)
    path = root / generate.CONFIGMAP
    text = path.read_text()
    assert '  REGISTRATION_AUTOMATIC_DAYS: "0"\n' in text
    path.write_text(text.replace("\ndata:\n", '\ndata:\n  REGISTRATION_AUTOMATIC_DAYS: "1"  # production\n', 1))
    assert generate.differences(root) == [generate.CONFIGMAP]
    generate.write(root)
    assert path.read_text().count("REGISTRATION_AUTOMATIC_DAYS") == 1  # one key: valid YAML, the hand's value
    assert configmap_data(root)["REGISTRATION_AUTOMATIC_DAYS"] == "1"
    assert configmap_data(root)["REGISTRATION_CLERK_DAYS"] == ""


def test_a_bureau_taken_out_of_the_manifest_loses_its_generated_parts(tmp_path):
    root = copy_tree(tmp_path)
    generate.write(root, bureaus.BUREAUS[:-1])  # without the bank
    assert not (root / generate.K8S / "bank.yaml").exists()
    assert "bank" not in _compose.load(root / generate.COMPOSE)["services"]
    assert unlisted_manifests(root / generate.K8S) == []


def test_the_generated_user_lists_are_the_ones_the_processes_use():
    assert generate.processes(bureaus.NAMES) == broker_users.PROCESSES
    assert generate.mongo_users(bureaus.NAMES) == bureaus.SERVICES


def test_a_new_bureau_gets_every_deployment_part_from_its_manifest_entry_and_folder(tmp_path):
    """Issue 16: a manifest entry + a service folder, and no edit of any deployment file."""
    root = copy_tree(tmp_path)
    folder = root / "services" / NEW
    folder.mkdir()
    bank_config = (ROOT / "services/bank/config.yml").read_text(encoding="utf-8")
    (folder / "config.yml").write_text(bank_config.replace("bank", NEW) + NEW_CONFIG_EXTRA, encoding="utf-8")
    entry = dataclasses.replace(bureaus.bureau("bank"), name=NEW, label="不动产登记中心", step_title="不动产登记",
                                keys=bureaus.Keys(settings=(bureaus.SecretSetting(DEED_KEY, "aes256_base64"),)))
    manifest = (*bureaus.BUREAUS, entry)
    names = tuple(b.name for b in manifest)
    before = {p: (root / p).read_text() for p in generate.render(root) if (root / p).exists()}

    changed = generate.write(root, manifest)
    assert set(changed) == {generate.COMPOSE, generate.ENV_EXAMPLE, generate.KUSTOMIZATION, generate.CONFIGMAP,
                            generate.BROKER_USERS, generate.OPERATIONS, f"{generate.K8S}/land-registry.yaml"}
    assert generate.differences(root, manifest) == []
    for path, text in before.items():  # the other bureaus' manifests are untouched
        if path not in changed:
            assert (root / path).read_text() == text

    # compose: its service, built from the one bureau image, its own users and database, its setting
    compose = _compose.load(root / generate.COMPOSE)
    assert schema_errors(compose) == []
    assert _compose.check(compose, names, root) == []
    assert mongo_users_problems(compose, names) == []
    service = compose["services"][NEW]
    assert service["build"] == {"context": ".", "dockerfile": "docker/bureau.Dockerfile", "args": {"BUREAU": NEW}}
    assert lint((root / "docker/bureau.Dockerfile").read_text(), root, service["build"]["args"]) == []
    env = _compose.environment(service)
    assert env["AMQP_URI"].startswith(f"pyamqp://onestop-{NEW}:${{BROKER_PASSWORD_LAND_REGISTRY:-")
    assert env["LAND_REGISTRY_SURVEY_DAYS"] == "${LAND_REGISTRY_SURVEY_DAYS:-5}"
    assert service["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py", NEW]
    broker_env = _compose.environment(compose["services"]["broker-init"])
    assert "BROKER_PASSWORD_LAND_REGISTRY" in broker_env
    example = (root / generate.ENV_EXAMPLE).read_text()
    for line in ("BROKER_PASSWORD_LAND_REGISTRY=", "MONGO_LAND_REGISTRY_PASSWORD=", "LAND_REGISTRY_SURVEY_DAYS=5"):
        assert f"\n{line}" in example

    # Kubernetes: its Deployment, autoscaler and disruption budget, valid and complete, and listed
    docs = manifests(root / generate.K8S)
    assert [p for path, doc in docs for p in schema_problems(doc)] == []
    assert semantic_problems([d for _, d in docs], manifest) == []
    assert unlisted_manifests(root / generate.K8S) == []
    kinds = {d["kind"] for path, d in docs if path.endswith("land-registry.yaml")}
    assert kinds == {"Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    deployment = next(d for path, d in docs if path.endswith("land-registry.yaml") and d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["nameko", "run", "--config", entry.config, entry.module]
    secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert secrets["AMQP_URI"] == {"name": "onestop-amqp", "key": NEW}
    assert secrets["MONGO_URI"] == {"name": "onestop-mongo-land-registry", "key": "uri"}
    # its keys: its own pki Secret at PKI_DIR, its key password and its secret setting from its own Secret
    assert secrets["PKI_KEY_PASSWORD"] == {"name": "onestop-keys-land-registry", "key": "PKI_KEY_PASSWORD"}
    assert secrets[DEED_KEY] == {"name": "onestop-keys-land-registry", "key": DEED_KEY}
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    assert {"name": "pki", "secret": {"secretName": "onestop-pki-land-registry", "defaultMode": 0o440}} in volumes
    # its settings in the ConfigMap every pod reads, its key not
    data = configmap_data(root)
    assert data["LAND_REGISTRY_SURVEY_DAYS"] == "5" and DEED_KEY not in data
    assert "  # Working days a field survey may take.\n  LAND_REGISTRY_SURVEY_DAYS" in (root / generate.CONFIGMAP).read_text()
    images = yaml.safe_load((root / generate.KUSTOMIZATION).read_text())["images"]
    assert {"name": f"onestop/{NEW}", "newTag": "0.1.0"} in images
    job_env = [d for _, d in docs if d["kind"] == "Job"][0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "BROKER_PASSWORD_LAND_REGISTRY",
            "valueFrom": {"secretKeyRef": {"name": "onestop-broker-passwords", "key": NEW}}} in job_env
    assert " land-registry gateway\"" in (root / generate.OPERATIONS).read_text()


@pytest.mark.parametrize(("target", "command"), [("deploy-files", generate.COMMAND),
                                                 ("deploy-check", f"{generate.COMMAND} --check")])
def test_the_make_targets_run_the_generator(target, command):
    """docs/operations.md names them; `make -n` prints the recipes without running any."""
    printed = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), target], capture_output=True, text=True, check=True).stdout
    assert printed.splitlines()[-1].endswith(command)
