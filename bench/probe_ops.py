"""What one database operation costs, by kind: `python -m bench.probe_ops [--mongo-uri URI] [--n 300]`.

The services' designs trade one kind of operation for another (a findAndModify for an update and a
read, a counter step for an insert); this prints the wall time per operation of each kind, one client,
on documents shaped like ours, so those trades are made on numbers. Uses a scratch database it drops.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable

from pymongo import MongoClient, ReturnDocument

from kit.mongo import DEFAULT_MONGO_URI, connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", DEFAULT_MONGO_URI))
    parser.add_argument("--n", type=int, default=300, help="operations of each kind")
    args = parser.parse_args()
    name = f"probe_{uuid.uuid4().hex[:8]}"
    db = connect(args.mongo_uri, name)
    client: MongoClient = db.client
    docs = db["docs"]
    n = args.n
    try:
        def fresh() -> None:
            docs.drop()
            docs.create_index("founder_id")
            docs.create_index("outbox.created_at")
            docs.insert_many([{"_id": i, "founder_id": "f", "form": "x" * 5000, "timeline": [], "version": 0,
                               "outbox": [{"event_id": f"e{i}", "created_at": i}]} for i in range(n)])

        def timed(label: str, op: Callable[[int], object]) -> None:
            fresh()
            start = time.perf_counter()
            for i in range(n):
                op(i)
            print(f"{label:<46} {(time.perf_counter() - start) / n * 1000:7.2f}")

        print(f"{'operation (one client, ~5 KB documents)':<46} {'ms/op':>7}")
        timed("find_one by _id", lambda i: docs.find_one({"_id": i}))
        timed("insert_one", lambda i: db["inserts"].insert_one({"form": "x" * 5000}))
        timed("update_one $set", lambda i: docs.update_one({"_id": i}, {"$set": {"status": "b"}}))
        timed("update_one guarded $push + $inc", lambda i: docs.update_one(
            {"_id": i, "timeline.event_id": {"$ne": "e"}},
            {"$push": {"timeline": {"event_id": "e"}}, "$inc": {"version": 1}}))
        timed("update_one $pull from outbox", lambda i: docs.update_one(
            {"_id": i}, {"$pull": {"outbox": {"event_id": {"$in": [f"e{i}"]}}}}))
        timed("find_one_and_update guarded $push + $inc", lambda i: docs.find_one_and_update(
            {"_id": i, "timeline.event_id": {"$ne": "e"}},
            {"$push": {"timeline": {"event_id": "e"}}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER))
        timed("find_one_and_update $inc (a counter step)", lambda i: docs.find_one_and_update(
            {"_id": i}, {"$inc": {"version": 1}}, return_document=ReturnDocument.AFTER))
    finally:
        client.drop_database(name)
        client.close()


if __name__ == "__main__":
    main()
