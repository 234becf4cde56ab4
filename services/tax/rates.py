"""The VAT rates table (services/tax/data/vat_rates.json), read once at the edge and handed to the pure
domain as a value (domain.VatRates: parse_invoice_request, format_invoice_number, quota_fen), as
services/tax/offices.py does for the office table."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from services.tax.domain.rates import VatRates


@cache
def vat_rates() -> VatRates:
    return VatRates(json.loads(resources.files("services.tax.data").joinpath("vat_rates.json").read_text("utf-8")))
