"""Each reply contract read against real replies: tests/unit/contracts/replies/<bureau>.json holds
replies captured from the running bureaus on 2026-12-03: at the bureau in tests/integration/<bureau>
(before the views were built through the contracts), and at the gateway in tests/e2e (health, registration,
seal's signing RPCs), so a model that does not fit what the bureau really answered fails here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.rpc import replies

CAPTURED = Path(__file__).parent / "replies"


def _samples():
    for path in sorted(CAPTURED.glob("*.json")):
        for method, rows in json.loads(path.read_text()).items():
            for i, row in enumerate(rows):
                yield pytest.param(path.stem, method, row, id=f"{path.stem}.{method}[{i}]")


def _first(value):
    return value[0] if isinstance(value, list) else value


@pytest.mark.parametrize(("bureau", "method", "reply"), list(_samples()))
def test_a_captured_reply_fits_its_contract_and_reads_back_the_same(bureau, method, reply):
    adapter = replies.adapter(bureau, method)
    parsed = adapter.validate_python(reply)
    # what the bureau said is what the contract says back: no field lost, retyped or reformatted
    assert adapter.dump_python(parsed, mode="json", exclude_unset=True) == reply


@pytest.mark.parametrize(("bureau", "method", "reply"), list(_samples()))
def test_a_field_the_contract_does_not_name_is_refused(bureau, method, reply):
    changed = copy.deepcopy(reply)
    _first(changed)["added_by_the_bureau"] = "x"
    with pytest.raises(ValidationError, match="added_by_the_bureau"):
        replies.adapter(bureau, method).validate_python(changed)


@pytest.mark.parametrize(("bureau", "method", "reply"), list(_samples()))
def test_a_field_the_contract_needs_is_missing(bureau, method, reply):
    changed = copy.deepcopy(reply)
    row = _first(changed)
    adapter = replies.adapter(bureau, method)
    model = type(_first(adapter.validate_python(reply)))
    needed = next(name for name, field in model.model_fields.items() if field.is_required())
    del row[needed]
    with pytest.raises(ValidationError, match=needed):
        adapter.validate_python(changed)


def test_every_bureau_with_contracts_has_captured_replies():
    captured = {p.stem for p in CAPTURED.glob("*.json")}
    assert captured == set(replies.BY_BUREAU)


def test_times_keep_their_offset_and_amounts_their_digits():
    rows = json.loads((CAPTURED / "tax.json").read_text())
    invoice = rows["issue_invoice"][0]
    parsed = replies.adapter("tax", "issue_invoice").validate_python(invoice)
    assert parsed.issued_at.tzinfo is not None
    assert parsed.model_dump(mode="json")["issued_at"] == invoice["issued_at"]  # "+00:00", not "Z"
    assert parsed.model_dump(mode="json")["total"] == invoice["total"]  # "1010.00", not 1010
