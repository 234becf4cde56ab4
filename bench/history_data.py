"""History for `python -m bench --only history`: many completed applications, generated directly in the
stored shapes.

The shapes are not re-typed here (they change as the bureaus change): the bench captures every document
the running system stored for a few applications it really completed (the templates), then clones them
N times with insert_many. A clone gets its own application id, founder, trade name (from HISTORY_POOL,
whose characters read differently in pinyin from bench.forms.POOL, so the measured loads never meet a
similar historical name), a valid USCC from a counter range the live allocator never reaches, its own
numbers in every uniquely indexed field, and its times moved into the past. Strings are substituted
wherever they occur, so a reference from one bureau's record to another stays consistent.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from contracts.codes import BODY_SEQUENCE_LIMIT, make_uscc, org_body_from_sequence

# 44 characters: C(44, 4) = 135751 trade names; none shares a pinyin syllable with bench.forms.POOL
HISTORY_POOL = "安博楚黛丹帆钢光航华佳江奥炬创科澜蓝联林美德南欧奇青融山顺思天维文曦星鑫信谷易宇远云正智"
USCC_BASE = BODY_SEQUENCE_LIMIT // 2  # the live counter starts near 0: half-way up it never gets here
SKIP = {"counters", "accounts", "tokens", "login_failures", "drafts", "webhooks", "webhook_deliveries"}


def history_trade_name(index: int) -> str:
    from bench.forms import _nth_combination

    return "".join(_nth_combination(HISTORY_POOL, 4, index))


def history_uscc(index: int, district_code: str) -> str:
    return make_uscc(district_code, org_body_from_sequence(USCC_BASE + index))


@dataclass
class Template:
    """Everything stored for one completed application: (database suffix, collection) -> documents."""

    app_id: str
    uscc: str
    trade_name: str
    district_code: str
    founder_id: str
    submitted_at: datetime
    docs: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    unique_values: set[str] = field(default_factory=set)  # numbers a unique index holds: renumbered per clone


def capture(client, prefix: str, app_id: str) -> Template:
    """The template of one completed application of the system whose databases start with `prefix`."""
    gateway = client[f"{prefix}_gateway"]
    app = gateway.applications.find_one({"_id": app_id})
    uscc = app["outputs"]["uscc"]
    form_name = app["form"]["name"]
    template = Template(app_id, uscc, form_name["trade_name"], app["form"]["domicile"]["district_code"],
                        app["founder_id"], app["submitted_at"])
    # what identifies the application: a value holding one of these becomes unique by substitution
    needles = re.compile("|".join(re.escape(v) for v in (app_id, uscc, form_name["trade_name"])))
    for db_name in client.list_database_names():
        if not db_name.startswith(prefix + "_"):
            continue
        db = client[db_name]
        for coll in db.list_collection_names():
            if coll in SKIP:
                continue
            # what a unique index holds, and task ids (looked up one by one): one value per clone
            unique_paths = [spec["key"][0][0] for spec in db[coll].index_information().values()
                            if len(spec["key"]) == 1 and spec["key"][0][0] != "_id"
                            and (spec.get("unique") or spec["key"][0][0].endswith(".id"))]
            found = [doc for doc in db[coll].find() if needles.search(repr(doc))]
            if found:
                template.docs[(db_name.removeprefix(prefix + "_"), coll)] = found
                for doc in found:
                    if isinstance(doc["_id"], str) and not needles.search(doc["_id"]):
                        template.unique_values.add(doc["_id"])  # e.g. an electronic seal's code
                    for path in unique_paths:
                        template.unique_values.update(v for v in _values(doc, path.split("."))
                                                      if isinstance(v, str) and not needles.search(v))
    return template


def save(template: Template, path) -> None:
    """The template as extended JSON (tests/unit/bench keeps one to test the cloning without a system)."""
    from bson import json_util

    body = {**template.__dict__, "docs": [[db, coll, docs] for (db, coll), docs in template.docs.items()],
            "unique_values": sorted(template.unique_values)}
    path.write_text(json_util.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def load(path) -> Template:
    from bson import json_util

    body = json_util.loads(path.read_text(encoding="utf-8"), json_options=json_util.JSONOptions(tz_aware=False))
    body["docs"] = {(db, coll): docs for db, coll, docs in body["docs"]}
    body["unique_values"] = set(body["unique_values"])
    return Template(**body)


def _values(doc: Any, path: list[str]) -> list[Any]:
    if not path:
        return [doc]
    if isinstance(doc, list):
        return [v for item in doc for v in _values(item, path)]
    if isinstance(doc, dict) and path[0] in doc:
        return _values(doc[path[0]], path[1:])
    return []


def renumber(value: str, index: int) -> str:
    """A same-length variant of a stored number for clone #index: the 7 characters before its last 3
    become H + the index in 6 base-36 digits. The live counters write digits only there, so never this,
    and the kept last 3 characters tell apart the numbers of one application (seals 1-6, records 1-2)."""
    digits, rest = "", index
    for _ in range(6):
        rest, d = divmod(rest, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[d] + digits
    if len(value) < 13:
        return f"{value}H{digits}"
    return value[:-10] + "H" + digits + value[-3:]


def clone(template: Template, index: int, founder_id: str, submitted_at: datetime
          ) -> dict[tuple[str, str], list[dict]]:
    """The documents of history application #index, ready for insert_many."""
    trade = history_trade_name(index)
    subs = {template.app_id: f"h{index:07d}{template.app_id[8:]}" if len(template.app_id) > 8 else f"h{index}",
            template.uscc: history_uscc(index, template.district_code),
            template.trade_name: trade, template.founder_id: founder_id}
    subs.update({value: renumber(value, index) for value in template.unique_values})
    plan = _plan(template)
    shift = submitted_at.replace(tzinfo=None) - template.submitted_at.replace(tzinfo=None)  # both UTC
    replace = lambda m: subs[m.group(0)]  # noqa: E731
    out = pickle.loads(plan.blob)  # a deep copy at C speed; then only the values that change are touched
    for key, i, path, kind in plan.spots:
        parent = out[key][i]
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if kind == "str":
            parent[last] = plan.pattern.sub(replace, parent[last])
        elif kind == "time":
            parent[last] = parent[last] + shift
        else:  # a dict key holding an identity: renamed (deepest first, so the paths above stay valid)
            parent[plan.pattern.sub(replace, last)] = parent.pop(last)
    for docs in out.values():
        for doc in docs:
            if isinstance(doc.get("_id"), ObjectId):
                doc["_id"] = ObjectId()
            if doc.get("outbox"):
                # delivered long ago: an entry left in the template (captured before the 2 s sweep that
                # clears it) would be relayed again by the running system, as an event of this clone
                doc["outbox"] = []
    for doc in out.get(("registration", "names"), []):
        _rekey(doc, trade)
    return out


@dataclass
class _Plan:
    blob: bytes
    pattern: re.Pattern
    spots: list[tuple[tuple[str, str], int, tuple, str]]


_plans: dict[int, _Plan] = {}


def _plan(template: Template) -> _Plan:
    """Where a clone differs from its template: every string holding an identity, every time, found once."""
    found = _plans.get(id(template))
    if found is not None and found.blob is not None:
        return found
    olds = [template.app_id, template.uscc, template.trade_name, template.founder_id, *template.unique_values]
    pattern = re.compile("|".join(re.escape(k) for k in sorted(set(olds), key=len, reverse=True)))
    values, keys = [], []

    def walk(value: Any, where: tuple, path: tuple) -> None:
        if isinstance(value, str):
            if pattern.search(value):
                values.append((*where, path, "str"))
        elif isinstance(value, datetime):
            values.append((*where, path, "time"))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, where, (*path, k))
                if isinstance(k, str) and pattern.search(k):
                    keys.append((*where, (*path, k), "key"))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, where, (*path, i))

    for key, docs in template.docs.items():
        for i, doc in enumerate(docs):
            walk(doc, (key, i), ())
    keys.sort(key=lambda spot: -len(spot[2]))
    _plans[id(template)] = plan = _Plan(pickle.dumps(template.docs), pattern, values + keys)
    return plan


def _rekey(doc: dict, trade: str) -> None:
    """The register's comparison keys of the new trade name (they are derived, not substrings of it)."""
    from services.registration import names

    core = trade + doc["industry"]
    doc.update(trade_name=trade, core_key=core, chars_key="".join(sorted(core)),
               trade_pinyin=names.pinyin_key(trade), trade_substrings=names.substrings(trade))
    if "active_key" in doc:
        doc["active_key"] = core


def spread(index: int, n: int, now: datetime, days: int = 365) -> datetime:
    """Submission times spread evenly over the past year, oldest first."""
    return now - timedelta(days=days) + timedelta(seconds=index * days * 86400 / max(1, n))
