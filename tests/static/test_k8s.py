"""deploy/k8s: every manifest validates against the Kubernetes JSON schemas offline (the schemas
bundled in the PyPI package kubernetes-validate, strict mode: unknown fields are errors), and the set
of manifests is operationally complete."""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from contracts.bureaus import NAMES

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
BUREAUS = tuple(n.replace("_", "-") for n in NAMES)  # the manifest, as Kubernetes names them
# Custom resources of the RabbitMQ operators: no bundled schema; checked for their required fields.
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


def semantic_problems(docs: list[dict], bureaus: tuple[str, ...] = BUREAUS) -> list[str]:
    """`bureaus`: the manifest's names as Kubernetes spells them."""
    problems = []
    deployments = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "Deployment"}
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
    for bureau in bureaus:
        if bureau not in deployments:
            problems.append(f"no Deployment for {bureau}")
        if bureau not in targets:
            problems.append(f"no HorizontalPodAutoscaler for {bureau}")
    for pdb in (d for d in docs if d.get("kind") == "PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        if not any(selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
                   for d in deployments.values()):
            problems.append(f"PDB {pdb['metadata']['name']} selects no Deployment's pods")
    if any(d.get("kind") == "Secret" and (d.get("data") or d.get("stringData")) for d in docs):
        problems.append("Secrets with values are committed; reference them instead")
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
    problems = semantic_problems(broken)
    for expected in ("tax/tax: no readinessProbe", "tax/tax: no cpu and memory requests",
                     "tax: MONGO_URI must come from a Secret, not a literal",
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


def test_bureau_pods_use_their_own_database_secret(docs):
    for _, doc in docs:
        if doc.get("kind") == "Deployment" and doc["metadata"]["name"] in BUREAUS:
            env = {e["name"]: e for e in doc["spec"]["template"]["spec"]["containers"][0]["env"]}
            ref = env["MONGO_URI"]["valueFrom"]["secretKeyRef"]["name"]
            assert ref == f"onestop-mongo-{doc['metadata']['name']}"
