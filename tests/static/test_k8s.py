"""deploy/k8s: every manifest validates against the Kubernetes JSON schemas offline (the schemas
bundled in the PyPI package kubernetes-validate, strict mode: unknown fields are errors), and the set
of manifests is operationally complete."""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from contracts import bureaus as bureaus_manifest
from contracts.bureaus import Bureau

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
# Custom resources of the RabbitMQ operators: no bundled schema; checked for their required fields.
WITH_SPEC = {"Deployment", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"}
CUSTOM_RESOURCES = {("rabbitmq.com/v1beta1", "RabbitmqCluster"): ("replicas",),
                    ("rabbitmq.com/v1beta1", "Vhost"): ("name", "rabbitmqClusterReference")}
PKI_DIR = "/app/var/pki"  # kit.pki's default PKI_DIR (var/pki) in the images' WORKDIR /app
SWITCH = "ONESTOP_KEYS_SUPPLIED"  # kit.pki.SUPPLIED_CONFIG: with it on nothing creates a key
GATEWAY_PKI = "onestop-pki-gateway"  # root.pem and the bureaus' certificates, no key
KEY_SECRETS = ("onestop-pki-", "onestop-keys-")  # one bureau's (or the gateway's) key material each


def manifests(k8s: Path = K8S) -> list[tuple[str, dict]]:
    found = []
    for path in sorted(k8s.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found.append((str(path.relative_to(k8s.parents[1])), doc))
    return found


def schema_problems(doc: dict) -> list[str]:
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in CUSTOM_RESOURCES:
        spec = doc.get("spec") or {}
        return [f"{key[1]}: spec.{field} missing" for field in CUSTOM_RESOURCES[key] if field not in spec]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}: "
                f"{'.'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"no schema: {error.message}"]
    return []


def semantic_problems(docs: list[dict], entries: tuple[Bureau, ...] = bureaus_manifest.BUREAUS) -> list[str]:
    """`entries`: the manifest's bureaus."""
    by_k8s_name = {e.name.replace("_", "-"): e for e in entries}
    problems = []
    for doc in docs:  # what `kubectl apply` needs of every object; workloads and policies have a spec
        missing = [f for f in ("apiVersion", "kind") if not doc.get(f)]
        missing += [] if (doc.get("metadata") or {}).get("name") else ["metadata.name"]
        missing += ["spec"] if doc.get("kind") in WITH_SPEC and not doc.get("spec") else []
        if missing:
            problems.append(f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}: no {', '.join(missing)}")
    deployments = {d["metadata"]["name"]: d for d in docs if (d.get("metadata") or {}).get("name")
                   and d.get("kind") == "Deployment"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{name}/{container['name']}: no {probe}")
            requests = (container.get("resources") or {}).get("requests") or {}
            limits = (container.get("resources") or {}).get("limits") or {}
            if not {"cpu", "memory"} <= set(requests):
                problems.append(f"{name}/{container['name']}: no cpu and memory requests")
            if "memory" not in limits:
                problems.append(f"{name}/{container['name']}: no memory limit")
            for env in container.get("env") or []:
                if "value" in env and any(w in env["name"] for w in ("URI", "SECRET", "PASSWORD")):
                    problems.append(f"{name}: {env['name']} must come from a Secret, not a literal")
        if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
            problems.append(f"{name}: pods must run as non-root")
    hpas = [d for d in docs if d.get("kind") == "HorizontalPodAutoscaler"]
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in hpas
               if h["spec"]["scaleTargetRef"]["kind"] == "Deployment"}
    for hpa in hpas:
        if hpa["spec"]["scaleTargetRef"]["name"] not in deployments:
            problems.append(f"HPA {hpa['metadata']['name']} targets a missing Deployment")
    for bureau, entry in by_k8s_name.items():
        if bureau not in deployments:
            problems.append(f"no Deployment for {bureau}")
        else:
            problems += _bureau_pod_problems(bureau, entry, deployments[bureau])
        if bureau not in targets:
            problems.append(f"no HorizontalPodAutoscaler for {bureau}")
    for pdb in (d for d in docs if d.get("kind") == "PodDisruptionBudget" and d.get("spec")):
        selector = pdb["spec"]["selector"]["matchLabels"]
        if not any(selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
                   for d in deployments.values()):
            problems.append(f"PDB {pdb['metadata']['name']} selects no Deployment's pods")
    if any(d.get("kind") == "Secret" and (d.get("data") or d.get("stringData")) for d in docs):
        problems.append("Secrets with values are committed; reference them instead")
    if "gateway-web" in deployments:  # it publishes the root and checks documents against it
        problems += _pki_problems("gateway-web", deployments["gateway-web"], GATEWAY_PKI)
    problems += _shared_secrets(deployments)
    return problems


def _secret_volumes(pod: dict) -> dict[str, str]:
    return {v["name"]: v["secret"]["secretName"] for v in pod.get("volumes") or [] if "secret" in v}


def secret_names(deployment: dict) -> set[str]:
    """Every Secret a Deployment's pods read: mounted, or as environment variables."""
    pod = deployment["spec"]["template"]["spec"]
    names = set(_secret_volumes(pod).values())
    for container in pod["containers"]:
        names |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env") or []
                  if "secretKeyRef" in (e.get("valueFrom") or {})}
        names |= {e["secretRef"]["name"] for e in container.get("envFrom") or [] if "secretRef" in e}
    return names


def _pki_problems(who: str, deployment: dict, secret: str) -> list[str]:
    """The switch on, PKI_DIR its Secret mounted read-only, readable by its user only, and no other
    Secret mounted (a bureau's pod holds no other bureau's key)."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e for e in container.get("env") or []}
    problems = []
    if env.get(SWITCH, {}).get("value") != "true":
        problems.append(f"{who}: {SWITCH} is not \"true\": kit.pki would create its own root and keys")
    if env.get("PKI_DIR", {}).get("value") != PKI_DIR:
        problems.append(f"{who}: PKI_DIR is not {PKI_DIR}")
    volumes = _secret_volumes(pod)
    if sorted(volumes.values()) != [secret]:
        problems.append(f"{who}: mounts the Secrets {sorted(volumes.values())}, not only its own {secret}")
    mounts = [(m["mountPath"], m.get("readOnly")) for m in container.get("volumeMounts") or []
              if volumes.get(m["name"]) == secret]
    if mounts != [(PKI_DIR, True)]:
        problems.append(f"{who}: {secret} is not mounted read-only at {PKI_DIR}")
    for volume in (v for v in pod.get("volumes") or [] if "secret" in v):
        context = pod.get("securityContext") or {}
        if volume["secret"].get("defaultMode", 0o644) & 0o007 or context.get("fsGroup") != context.get("runAsGroup"):
            problems.append(f"{who}: {volume['secret']['secretName']} is readable by others than its user")
    return problems


def _shared_secrets(deployments: dict[str, dict]) -> list[str]:
    """A Secret of key material read by two Deployments, or any Secret mounted whole by two."""
    readers: dict[str, list[str]] = {}
    for name, deployment in deployments.items():
        mounted = set(_secret_volumes(deployment["spec"]["template"]["spec"]).values())
        for secret in secret_names(deployment):
            if secret.startswith(KEY_SECRETS) or secret in mounted:
                readers.setdefault(secret, []).append(name)
    return [f"Secret {secret} is shared by {', '.join(sorted(names))}"
            for secret, names in sorted(readers.items()) if len(names) > 1]


def _bureau_pod_problems(bureau: str, entry: Bureau, deployment: dict) -> list[str]:
    """Its own image, the manifest's nameko command, its own broker user and database, its own health."""
    name = entry.name
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    problems = []
    if not container.get("image", "").startswith(f"onestop/{name}:"):
        problems.append(f"{bureau}: image {container.get('image')!r} is not onestop/{name}")
    if container.get("command") != ["nameko", "run", "--config", entry.config, entry.module]:
        problems.append(f"{bureau}: command {container.get('command')} is not its nameko service")
    refs = {e["name"]: (e.get("valueFrom") or {}).get("secretKeyRef") for e in container.get("env") or []}
    if refs.get("AMQP_URI") != {"name": "onestop-amqp", "key": name}:
        problems.append(f"{bureau}: AMQP_URI is not its own broker user's (onestop-amqp key {name})")
    if refs.get("MONGO_URI") != {"name": f"onestop-mongo-{bureau}", "key": "uri"}:
        problems.append(f"{bureau}: MONGO_URI is not its own database's Secret (onestop-mongo-{bureau})")
    for probe in ("readinessProbe", "livenessProbe"):
        command = ((container.get(probe) or {}).get("exec") or {}).get("command")
        if probe in container and command != ["python", "/app/healthcheck.py", name]:
            problems.append(f"{bureau}: {probe} does not check {name}")
    # every bureau signs its PDFs (tests/ops/test_pki.py checks that in the code): its own keys only
    problems += _pki_problems(bureau, deployment, f"onestop-pki-{bureau}")
    if refs.get("PKI_KEY_PASSWORD") != {"name": f"onestop-keys-{bureau}", "key": "PKI_KEY_PASSWORD"}:
        problems.append(f"{bureau}: PKI_KEY_PASSWORD is not from its own Secret onestop-keys-{bureau}")
    for variable, ref in refs.items():
        if ref and ref["name"].startswith(KEY_SECRETS) and ref["name"] != f"onestop-keys-{bureau}":
            problems.append(f"{bureau}: {variable} comes from {ref['name']}, not its own onestop-keys-{bureau}")
    return problems


@pytest.fixture(scope="module")
def docs() -> list[tuple[str, dict]]:
    return manifests()


def test_every_manifest_validates_against_the_kubernetes_schemas(docs):
    assert len(docs) >= 15
    problems = [f"{path}: {p}" for path, doc in docs for p in schema_problems(doc)]
    assert problems == []


def test_schema_check_rejects_a_broken_manifest(docs):
    deployment = copy.deepcopy(next(d for _, d in docs if d.get("kind") == "Deployment"))
    deployment["spec"]["replicas"] = "two"
    assert "replicas" in schema_problems(deployment)[0]
    deployment = copy.deepcopy(next(d for _, d in docs if d.get("kind") == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]["cmd"] = ["x"]
    assert schema_problems(deployment), "strict mode must reject unknown fields"
    assert schema_problems({"apiVersion": "apps/v1", "kind": "Deploymint", "metadata": {"name": "x"}})


def test_manifests_are_operationally_complete(docs):
    assert semantic_problems([d for _, d in docs]) == []


def test_semantic_check_rejects_missing_probes_resources_and_autoscalers(docs):
    broken = copy.deepcopy([d for _, d in docs])
    tax = next(d for d in broken if d.get("kind") == "Deployment" and d["metadata"]["name"] == "tax")
    container = tax["spec"]["template"]["spec"]["containers"][0]
    del container["readinessProbe"], container["resources"]
    container["env"].append({"name": "MONGO_URI", "value": "mongodb://tax:pw@mongo/onestop_tax"})
    broken = [d for d in broken
              if not (d.get("kind") == "HorizontalPodAutoscaler" and d["metadata"]["name"] == "seal")]
    next(d for d in broken if d.get("kind") == "HorizontalPodAutoscaler"
         and d["metadata"]["name"] == "gateway-web")["spec"]["scaleTargetRef"]["name"] = "ghost"
    bank = next(d for d in broken if d.get("kind") == "Deployment" and d["metadata"]["name"] == "bank")
    bank_container = bank["spec"]["template"]["spec"]["containers"][0]
    bank_container["image"] = "onestop/seal:0.1.0"
    bank_container["livenessProbe"]["exec"]["command"][-1] = "seal"
    next(e for e in bank_container["env"] if e["name"] == "AMQP_URI")["valueFrom"]["secretKeyRef"]["key"] = "seal"
    del next(d for d in broken if d.get("kind") == "PodDisruptionBudget")["spec"]
    problems = semantic_problems(broken)
    for expected in ("tax/tax: no readinessProbe", "tax/tax: no cpu and memory requests",
                     "tax: MONGO_URI must come from a Secret, not a literal",
                     "tax: MONGO_URI is not its own database's Secret (onestop-mongo-tax)",
                     "bank: image 'onestop/seal:0.1.0' is not onestop/bank",
                     "bank: livenessProbe does not check bank",
                     "bank: AMQP_URI is not its own broker user's (onestop-amqp key bank)",
                     "PodDisruptionBudget/bank: no spec",
                     "no HorizontalPodAutoscaler for seal", "HPA gateway-web targets a missing Deployment"):
        assert expected in problems, problems


def unlisted_manifests(k8s: Path = K8S) -> list[str]:
    """Manifests a kustomization.yaml does not list, and what it lists that is not there."""
    problems = []
    for kustomization in k8s.rglob("kustomization.yaml"):
        listed = set(yaml.safe_load(kustomization.read_text())["resources"])
        present = {p.name for p in kustomization.parent.glob("*.yaml")} - {"kustomization.yaml"}
        problems += [f"{kustomization}: {name}" for name in sorted(listed ^ present)]
    return problems


def test_kustomization_lists_every_manifest_of_its_directory():
    assert unlisted_manifests() == []


def _deployment(docs: list[dict], name: str) -> dict:
    return next(d for d in docs if d.get("kind") == "Deployment" and d["metadata"]["name"] == name)


def test_key_check_rejects_a_pod_without_its_own_keys_or_with_another_bureaus(docs):
    broken = copy.deepcopy([d for _, d in docs])

    def pod(name):
        return _deployment(broken, name)["spec"]["template"]["spec"]

    def env(name, variable):
        return next(e for e in pod(name)["containers"][0]["env"] if e["name"] == variable)

    pod("tax")["containers"][0]["env"].remove(env("tax", "ONESTOP_KEYS_SUPPLIED"))
    next(v for v in pod("bank")["volumes"] if v["name"] == "pki")["secret"]["secretName"] = "onestop-pki-seal"
    env("registration", "LICENCE_SIGNING_KEY")["valueFrom"]["secretKeyRef"]["name"] = "onestop-keys-seal"
    next(m for m in pod("social-security")["containers"][0]["volumeMounts"] if m["name"] == "pki")["readOnly"] = False
    next(v for v in pod("housing-fund")["volumes"] if v["name"] == "pki")["secret"]["defaultMode"] = 0o444
    pod("gateway-web")["volumes"] = [v for v in pod("gateway-web")["volumes"] if v["name"] != "pki"]
    problems = semantic_problems(broken)
    for expected in ('tax: ONESTOP_KEYS_SUPPLIED is not "true": kit.pki would create its own root and keys',
                     "bank: mounts the Secrets ['onestop-pki-seal'], not only its own onestop-pki-bank",
                     "Secret onestop-pki-seal is shared by bank, seal",
                     "registration: LICENCE_SIGNING_KEY comes from onestop-keys-seal, not its own "
                     "onestop-keys-registration",
                     "Secret onestop-keys-seal is shared by registration, seal",
                     "social-security: onestop-pki-social-security is not mounted read-only at /app/var/pki",
                     "housing-fund: onestop-pki-housing-fund is readable by others than its user",
                     "gateway-web: mounts the Secrets [], not only its own onestop-pki-gateway"):
        assert expected in problems, problems
    assert semantic_problems([d for _, d in docs]) == []  # the checked-in ones pass
