"""Property-based tests of the one form: any input gets a form or a field-level Invalid, never a crash."""

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.codes import resident_id_check_char
from contracts.form import ApplicationForm, validate_form
from contracts.rpc import Invalid

TODAY = date(2026, 11, 25)
EXAMPLE = json.loads((Path(__file__).parents[3] / "examples" / "application.json").read_text("utf-8"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(["", "0", "-1", "1e9", "2026-02-30", "NaN", "武汉", "A" * 300]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def paths(node, prefix=()):
    """Every path into a JSON document, leaves and containers."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def set_at(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def check_outcome(data):
    try:
        form = validate_form(data, today=TODAY)
    except Invalid as exc:
        errors = exc.field_errors
        assert errors, "an Invalid must name at least one field"
        for error in errors:
            assert error.field and error.message
        return None
    assert isinstance(form, ApplicationForm)
    return form


@SETTINGS
@given(json_value)
def test_arbitrary_json_never_crashes_the_validator(data):
    check_outcome(data)


ALL_PATHS = [p for p in paths(EXAMPLE) if p]
# a rule that judges one field by another reports on the one the founder chose: annual sales above the
# small-scale threshold (5 million yuan) make 小规模纳税人 the wrong taxpayer type
CROSS_FIELD_RULES = {"tax.annual_sales_estimate": ("tax.taxpayer_type",),
                     "seals.physical": ("seals.postal_address",)}  # seals sent by post need the address


@SETTINGS
@given(st.sampled_from(ALL_PATHS), json_value)
def test_one_corrupted_field_is_reported_on_that_field_or_its_parents(path, value):
    form = copy.deepcopy(EXAMPLE)
    set_at(form, path, value)
    try:
        validate_form(form, today=TODAY)
    except Invalid as exc:
        dotted = ".".join(str(p) for p in path)
        fields = [e.field for e in exc.field_errors]
        # The error lands on the corrupted field, inside it, or on a section/rule that spans it
        # (e.g. the shares total, or the legal representative matching a director).
        related = [f for f in fields if f.startswith(dotted) or dotted.startswith(f) or "." not in f
                   or f.split(".")[0] in ("shareholders", "legal_representative", "supervisors", "employees")
                   or f in CROSS_FIELD_RULES.get(dotted, ())]
        assert related, (dotted, fields)


@st.composite
def valid_forms(draw):
    form = copy.deepcopy(EXAMPLE)
    holders = draw(st.integers(1, 6))
    shares = draw(st.lists(st.integers(1, 10**8), min_size=holders, max_size=holders))
    ids = [f"420111{1960 + i}0101{i:03d}" for i in range(holders)]
    form["shareholders"] = [
        {"kind": "natural", "name": f"股东{'甲乙丙丁戊己'[i]}", "resident_id": rid + resident_id_check_char(rid),
         "subscribed_amount": f"{Decimal(s) / 100:.2f}",
         "payment_due": (TODAY + timedelta(days=draw(st.integers(0, 365 * 5)))).isoformat()}
        for i, (rid, s) in enumerate(zip(ids, shares, strict=True))
    ]
    form["registered_capital"] = f"{Decimal(sum(shares)) / 100:.2f}"
    form["supervisors"] = []  # no supervisor, all shareholders consenting (Company Law art. 83)
    form["governance"] = {**form["governance"], "supervision": "none", "no_supervisor_consent": True}
    return form


@SETTINGS
@given(valid_forms())
def test_any_consistent_split_of_capital_is_accepted(form):
    parsed = validate_form(form, today=TODAY)
    assert sum(h.subscribed_amount for h in parsed.shareholders) == parsed.registered_capital
