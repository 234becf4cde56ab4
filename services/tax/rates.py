"""VAT rates by taxpayer type and date, and the invoice-number and quota conventions, read from
services/tax/data/vat_rates.json (the sources and the assumptions are in the file). Dated rules live in the
data, so the end of a reduction is a data change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from contracts.form import InvoiceKind, TaxpayerType


@cache
def _data() -> dict:
    return json.loads(resources.files("services.tax.data").joinpath("vat_rates.json").read_text("utf-8"))


@dataclass(frozen=True)
class AllowedRates:
    rates: frozenset[Decimal]  # what an ordinary line may carry
    why: str  # the Chinese explanation a refusal quotes


def reduction(taxpayer_type: TaxpayerType, day: date) -> dict | None:
    """The reduction in force on `day` for this taxpayer type, if any."""
    for row in _data()["reductions"]:
        if row["taxpayer_type"] == taxpayer_type.value and date.fromisoformat(row["from"]) <= day <= \
                date.fromisoformat(row["until"]):
            return row
    return None


def allowed_rates(taxpayer_type: TaxpayerType, kind: InvoiceKind, day: date) -> AllowedRates:
    """The rates (without a transitional rule) a line may carry, for this taxpayer, invoice kind and day."""
    if taxpayer_type is TaxpayerType.general:
        rates = frozenset(Decimal(r) for r in _data()["general"]["rates"])
        return AllowedRates(rates, "一般纳税人适用税率为13%、9%、6%，出口为0（增值税法第十条）")
    levy = Decimal(_data()["small_scale"]["levy_rate"])
    cut = reduction(taxpayer_type, day)
    if cut is None:
        return AllowedRates(frozenset({levy}), "小规模纳税人征收率为3%（增值税法第十一条）")
    if kind is InvoiceKind.vat_special and cut["special_invoice_forfeits"]:
        return AllowedRates(frozenset({levy}), f"小规模纳税人开具增值税专用发票的，放弃减按{_pct(cut['rate'])}，"
                                               f"按3%征收率开具（{cut['source']}）")
    return AllowedRates(frozenset({Decimal(cut["rate"])}),
                        f"小规模纳税人征收率3%减按{_pct(cut['rate'])}，至{cut['until']}（{cut['source']}）")


def transitional_rule(name: str) -> dict | None:
    return _data()["transitional"]["rules"].get(name)


def transitional_rules() -> dict[str, dict]:
    return dict(_data()["transitional"]["rules"])


def quota_counts_vat() -> bool:
    """Whether the monthly 发票总额度 counts totals with VAT (False: amounts excluding VAT)."""
    return _data()["invoice_quota"]["basis"] == "amount_including_vat"


def issuing_channel() -> str:
    return _data()["invoice_number"]["channel"]


def _pct(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"
