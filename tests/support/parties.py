"""Forms and confirmations for tests, now that every person named on a form confirms it themselves.

    form = founder_only(make_form(), founder_resident_id)    # names only the founder: no one else to confirm
    confirm_all(http, app_id, form, skip={founder_resident_id})  # every other person signs up and confirms

`founder_only` keeps everything the bureaus act on (capital, scope, seals, tax, employees, housing fund)
and turns the factory's two-person company into a one-person one: the founder is the only shareholder
(all the capital), legal representative, director and manager; no supervisor, with every shareholder's
consent (Company Law art. 83); the founder is the one beneficial owner. The founder's own confirmation is
implicit, so the application goes to the bureaus at once, as every submit did before confirmations.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from bench.forms import founder_only  # noqa: F401 - shared with the benchmarks' forms
from tests.support.verification import verify

PASSWORD = "Party-confirms-1"
_addresses = itertools.count(1)


def named_people(form: dict[str, Any]) -> dict[str, str]:
    """resident ID -> name of every natural person the gateway asks to confirm."""
    from gateway.confirmations import parties

    return {p["resident_id"]: p["name"] for p in parties(form)}


class Parties:
    """Accounts for the people named on forms, made once per resident ID over HTTP (`request` is an
    httpx-style `request(method, url, **kwargs)`), each from an address of its own so that the
    per-address sign-up limit of the system under test stays the founders'."""

    def __init__(self, request):
        self.request = request
        self.headers: dict[str, dict[str, str]] = {}

    def account(self, resident_id: str, name: str) -> dict[str, str]:
        if resident_id not in self.headers:
            login = f"p{hashlib.sha256(resident_id.encode()).hexdigest()[:12]}@example.com"
            where = {"X-Forwarded-For": f"10.99.{next(_addresses) % 250}.{next(_addresses) % 250 + 1}"}
            reply = self.request("POST", "/api/v1/accounts", json={"name": name, "resident_id": resident_id,
                                                                   "email": login, "password": PASSWORD},
                                 headers=where)
            assert reply.status_code == 201, reply.text
            token = self.request("POST", "/api/v1/tokens", data={"username": login, "password": PASSWORD},
                                 headers=where)
            assert token.status_code == 200, token.text
            self.headers[resident_id] = {"Authorization": f"Bearer {token.json()['access_token']}", **where}
            verify(self.request, self.headers[resident_id], login)  # the code from the embedded outbox
        return self.headers[resident_id]

    def confirm_all(self, app_id: str, form: dict[str, Any], skip: set[str] | frozenset[str] = frozenset(),
                    decision: str = "confirm") -> list[dict]:
        answers = []
        for resident_id, name in named_people(form).items():
            if resident_id in skip:
                continue
            reply = self.request("PUT", f"/api/v1/confirmations/{app_id}", json={"decision": decision},
                                 headers=self.account(resident_id, name))
            assert reply.status_code == 200, reply.text
            answers.append(reply.json())
        return answers
