"""Application forms for load: examples/application.json with a unique trade name and fresh people.

Every natural person named on a form confirms it from their own account before the bureaus see it
(gateway/confirmations.py); `founder_only` names the founder alone (whose confirmation is implicit), so a
load measures the bureaus' chain as before, with no confirmation round trips in it.

Trade names are 4 distinct characters chosen from a pool whose characters all read differently in
pinyin and appear in no seed name and no banned word, taken as combinations (never permutations):
two names never collide, read alike, contain each other or reorder each other's characters, so each
application stays on the automatic path. Resident IDs are valid (check character) and unique per run.
"""

from __future__ import annotations

import copy
import itertools
import json
from datetime import date, timedelta
from typing import Any

from contracts.codes import resident_id_check_char
from kit.launcher import ROOT

POOL = "邦宝诚达鼎丰福冠海恒弘汇锦晶凯乐隆茂铭宁鹏仁瑞森盛泰腾通万祥旭雅扬永悦泽振众卓"
EXAMPLE = json.loads((ROOT / "examples" / "application.json").read_text(encoding="utf-8"))
BIRTH_BASE = date(1975, 1, 1)


def trade_name(index: int) -> str:
    """The index-th 4-character combination of POOL (lexicographic unranking)."""
    return "".join(_nth_combination(POOL, 4, index))


def _nth_combination(pool: str, r: int, index: int) -> tuple[str, ...]:
    from math import comb

    n = len(pool)
    if not 0 <= index < comb(n, r):
        raise IndexError(f"only {comb(n, r)} trade names")
    out, start = [], 0
    for left in range(r, 0, -1):
        for i in range(start, n):
            block = comb(n - i - 1, left - 1)
            if index < block:
                out.append(pool[i])
                start = i + 1
                break
            index -= block
    return tuple(out)


def resident_id(number: int, region: str = "420102") -> str:
    """A valid 18-digit resident ID, distinct for each number below 10,000,000 (adults born 1975-2002)."""
    days, sequence = divmod(number, 1000)
    born = BIRTH_BASE + timedelta(days=days % 10000)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def application(index: int, people_base: int = 0, founder: tuple[str, str] | None = None) -> dict:
    """The example form with trade name #index and fresh resident IDs for everyone in it.
    `founder` (resident ID, name): the founder's own one-person company (`founder_only`)."""
    form = copy.deepcopy(EXAMPLE)
    form["name"]["trade_name"] = trade_name(index)
    originals = sorted(set(_resident_ids(form)))
    fresh = {old: resident_id(people_base + index * 10 + k, old[:6]) for k, old in enumerate(originals)}
    _replace_ids(form, fresh)
    return founder_only(form, *founder) if founder else form


def founder_only(form: dict[str, Any], resident_id: str, name: str = "张伟") -> dict[str, Any]:
    form = copy.deepcopy(form)
    holders = [h for h in form["shareholders"] if h.get("kind", "natural") == "natural"] or form["shareholders"]
    first = {**holders[0], "kind": "natural", "name": name, "resident_id": resident_id,
             "subscribed_amount": form["registered_capital"]}
    first.pop("uscc", None)
    first.pop("natural_person_controlled", None)
    form["shareholders"] = [first]
    person = {"name": name, "resident_id": resident_id}
    form["legal_representative"] = {**form["legal_representative"], **person, "position": "director"}
    form["directors"] = [dict(person)]
    form["manager"] = dict(person)
    form["supervisors"] = []
    governance = {k: v for k, v in (form.get("governance") or {}).items() if k != "audit_committee"}
    form["governance"] = {**governance, "board": "sole_director", "supervision": "none",
                          "no_supervisor_consent": True, "officers_declaration": True}
    if form.get("beneficial_owners") is not None:
        form["beneficial_owners"] = {"owners": [{**person, "basis": ["equity", "control"], "share": "100.00"}]}
    return form



def _resident_ids(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["resident_id"]] if isinstance(node.get("resident_id"), str) else []
        return found + list(itertools.chain.from_iterable(_resident_ids(v) for v in node.values()))
    if isinstance(node, list):
        return list(itertools.chain.from_iterable(_resident_ids(v) for v in node))
    return []


def _replace_ids(node, fresh: dict[str, str]) -> None:
    if isinstance(node, dict):
        if node.get("resident_id") in fresh:
            node["resident_id"] = fresh[node["resident_id"]]
        for value in node.values():
            _replace_ids(value, fresh)
    elif isinstance(node, list):
        for value in node:
            _replace_ids(value, fresh)
