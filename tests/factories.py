"""Valid application forms for tests, each with a fresh trade name and fresh resident ID numbers.

    form = make_form()                                   # a valid form (examples/application.json)
    form = make_form(business_scope=["G0001", "L0001"])  # a top-level value replaces the default
    form = make_form(name={"trade_name": "楚天云启"})     # a dict is merged into the default section

Trade names never collide with each other (nor with the registration service's demo register):
four characters, one from each of four disjoint pools, every character with its own toneless pinyin
and none used by the demo names, division names, industry wordings or banned words. Two names from
this factory are therefore never identical, reordered, homophones or contained in one another.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from contracts import clock
from contracts.codes import resident_id_check_char

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "application.json"

_POOLS = ("瑞丰鼎盛隆宁恒通雅腾飞卓", "越创朗崇众达玉满春秋松柏", "啸鹏万千竞渡桥榕樟槐桂莲", "萱若峦巍涛浩淼焱燊烁钧瑶")
_SIZE = len(_POOLS[0])
_COMBINATIONS = _SIZE ** len(_POOLS)
# A random start per process, so parallel test processes sharing a database rarely meet.
_counter = itertools.count(random.randrange(_COMBINATIONS))
_AREAS = ("420102", "420103", "420104", "420105", "420106", "420107", "420111", "420115")


def trade_name() -> str:
    """A fresh 4-character trade name (字号), unique within this process for 20,736 calls."""
    n = next(_counter) % _COMBINATIONS
    chars = []
    for pool in _POOLS:
        n, digit = divmod(n, _SIZE)
        chars.append(pool[digit])
    return "".join(chars)


def resident_id(born: date | None = None, female: bool = False) -> str:
    """A valid GB 11643-1999 number with a random area, birth date and sequence."""
    born = born or date(1970, 1, 1) + timedelta(days=random.randrange(25 * 365))
    sequence = random.randrange(500) * 2 + (0 if female else 1)  # odd = male
    first17 = f"{random.choice(_AREAS)}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def make_form(**overrides: Any) -> dict:
    """A valid form as JSON (what the gateway receives); see the module docstring for overrides."""
    form = json.loads(EXAMPLE.read_text("utf-8"))
    form["name"]["trade_name"] = trade_name()
    founder, partner = resident_id(), resident_id(female=True)
    due = (clock.china_today() + timedelta(days=730)).isoformat()
    form["shareholders"][0].update(resident_id=founder, payment_due=due)
    form["shareholders"][1].update(resident_id=partner, payment_due=due)
    form["legal_representative"]["resident_id"] = founder
    form["directors"][0]["resident_id"] = founder
    form["manager"]["resident_id"] = founder
    form["supervisors"][0]["resident_id"] = partner
    for employee in form["employees"]:
        employee["resident_id"] = resident_id()
    owners = form["beneficial_owners"]["owners"]  # the shareholders themselves, by their new IDs
    owners[0]["resident_id"], owners[1]["resident_id"] = founder, partner
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(form.get(key), dict):
            form[key] = {**form[key], **copy.deepcopy(value)}
        else:
            form[key] = copy.deepcopy(value)
    return form


def full_name(form: dict) -> str:
    name = form["name"]
    return f"{name['division']}{name['trade_name']}{name['industry']}{name['organisation_form']}"
