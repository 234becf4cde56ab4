"""VAT rates by taxpayer type and date, the invoice-number and quota conventions and the red-letter
confirmation window, as a value: the
table services/tax/data/vat_rates.json holds (the sources and the assumptions are in the file), which
services/tax/rates.py reads once and the use cases hand to the rules here. Dated rules live in the data,
so the end of a reduction is a data change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from contracts.form import InvoiceKind, TaxpayerType


@dataclass(frozen=True)
class AllowedRates:
    rates: frozenset[Decimal]  # what an ordinary line may carry
    why: str  # the Chinese explanation a refusal quotes


@dataclass(frozen=True, eq=False)
class VatRates:
    """The rates table; `table` is vat_rates.json as parsed."""

    table: Mapping[str, Any]

    def reduction(self, taxpayer_type: TaxpayerType, day: date) -> dict | None:
        """The reduction in force on `day` for this taxpayer type, if any."""
        for row in self.table["reductions"]:
            if row["taxpayer_type"] == taxpayer_type.value and \
                    date.fromisoformat(row["from"]) <= day <= date.fromisoformat(row["until"]):
                return row
        return None

    def allowed(self, taxpayer_type: TaxpayerType, kind: InvoiceKind, day: date) -> AllowedRates:
        """The rates (without a transitional rule) a line may carry, for this taxpayer, invoice kind and day."""
        if taxpayer_type is TaxpayerType.general:
            rates = frozenset(Decimal(r) for r in self.table["general"]["rates"])
            return AllowedRates(rates, "一般纳税人适用税率为13%、9%、6%，出口为0（增值税法第十条）")
        levy = Decimal(self.table["small_scale"]["levy_rate"])
        cut = self.reduction(taxpayer_type, day)
        if cut is None:
            return AllowedRates(frozenset({levy}), "小规模纳税人征收率为3%（增值税法第十一条）")
        if kind is InvoiceKind.vat_special and cut["special_invoice_forfeits"]:
            return AllowedRates(frozenset({levy}), f"小规模纳税人开具增值税专用发票的，放弃减按{_pct(cut['rate'])}，"
                                                   f"按3%征收率开具（{cut['source']}）")
        return AllowedRates(frozenset({Decimal(cut["rate"])}),
                            f"小规模纳税人征收率3%减按{_pct(cut['rate'])}，至{cut['until']}（{cut['source']}）")

    def transitional_rule(self, name: str) -> dict | None:
        return self.table["transitional"]["rules"].get(name)

    @property
    def quota_counts_vat(self) -> bool:
        """Whether the monthly 发票总额度 counts totals with VAT (False: amounts excluding VAT)."""
        return self.table["invoice_quota"]["basis"] == "amount_including_vat"

    @property
    def confirmation_hours(self) -> int:
        """How long a 红字发票信息确认单 waits for the other party before it is void (公告2024年第11号: 72)."""
        return int(self.table["red_letter"]["confirmation_hours"])

    @property
    def issuing_channel(self) -> str:
        """The invoice number's fifth digit (an assumption the data dates)."""
        return self.table["invoice_number"]["channel"]


def _pct(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"
