"""The seal-signing request is one model for the gateway and the seal bureau (issue 16: what the gateway
accepts is what the bureau accepts): its bounds are the gateway's query bounds, and the bureau refuses
what the model refuses with a field error in Chinese, before it reads the company."""

from __future__ import annotations

from typing import get_type_hints

import pytest

from contracts.rpc import Invalid
from contracts.rpc.seal import SEAL_DIAMETER_MM, SignRequest
from gateway.api import seals as seals_api
from services.seal import esign


def _request(**overrides) -> dict:
    return {"pdf_base64": "JVBERi0=", "placement": None, "idempotency_key": None,
            "signer": {"id": "founder-1", "name": "张伟"}} | overrides


@pytest.mark.parametrize(("overrides", "field"), [
    ({"placement": {"page": 1, "x": 10, "y": 10, "size": 61}}, "placement.size"),
    ({"placement": {"page": 0, "x": 10, "y": 10}}, "placement.page"),
    ({"placement": {"page": 1, "x": -1, "y": 10}}, "placement.x"),
    ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ({"signer": {"id": "x" * 65}}, "signer.id"),
    ({"extra": 1}, "extra"),
])
def test_the_bureau_refuses_what_the_model_refuses_on_its_field_before_reading_anything(overrides, field):
    class NoStore:
        def by_uscc(self, uscc):
            raise AssertionError("read the company for a request the model refuses")

    with pytest.raises(Invalid) as refused:
        esign.sign_document(NoStore(), None, "91420100MA4KXXXX0X", "4201000000001", _request(**overrides))
    assert [e.field for e in refused.value.field_errors] == [field]
    assert all(e.message and not e.message.isascii() for e in refused.value.field_errors)


def test_the_gateways_query_bounds_are_the_models():
    size = get_type_hints(seals_api.sign, include_extras=True)["size"]
    bounds = {type(m).__name__: m for m in size.__metadata__[0].metadata}
    assert (bounds["Ge"].ge, bounds["Le"].le) == SEAL_DIAMETER_MM
    assert SignRequest.model_validate(_request(placement={"page": 2, "x": 105, "y": 40})).placement.size == 42
