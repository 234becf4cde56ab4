"""A bureau's `revocations` collection: the licence revocations registration announced, one per USCC.

`_id` is the USCC, so a redelivered event is a DuplicateKeyError and the first record stands. Refusals
read it by `_id` (one indexed lookup) rather than a flag on the bureau's own company records, because
a revocation may arrive before the company's licence_issued has made any.
"""

from __future__ import annotations

import logging

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from contracts.revocation import Revocation

log = logging.getLogger(__name__)


class Revocations:
    def __init__(self, collection: Collection):
        self.collection = collection

    def record(self, revocation: Revocation) -> bool:
        """Keep a revocation once; False when this company's was already recorded (a redelivery)."""
        fields = revocation.model_dump(exclude={"uscc"})
        try:
            self.collection.insert_one({"_id": revocation.uscc, **fields})
            recorded = True
        except DuplicateKeyError:
            recorded = False
        log.info("licence revocation %s", "recorded" if recorded else "already recorded: duplicate ignored",
                 extra={"application_id": revocation.application_id, "event_id": revocation.event_id})
        return recorded

    def get(self, uscc: str) -> Revocation | None:
        doc = self.collection.find_one({"_id": uscc})
        return _revocation(doc) if doc else None

    def of(self, usccs: list[str]) -> dict[str, Revocation]:
        """The revocations among these companies, in one query (a clerk's whole queue at once)."""
        if not usccs:
            return {}
        return {doc["_id"]: _revocation(doc) for doc in self.collection.find({"_id": {"$in": sorted(set(usccs))}})}


def _revocation(doc: dict) -> Revocation:
    return Revocation.model_validate({"uscc": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}})


class InMemoryRevocations(Revocations):
    """The same records in a dict, for unit tests of the use cases (first record stands)."""

    def __init__(self):
        self.records: dict[str, Revocation] = {}

    def record(self, revocation: Revocation) -> bool:
        return self.records.setdefault(revocation.uscc, revocation) is revocation

    def get(self, uscc: str) -> Revocation | None:
        return self.records.get(uscc)

    def of(self, usccs: list[str]) -> dict[str, Revocation]:
        return {u: self.records[u] for u in set(usccs) if u in self.records}
