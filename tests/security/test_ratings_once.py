"""One rating per real application step (issue 20, Medium): 好差评 counts in the public statistics, so a
founder must not be able to stuff them. A founder rates a finished step of their own application once;
rating it again edits that one rating (within 7 days); a step not yet finished, a step the application
does not have, an invented bureau and another founder's application are refused with a 4xx, and none of
them moves the published aggregate. The real app and service layer on a fresh database with fake bureaus
(tests/unit/gateway/conftest.py).

Seen failing with the rule broken: with the step check in gateway/ratings.py removed (any bureau name
accepted, as a free-form rating endpoint would), the unfinished step's rating was answered 201; with the
rating keyed by a fresh id instead of (application, bureau), the second rating was answered 201 (a second
rating, not an edit) and a late edit was a new rating too.
"""

from __future__ import annotations

from datetime import timedelta

from contracts import clock
from contracts.rpc import BUREAUS
from gateway.recording import record
from gateway.stats import compute
from tests.unit.gateway.conftest import bureaus, client, gateway, publisher, sign_up  # noqa: F401
from tests.unit.gateway.test_api import licence_payload, own

API = "/api/v1"


def _overall(gateway) -> dict:  # noqa: F811
    """The published aggregate over every bureau and period, computed afresh from the store."""
    overall = compute(gateway.store, period="year")["totals"]["overall"]
    return {"count": overall["ratings_count"], "scores": overall["ratings"]}


def _rows(gateway) -> int:  # noqa: F811
    return gateway.store.ratings.count_documents({})


def test_one_rating_per_finished_step_of_ones_own_application(client, sign_up, gateway):  # noqa: F811
    alice, bob = sign_up(), sign_up(name="李娜")
    app_id = client.post(f"{API}/applications", json=own(alice), headers=alice["headers"]).json()["id"]
    record(gateway.store, "registration", licence_payload(app_id))  # registration's step is done
    steps = gateway.store.application(app_id)["steps"]
    assert steps["registration"]["state"] == "done"
    unfinished = next(b for b, s in steps.items() if s["state"] not in ("done", "rejected"))
    absent = next((b for b in BUREAUS if b not in steps), None)
    url = f"{API}/applications/{app_id}/ratings"

    first = client.put(f"{url}/registration", json={"score": 5, "comment": "很快"}, headers=alice["headers"])
    assert first.status_code == 201, first.text
    before = _overall(gateway)
    assert before["count"] == 1 and _rows(gateway) == 1

    again = client.put(f"{url}/registration", json={"score": 4}, headers=alice["headers"])
    assert again.status_code == 200, again.text  # the same rating, edited: not a second one
    assert _rows(gateway) == 1 and _overall(gateway)["count"] == 1
    assert client.get(url, headers=alice["headers"]).json()[0]["score"] == 4

    refused = {
        "unfinished step": client.put(f"{url}/{unfinished}", json={"score": 5}, headers=alice["headers"]),
        "invented bureau": client.put(f"{url}/weather", json={"score": 5}, headers=alice["headers"]),
        "someone else's application": client.put(f"{url}/registration", json={"score": 1, "problem": {
            "category": "slow", "text": "太慢了"}}, headers=bob["headers"]),
        "invented application": client.put(f"{API}/applications/{app_id}x/ratings/registration",
                                           json={"score": 5}, headers=alice["headers"]),
    }
    if absent is not None:
        refused["step the application does not have"] = client.put(f"{url}/{absent}", json={"score": 5},
                                                                   headers=alice["headers"])
    for what, reply in refused.items():
        assert 400 <= reply.status_code < 500, (what, reply.status_code, reply.text)
        assert reply.json()["message"], what  # a message a founder can read, not a bare status
    assert refused["unfinished step"].status_code == 409
    assert refused["someone else's application"].status_code == 404
    assert _rows(gateway) == 1
    after = _overall(gateway)
    assert after["count"] == 1 and after["scores"] != before["scores"]  # the edit moved it, nothing else did


def test_a_rating_cannot_be_changed_after_seven_days(client, sign_up, gateway):  # noqa: F811
    alice = sign_up()
    app_id = client.post(f"{API}/applications", json=own(alice), headers=alice["headers"]).json()["id"]
    record(gateway.store, "registration", licence_payload(app_id))
    url = f"{API}/applications/{app_id}/ratings/registration"
    assert client.put(url, json={"score": 3}, headers=alice["headers"]).status_code == 201
    with clock.using(clock.fixed_at(clock.now() + timedelta(days=7, minutes=1))):
        late = client.put(url, json={"score": 5}, headers=alice["headers"])
    assert late.status_code == 409 and "7天" in late.json()["message"]
    assert gateway.store.ratings.find_one({})["score"] == 3
