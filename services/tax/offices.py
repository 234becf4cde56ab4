"""The competent tax offices (主管税务机关) per district: services/tax/data/tax_offices.json, read once at the
edge and handed to the pure domain (domain.tax_office, new_registration, change_answer)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def offices() -> dict[str, Any]:
    return json.loads(resources.files("services.tax.data").joinpath("tax_offices.json").read_text("utf-8"))
