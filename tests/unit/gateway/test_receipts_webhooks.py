"""Pure parts: who consumes which event (the receipt's map vs the services' handlers), field paths,
webhook signatures, backoff and URL rules."""

from __future__ import annotations

import importlib

import pytest
from nameko.events import EventHandler

from contracts import bureaus
from contracts.rpc import Invalid
from gateway import receipts, webhooks


def consumers_in_code() -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for bureau in bureaus.NAMES:
        cls = importlib.import_module(f"services.{bureau}.service").__dict__
        service = next(v for v in cls.values() if isinstance(v, type) and getattr(v, "name", None) == bureau)
        # the mixins' entrypoints too (kit.entrypoints, kit.clerk): nameko collects them from the whole MRO
        for attr in (value for klass in service.__mro__ for value in vars(klass).values()):
            for entrypoint in getattr(attr, "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler) or type(entrypoint).__name__.endswith("Handler"):
                    source = getattr(entrypoint, "source_service", None)
                    kind = getattr(entrypoint, "event_type", None)
                    if source and kind:
                        found.setdefault((source, kind), set()).add(bureau)
    return found


def test_receipt_map_matches_the_services_event_handlers():
    assert {k: set(v) for k, v in receipts.CONSUMERS.items()} == consumers_in_code()


def test_field_paths_merge_list_items():
    assert receipts.field_paths({"a": {"b": 1, "c": [{"d": 1}, {"e": 2}]}, "f": []}) == [
        "a.b", "a.c[].d", "a.c[].e", "f[]"]


def test_signature_round_trip_and_staleness():
    body = b'{"x":1}'
    header = webhooks.sign("s" * 20, 1_700_000_000, body)
    assert webhooks.verify_signature("s" * 20, header, body, now=1_700_000_010)
    assert not webhooks.verify_signature("s" * 20, header, body + b" ", now=1_700_000_010)
    assert not webhooks.verify_signature("t" * 20, header, body, now=1_700_000_010)
    assert not webhooks.verify_signature("s" * 20, header, body, now=1_700_001_000)  # replayed late


def test_backoff_doubles_and_is_capped():
    assert [webhooks.backoff(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert webhooks.backoff(30) == webhooks.MAX_DELAY


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/",
                                 "javascript:alert(1)", "http:///nohost"])
def test_only_plain_http_urls(url):
    with pytest.raises(Invalid):
        webhooks.check_url(url)


def test_the_tracker_reads_the_founders_with_hooks_once_per_interval_not_once_per_event():
    class Hooks:
        distinct_calls = 0

        def distinct(self, field, query):
            Hooks.distinct_calls += 1
            return ["f1"]

        def find(self, query):
            return []  # the timer's sweep: no active hook (any more)

    class Store:
        webhooks = Hooks()

    store = Store()
    assert all(webhooks._founders_with_hooks(store) == {"f1"} for _ in range(20))
    assert Hooks.distinct_calls == 1
    webhooks.sweep(store)  # the tracker's timer refreshes the set from the hooks it reads anyway
    assert webhooks._founders_with_hooks(store) == frozenset() and Hooks.distinct_calls == 1
