"""`onestop pki issue` (gateway/ops/pki.py): what it writes loads with kit.pki with the production switch
on, chains to the root it made, signs PDFs that validate against that root, puts nothing of one bureau
in another's Secret and no root key in any; and it agrees with the code (the identities each bureau
asks for, its secret settings) and with deploy/k8s (the Secrets and keys the pods read)."""

from __future__ import annotations

import ast
import base64
import dataclasses
import importlib
import io
import typing
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from reportlab.pdfgen import canvas

from contracts import bureaus
from deploy import generate
from gateway.ops import pki as issuer
from gateway.ops.cli import main
from kit import pdfsign, pki
from kit.pki import SigningIdentity
from services.registration import signing
from services.seal import esign

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_keys_in_environment(monkeypatch):
    for name in (pki.SUPPLIED_CONFIG, pki.SOURCE_CONFIG, pki.DIR_CONFIG, pki.PASSWORD_CONFIG):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("issued")
    issuer.issue(out)
    return out


def bureau_config(out: Path, bureau: str) -> dict:
    """What a bureau's pod has: the switch on, its pki Secret as PKI_DIR, its keys Secret as variables."""
    keys = out / issuer.keys_secret(bureau)
    return {pki.SUPPLIED_CONFIG: "true", pki.DIR_CONFIG: str(out / issuer.pki_secret(bureau)),
            **{p.name: p.read_text() for p in keys.iterdir()}}


def root_of(out: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((out / issuer.OPERATOR / "root.pem").read_bytes())


def a_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "OneStop")
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize("entry", bureaus.BUREAUS, ids=lambda e: e.name)
def test_each_bureaus_pairs_load_with_the_switch_on_and_chain_to_the_root(issued, entry):
    root = root_of(issued)
    config = bureau_config(issued, entry.name)
    for pair in issuer.pairs(entry):
        found = pki.identity(config, pair.name, pair.common_name, ca=pair.ca)
        assert found.root == root
        found.certificate.verify_directly_issued_by(root)
        constraints = found.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        assert (constraints.ca, constraints.path_length) == ((True, 0) if pair.ca else (False, None))
    # its key is encrypted with its own password: without it, it does not load
    with pytest.raises(TypeError):
        pki.load_key((issued / issuer.pki_secret(entry.name) / f"{entry.name}.key").read_bytes(), None)


@pytest.mark.parametrize("bureau", ["tax", "seal"])
def test_a_pdf_signed_with_the_issued_keys_validates_against_the_issued_root(issued, bureau):
    entry = bureaus.bureau(bureau)
    identity = pki.identity(bureau_config(issued, bureau), bureau, entry.label)
    signed = pdfsign.sign(a_pdf(), None, identity, reason="test")
    [check] = pdfsign.check(signed, [root_of(issued)])
    assert check.valid and check.trusted, check.summary
    assert entry.label in check.signer
    [stranger] = pdfsign.check(signed, [pki.new_root()[0]])
    assert not stranger.valid and not stranger.trusted


def test_the_secret_settings_load_where_the_bureaus_read_them(issued):
    registration = bureau_config(issued, "registration")
    signer = signing.signer_from_config(registration)
    assert len(signer.public_raw) == 32
    esign.key_encryption_key(bureau_config(issued, "seal"))  # raises on anything but 32 bytes of base64


def test_each_secret_holds_only_its_own_and_no_root_key(issued):
    root_key = (issued / issuer.OPERATOR / "root.key").read_bytes()
    for entry in bureaus.BUREAUS:
        names = {f"{pair.name}{suffix}" for pair in issuer.pairs(entry) for suffix in (".pem", ".key")}
        assert {p.name for p in (issued / issuer.pki_secret(entry.name)).iterdir()} == {"root.pem", *names}
    gateway = {p.name for p in (issued / issuer.GATEWAY_SECRET).iterdir()}
    assert gateway == {"root.pem", *(f"{p.name}.pem" for e in bureaus.BUREAUS for p in issuer.pairs(e))}
    for path in issued.rglob("*"):
        if path.is_file() and path.parent.name != issuer.OPERATOR:
            assert path.read_bytes() != root_key and path.name != "root.key"
            assert path.stat().st_mode & 0o077 == 0 or path.suffix == ".pem", path


def test_a_bureau_added_later_is_issued_by_the_same_root_and_nothing_is_overwritten(tmp_path):
    issuer.issue(tmp_path, ["tax"])
    root = root_of(tmp_path)
    tax_key = (tmp_path / "onestop-pki-tax" / "tax.key").read_bytes()
    # a new bureau: a manifest entry, nothing in gateway/ops
    land = dataclasses.replace(bureaus.bureau("bank"), name="land_registry", label="不动产登记中心")
    written = issuer.issue(tmp_path, ["land_registry"], entries=(*bureaus.BUREAUS, land))
    assert written == ["onestop-pki-land-registry", "onestop-keys-land-registry", issuer.GATEWAY_SECRET]
    found = pki.identity(bureau_config(tmp_path, "land_registry"), "land_registry", land.label)
    found.certificate.verify_directly_issued_by(root)
    assert {p.name for p in (tmp_path / issuer.GATEWAY_SECRET).iterdir()} == {
        "root.pem", "tax.pem", "land_registry.pem"}
    with pytest.raises(issuer.IssueError, match="already issued, not overwritten: .*onestop-pki-tax"):
        issuer.issue(tmp_path, ["tax"])
    assert (tmp_path / "onestop-pki-tax" / "tax.key").read_bytes() == tax_key
    with pytest.raises(issuer.IssueError, match="not a bureau"):
        issuer.issue(tmp_path, ["ghost"])


def test_the_command_prints_the_kubectl_commands_and_refuses_to_overwrite(tmp_path, capsys):
    assert main(["pki", "issue", "--out", str(tmp_path), "--bureau", "tax", "--bureau", "seal"]) == 0
    printed = capsys.readouterr().out
    for secret in ("onestop-pki-tax", "onestop-keys-tax", "onestop-pki-seal", "onestop-keys-seal"):
        assert f"kubectl -n onestop create secret generic {secret} --from-file={tmp_path / secret}\n" in printed
    assert f"generic onestop-pki-gateway --from-file={tmp_path / 'onestop-pki-gateway'} --dry-run=client" in printed
    assert "root.key offline, in no Secret" in printed
    assert main(["pki", "issue", "--out", str(tmp_path), "--bureau", "tax"]) == 2
    assert "already issued" in capsys.readouterr().err


def test_an_encrypted_root_key_is_used_again_with_its_password(tmp_path):
    issuer.issue(tmp_path, ["tax"], root_password=b"operator")
    with pytest.raises(TypeError):  # no password: refused, not a second root
        issuer.issue(tmp_path, ["bank"])
    issuer.issue(tmp_path, ["bank"], root_password=b"operator")
    root = root_of(tmp_path)
    pki.identity(bureau_config(tmp_path, "bank"), "bank", "").certificate.verify_directly_issued_by(root)


# ---- against the code and the deployment ------------------------------------------------------------


def identities_asked_for(bureau: str) -> set[tuple[str, bool]]:
    """(name, ca) of every `pki.identity(config, "<name>", ..., ca=...)` in services/<bureau>/."""
    found = set()
    for path in (ROOT / "services" / bureau).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "identity" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "pki":
                name = node.args[1]
                assert isinstance(name, ast.Constant), f"{path}: an identity name must be a literal"
                ca = next((k.value.value for k in node.keywords if k.arg == "ca"), False)
                found.add((name.value, ca))
    return found


@pytest.mark.parametrize("entry", bureaus.BUREAUS, ids=lambda e: e.name)
def test_the_pairs_issued_are_the_ones_the_bureaus_code_asks_for(entry):
    """A bureau asking kit.pki for another identity (or not signing any more) fails here: add it to
    its manifest entry's keys.pairs in contracts/bureaus.py (or take it out)."""
    service = importlib.import_module(entry.module)
    [cls] = [c for c in vars(service).values() if isinstance(c, type) and getattr(c, "name", None) == entry.name]
    assert any(isinstance(v, SigningIdentity) for v in vars(cls).values()), f"{entry.name} signs no PDF"
    assert identities_asked_for(entry.name) == {(p.name, p.ca) for p in issuer.pairs(entry)}


@pytest.mark.parametrize("entry", bureaus.BUREAUS, ids=lambda e: e.name)
def test_the_secrets_issued_are_the_ones_its_pod_reads(issued, entry):
    config = (ROOT / entry.config).read_text("utf-8")
    assert set(generate.secret_settings(config)) == {s.variable for s in entry.keys.settings}
    path = ROOT / generate.K8S / f"{generate.dash(entry.name)}.yaml"
    deployment = next(d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    refs = {ref["key"] for e in pod["containers"][0]["env"]
            if (ref := (e.get("valueFrom") or {}).get("secretKeyRef")) and ref["name"] == issuer.keys_secret(entry.name)}
    assert refs == {p.name for p in (issued / issuer.keys_secret(entry.name)).iterdir()}
    assert [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v] == [issuer.pki_secret(entry.name)]


def test_the_gateway_and_registration_name_the_secrets_the_command_writes():
    gateway = next(d for d in yaml.safe_load_all((ROOT / generate.K8S / "gateway-web.yaml").read_text())
                   if d["kind"] == "Deployment")
    volumes = gateway["spec"]["template"]["spec"]["volumes"]
    assert [v["secret"]["secretName"] for v in volumes if "secret" in v] == [issuer.GATEWAY_SECRET]
    assert (signing.KEY_SECRET, signing.KEY_SECRET_KEY) == (issuer.keys_secret("registration"), signing.KEY_CONFIG)


def test_every_kind_of_key_the_manifest_can_name_has_a_maker():
    assert set(issuer.MAKERS) == set(typing.get_args(bureaus.KeyKind))


def test_a_secret_setting_is_issued_from_the_manifest_with_the_maker_of_its_kind(tmp_path):
    """A bureau added with a secret setting gets it from its manifest entry alone; a kind nobody makes is
    refused before anything is written."""
    deed = bureaus.SecretSetting("LAND_REGISTRY_DEED_KEY", "aes256_base64")
    land = dataclasses.replace(bureaus.bureau("bank"), name="land_registry", keys=bureaus.Keys(settings=(deed,)))
    issuer.issue(tmp_path, ["land_registry"], entries=(*bureaus.BUREAUS, land))
    keys = tmp_path / issuer.keys_secret("land_registry")
    assert {p.name for p in keys.iterdir()} == {pki.PASSWORD_CONFIG, deed.variable}
    assert len(base64.b64decode((keys / deed.variable).read_text())) == 32
    odd = dataclasses.replace(land, name="forestry", keys=bureaus.Keys(
        settings=(bureaus.SecretSetting("FORESTRY_KEY", "rsa_pem"),)))  # type: ignore[arg-type]
    with pytest.raises(issuer.IssueError, match=r"no maker .*FORESTRY_KEY \(rsa_pem\)"):
        issuer.issue(tmp_path, ["forestry"], entries=(*bureaus.BUREAUS, odd))
    assert not (tmp_path / issuer.pki_secret("forestry")).exists()
