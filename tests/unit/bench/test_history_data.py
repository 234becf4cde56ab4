"""bench.history_data clones a captured application into documents the services read back as a real one.

history_template.json is what `python -m bench --only history` saved (var/log/bench/history-template.json)
from a system that completed the application: refresh it from there when the stored shapes change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypinyin import Style, lazy_pinyin

from bench.forms import POOL
from bench.history_data import HISTORY_POOL, clone, history_trade_name, load, renumber, spread
from contracts.codes import is_valid_uscc
from gateway.timeline import derive
from gateway.views import application_view, summary_view
from services.registration import names

TEMPLATE = load(Path(__file__).with_name("history_template.json"))
N = 40
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # aware, as clock.now(); the stored times are naive UTC


@pytest.fixture(scope="module")
def clones() -> list[dict]:
    return [clone(TEMPLATE, i, f"founder-{i % 3}", spread(i, N, NOW)) for i in range(N)]


def test_each_clone_is_a_completed_application_of_its_founder(clones):
    for i, docs in enumerate(clones):
        [app] = docs[("gateway", "applications")]
        derived = derive(app["form"], app["timeline"], app["submitted_at"])
        assert derived["status"] == app["status"] == "completed"
        assert derived["outputs"]["uscc"] == app["outputs"]["uscc"]
        assert app["founder_id"] == f"founder-{i % 3}" and app["submitted_at"] == spread(i, N, NOW).replace(tzinfo=None)
        assert app["form"]["name"]["trade_name"] == history_trade_name(i) in app["company_name"]
        assert summary_view(app)["status"] == "completed"
        assert application_view(app, "http://bench.example")["status"] == "completed"


def test_codes_are_valid_and_nothing_unique_repeats(clones):
    usccs = [docs[("gateway", "applications")][0]["outputs"]["uscc"] for docs in clones]
    assert all(is_valid_uscc(code) for code in usccs)
    assert len(set(usccs)) == N and TEMPLATE.uscc not in usccs
    for key in TEMPLATE.docs:
        ids = [doc["_id"] for docs in clones for doc in docs[key]]
        assert len(set(map(str, ids))) == len(ids), key
    for value in TEMPLATE.unique_values:
        variants = {renumber(value, i) for i in range(N)}
        assert len(variants) == N and value not in variants


def test_no_clone_keeps_the_template_identity(clones):
    for docs in clones[:5]:
        text = repr(docs)
        for old in (TEMPLATE.app_id, TEMPLATE.uscc, TEMPLATE.trade_name, *TEMPLATE.unique_values):
            assert old not in text


def test_the_name_register_entry_matches_what_registration_derives(clones):
    for docs in clones[:5]:
        for entry in docs[("registration", "names")]:
            parts, _ = names.parse_name(entry["full"])
            keys = names.name_keys(parts, None, entry["authority"])
            for field in ("trade_name", "core_key", "chars_key", "trade_pinyin", "trade_substrings"):
                assert entry[field] == keys[field], field


def test_history_names_never_read_like_the_loads_names():
    syllables = lambda text: set(lazy_pinyin(text, style=Style.NORMAL))  # noqa: E731
    assert not syllables(HISTORY_POOL) & syllables(POOL)
    assert len(set(HISTORY_POOL)) == len(HISTORY_POOL)
    assert len({history_trade_name(i) for i in range(0, 100_000, 997)}) == len(range(0, 100_000, 997))


def test_a_clone_carries_no_outbox_entry_for_the_running_system_to_relay():
    # bench 19:05: templates captured before the 2 s outbox sweep made registration relay 375 and tax 250
    # "unpublished" events of clones, and seal's answer then collided with the preload (uscc_1 E11000)
    import copy

    template = copy.deepcopy(TEMPLATE)
    [case] = template.docs[("registration", "cases")]
    case["outbox"] = [{"id": "e-1", "type": "licence_issued", "created_at": NOW.replace(tzinfo=None)}]
    cloned = clone(template, 7, "founder-7", spread(7, N, NOW))
    assert all(not doc.get("outbox") for docs in cloned.values() for doc in docs)
