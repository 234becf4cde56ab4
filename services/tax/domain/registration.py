"""Tax registration on licence_issued: the competent office, the taxpayer type, the real-name check,
the invoice decision, and what a change of details means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from contracts.calendar import deadline
from contracts.codes import mask_resident_id
from contracts.events import (
    CompanyChanged,
    LicenceIssued,
)
from contracts.form import (
    GENERAL_TAXPAYER_THRESHOLD,
    InvoiceKind,
    TaxNeeds,
    TaxpayerType,
)
from services.tax.domain.approval import new_task
from services.tax.domain.invoices import local_day
from services.tax.domain.money import (
    APPROVAL_WORKING_DAYS,
    FEN,
    QUOTA_RULES,
    SPECIAL_INVOICE_REVIEW_ESTIMATE,
    to_fen,
    yuan,
)
from services.tax.domain.realname import FORMAT_CHECK_ONLY, RealNameVerifier

# ---- registration ------------------------------------------------------------------------------


def tax_office(district_code: str, table: dict[str, Any]) -> str:
    """The competent tax office (主管税务机关) of a district; the city's office where none is listed.
    `table` is services/tax/data/tax_offices.json as services/tax/offices.py reads it."""
    office = table["offices"].get(district_code)
    if office is None:
        office = table["fallback_by_city"].get(district_code[:4] + "00")
    if office is None:
        raise LookupError(f"no tax office known for district {district_code}")
    return office


def taxpayer_type(needs: TaxNeeds) -> TaxpayerType:
    """Small-scale by default; general when asked for, or required above 5,000,000 CNY a year."""
    if needs.taxpayer_type is TaxpayerType.general or needs.annual_sales_estimate > GENERAL_TAXPAYER_THRESHOLD:
        return TaxpayerType.general
    return TaxpayerType.small_scale


@dataclass(frozen=True)
class RealNameCheck:
    """The legal representative's real-name verification (实名核验), kept as the bureau's record."""

    name: str
    resident_id_masked: str
    passed: bool
    problems: tuple[str, ...]
    checked_at: datetime
    method: str = FORMAT_CHECK_ONLY.method  # which verifier: a pass means only what it checked
    method_label: str = FORMAT_CHECK_ONLY.label

    def as_record(self) -> dict[str, Any]:
        return {"name": self.name, "resident_id": self.resident_id_masked, "passed": self.passed,
                "problems": list(self.problems), "checked_at": self.checked_at, "method": self.method,
                "method_label": self.method_label}


def check_real_name(name: str, resident_id: str, now: datetime,
                    verifier: RealNameVerifier = FORMAT_CHECK_ONLY) -> RealNameCheck:
    problems = verifier.problems(name, resident_id, local_day(now))
    return RealNameCheck(name=(name or "").strip(), resident_id_masked=mask_resident_id(resident_id),
                         passed=not problems, problems=tuple(problems), checked_at=now, method=verifier.method,
                         method_label=verifier.label)


def _ceil_to(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def proposed_quota(kind: TaxpayerType, monthly_estimate: Decimal) -> Decimal:
    """The default quota, raised to cover the estimate in whole steps (no cap: a clerk sees this too)."""
    rule = QUOTA_RULES[kind]
    return max(rule.default, _ceil_to(max(monthly_estimate, Decimal(0)), rule.step)).quantize(FEN)


@dataclass(frozen=True)
class InvoiceDecision:
    automatic: bool
    kinds: tuple[str, ...]
    monthly_quota: Decimal
    reasons: tuple[str, ...] = ()


def decide_invoices(kind: TaxpayerType, needs: TaxNeeds, real_name: RealNameCheck) -> InvoiceDecision:
    """Approve 数电发票 automatically in the standard case; say why a clerk must look otherwise."""
    kinds = tuple(dict.fromkeys(k.value for k in needs.invoice_kinds)) or (InvoiceKind.vat_general.value,)
    estimate = needs.monthly_invoice_estimate
    quota = proposed_quota(kind, estimate)
    reasons = [f"实名核验未通过：{p}" for p in real_name.problems]
    cap = QUOTA_RULES[kind].auto_cap
    if estimate > cap:
        reasons.append(f"每月开票预计{yuan(estimate)}元，超过自动核定上限{yuan(cap)}元")
    if (kind is TaxpayerType.general and InvoiceKind.vat_special.value in kinds
            and estimate > SPECIAL_INVOICE_REVIEW_ESTIMATE):
        reasons.append(f"一般纳税人申领增值税专用发票且每月开票预计{yuan(estimate)}元，"
                       f"超过{yuan(SPECIAL_INVOICE_REVIEW_ESTIMATE)}元，需人工核定")
    return InvoiceDecision(automatic=not reasons, kinds=kinds, monthly_quota=quota, reasons=tuple(reasons))


def new_registration(event: LicenceIssued, now: datetime, offices: dict[str, Any]) -> dict[str, Any]:
    """The registration document for a newly licensed company, with the approval decision applied."""
    licence = event.licence
    kind = taxpayer_type(event.tax)
    real_name = check_real_name(event.legal_representative.name, event.legal_representative.resident_id, now)
    decision = decide_invoices(kind, event.tax, real_name)
    doc: dict[str, Any] = {
        "_id": licence.uscc,
        "uscc": licence.uscc,
        "application_id": event.application_id,
        "source_event_id": event.event_id,
        "taxpayer_id": licence.uscc,  # the USCC is the taxpayer identification number
        "company_name": licence.company_name,
        "district_code": licence.district_code,
        "domicile": licence.domicile,
        "legal_representative": licence.legal_representative,
        "taxpayer_type": kind.value,
        "tax_office": tax_office(licence.district_code, offices),
        "needs": event.tax.model_dump(mode="json"),
        "real_name": real_name.as_record(),
        "registered_at": now,
        "invoice_kinds": list(decision.kinds),
        "monthly_quota_fen": to_fen(decision.monthly_quota),
        "task": None,
    }
    if decision.automatic:
        doc.update(approval="approved", approved_at=now, approved_by="auto")
    else:
        timing = deadline(local_day(now), APPROVAL_WORKING_DAYS)
        reason = "；".join(decision.reasons)
        doc.update(approval="pending", task=new_task(reason, now, timing, doc))
    return doc


def change_answer(registration: dict[str, Any], event: CompanyChanged, offices: dict[str, Any]) -> tuple[str, dict, dict]:
    """A change of details at tax: the registration's new items, and the competent tax office of the
    new domicile (a move across districts moves the company to that district's office).
    Returns (the founder's line, the answer's detail, the registration fields to set)."""
    licence = event.licence
    office, previous = tax_office(licence.district_code, offices), registration["tax_office"]
    fields = {"company_name": licence.company_name, "district_code": licence.district_code,
              "domicile": licence.domicile, "legal_representative": licence.legal_representative,
              "tax_office": office, "licence_version": event.version}
    if office != previous:
        summary = f"主管税务机关由{previous}变更为{office}，税务登记已迁入"
    else:
        summary = f"税务登记信息已更新，主管税务机关不变（{office}）"
    return summary, {"tax_office": office, "previous_tax_office": previous, "office_changed": office != previous}, fields
