"""`onestop verify-licence`: read a licence file (PDF, QR image or the QR text), check its OSL1 token
(contracts/licence_token.py) and, for a PDF, its PAdES signature against the OneStop root."""

from __future__ import annotations

from contracts.licence_token import PREFIX, BadToken, load_public_key, verify


def text_from_file(data: bytes) -> str:
    """The QR text of a licence: a PDF (metadata first, then the rendered QR code), an image, or text."""
    if data.startswith(b"%PDF"):
        embedded = _pdf_metadata(data)
        if embedded:
            return embedded
        return _decode_qr(_render_pdf(data))
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        return _decode_qr([data])
    return data.decode("utf-8").strip()


def qr_text_from_pdf(data: bytes) -> str:
    """Only the printed QR code (pdftoppm + zbar), ignoring metadata: what a phone camera would read."""
    return _decode_qr(_render_pdf(data))


def _pdf_metadata(data: bytes) -> str | None:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return None
    info = PdfReader(io.BytesIO(data)).metadata or {}
    keywords = str(info.get("/Keywords") or "")
    return keywords if PREFIX in keywords else None


def _render_pdf(data: bytes, dpi: int = 200) -> list[bytes]:
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "licence.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]


def _decode_qr(images: list[bytes]) -> str:
    import io

    from PIL import Image
    from pyzbar.pyzbar import decode

    for raw in images:
        for symbol in decode(Image.open(io.BytesIO(raw))):
            text = symbol.data.decode("utf-8")
            if PREFIX in text:
                return text
    raise BadToken("no QR code with signed licence data found in the file")


# ---- `onestop verify-licence` -------------------------------------------------------------------

LABELS = {"uscc": "统一社会信用代码", "company_name": "名称", "legal_representative": "法定代表人",
          "registered_capital": "注册资本", "established_on": "成立日期", "authority": "登记机关", "key_id": "签名密钥"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify-licence", help="check a signed licence offline (PDF, QR image, or the QR text)",
        description="Prints the signed fields and VALID (exit 0) or INVALID (exit 1).")
    parser.add_argument("source", metavar="FILE_OR_QR_TEXT")
    parser.add_argument("--key", metavar="FILE_OR_BASE64",
                        help="the authority's public key: PEM, base64 or the JSON of "
                             "/.well-known/onestop-licence-key (a file or the value itself); "
                             "without it the key is fetched from the address in the QR code (online)")
    parser.add_argument("--ca", metavar="PEM_FILE",
                        help="the OneStop trust root (/.well-known/onestop-ca.pem) to check a PDF's signature; "
                             "without it the root is fetched from the address in the QR code (online)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import os
    import sys

    data = None
    try:
        if os.path.isfile(args.source):
            with open(args.source, "rb") as handle:
                data = handle.read()
            text = text_from_file(data)
        else:
            text = args.source
        key = load_public_key(_key_text(args.key, text))
        verdict = verify(text, key)
        signature_problem = _pdf_signature(data, args.ca, text) if data and data.startswith(b"%PDF") else ""
    except (BadToken, ValueError, OSError) as exc:
        print(f"INVALID: {exc}")
        return 1
    for name, value in verdict.fields.items():
        print(f"{LABELS.get(name, name)}: {value}")
    valid = verdict.valid and not signature_problem
    print("VALID" if valid else f"INVALID: {verdict.reason or signature_problem}")
    sys.stdout.flush()
    return 0 if valid else 1


def _pdf_signature(data: bytes, ca: str | None, text: str) -> str:
    """Check the PDF's PAdES signature against the OneStop root; '' when valid, else why not."""
    from cryptography import x509

    from contracts.clock import in_china
    from kit import pdfsign

    root = x509.load_pem_x509_certificate(_fetch(ca, text, "/.well-known/onestop-ca.pem").encode())
    try:
        checks = pdfsign.check(data, [root])
    except pdfsign.NotSignedPdf as exc:
        return f"PDF signature: {exc}"
    for check in checks:
        when = f"{in_china(check.signed_at):%Y-%m-%d %H:%M:%S}（北京时间）" if check.signed_at else "—"
        print(f"PDF签名: {check.summary}（签名证书：{check.signer}；签名时间：{when}）")
    bad = [c for c in checks if not c.valid]
    return f"PDF signature: {bad[0].summary}" if bad else ""


def _key_text(spec: str | None, text: str) -> str:
    return _fetch(spec, text, "/.well-known/onestop-licence-key")


def _fetch(spec: str | None, text: str, path: str) -> str:
    """`spec` (a file or the value itself), else `path` fetched from the QR code's host."""
    import os
    import urllib.parse
    import urllib.request

    if spec:
        if os.path.isfile(spec):
            with open(spec, encoding="utf-8") as handle:
                return handle.read()
        return spec
    url = urllib.parse.urlsplit(text.split("#")[0].strip())
    if url.scheme not in ("http", "https"):
        raise ValueError(f"nothing given and no address to fetch {path} from")
    with urllib.request.urlopen(f"{url.scheme}://{url.netloc}{path}", timeout=10) as r:
        return r.read().decode()
