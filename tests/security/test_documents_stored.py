"""Documents are rendered once and stored (issue 20, Medium): a signed PDF must be immutable, and
rendering it per download cost tens of milliseconds of CPU each time (a download flood was a CPU flood).

On the running system, for every document of a completed application: two downloads answer the same
bytes (a re-rendering would carry a new signing time, so its bytes would differ); the issuing bureau's
`documents` collection holds that document exactly once, with the digest of the bytes served; and a
later download neither renders again nor rewrites the stored copy (its issue time stays).

Seen failing with the rule broken: with `DocumentArchive.issue` rendering on every call (the lookup
skipped and the stored copy replaced, as before documents were stored), the licence's second download
differed from the first (a new signature: "the second download is a new rendering"), and the stored
copy was not what a download served.
"""

from __future__ import annotations

import hashlib

from contracts.bureaus import NAMES

API = "/api/v1"


def _download(world, name: str) -> bytes:
    reply = world.live.request("GET", f"{API}/applications/{world.bob_app}/documents/{name}",
                               headers=world.bob.headers)
    assert reply.status_code == 200, (name, reply.status_code, reply.text[:200])
    return reply.content


def _stored(world, name: str) -> list[dict]:
    bureau = name.split(".", 1)[0]
    assert bureau in NAMES, name
    rows = world.live.db(bureau).documents.find({"application_id": world.bob_app, "name": name},
                                                 {"sha256": 1, "issued_at": 1})
    return list(rows)


def test_every_document_is_rendered_once_and_served_as_stored(world):
    view = world.live.request("GET", f"{API}/applications/{world.bob_app}", headers=world.bob.headers).json()
    names = [d["name"] for d in view["documents"]]
    assert {"registration.licence", "seal.certificate"} <= set(names), names

    for name in names:
        first = _download(world, name)
        [stored] = _stored(world, name)  # issued once, whoever asked first (the tracker or this download)
        assert stored["sha256"] == hashlib.sha256(first).hexdigest(), name

        second = _download(world, name)
        assert second == first, f"{name}: the second download is a new rendering"
        assert _stored(world, name) == [stored], f"{name}: the stored copy was rewritten or issued again"


def test_a_stored_document_is_never_rewritten_by_a_download(world):
    """The copy a court was sent stays the copy stored: an operator-side change of the stored bytes is
    what a download then serves (the archive is the record), so nothing re-renders over it."""
    name = "registration.licence"
    original = _download(world, name)
    [stored] = _stored(world, name)
    documents = world.live.db("registration").documents
    marked = original + b"\n%stored-copy-marker\n"
    documents.update_one({"_id": stored["_id"]}, {"$set": {"data": marked}})
    try:
        assert _download(world, name) == marked  # served from the archive, not rendered again
        assert documents.count_documents({"application_id": world.bob_app, "name": name}) == 1
    finally:
        documents.update_one({"_id": stored["_id"]}, {"$set": {"data": original}})
    assert _download(world, name) == original
