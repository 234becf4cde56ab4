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
    return problems


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
