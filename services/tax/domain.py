"""The tax bureau's rules: registration, invoice approval, invoice arithmetic and what a licence
revocation stops (no new invoices, no approving invoice use; reversing and viewing stay allowed). Pure: no I/O.

Money is `Decimal` at the edges and integer fen (分) wherever it must move atomically in the database.
Every function here takes its clock as an argument so the rules can be tested without waiting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any
from uuid import uuid4

from pydantic import ValidationError

from contracts import clock
from contracts.bureaus import TARGET_DAYS
from contracts.calendar import DEADLINE_KEYS, Deadline, aware, deadline
from contracts.clock import CHINA
from contracts.codes import is_valid_uscc, mask_resident_id
from contracts.events import (
    Blocker,
    CompanyChanged,
    Event,
    InvoicesApproved,
    LicenceIssued,
    TaskQueued,
    TaxRegistered,
)
from contracts.form import (
    GENERAL_TAXPAYER_THRESHOLD,
    InvoiceKind,
    TaxNeeds,
    TaxpayerType,
    pydantic_field_errors,
)
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import DocumentRef, FieldError, Invalid, Task
from contracts.rpc.tax import (
    InvoiceItem,
    InvoiceRequest,
    RedLetterRequest,
)
from kit import clerk as queue
from services.tax import rates, redletter
from services.tax.realname import FORMAT_CHECK_ONLY, RealNameVerifier

FEN = Decimal("0.01")
BUREAU = "tax"
TASK_KIND = "invoice_approval"
APPROVAL_WORKING_DAYS = TARGET_DAYS["tax"]  # the manifest: 国办发〔2018〕32号, invoices within 2 working days

TAXPAYER_TYPE_LABELS = {TaxpayerType.small_scale: "小规模纳税人", TaxpayerType.general: "一般纳税人"}
INVOICE_KIND_LABELS = {
    InvoiceKind.vat_general: "电子发票（普通发票）",
    InvoiceKind.vat_special: "电子发票（增值税专用发票）",
}
MAX_QUOTA = Decimal("100000000")  # a clerk may not grant more than 1亿 a month


@dataclass(frozen=True)
class QuotaRule:
    """Automatic 授信额度 for a new taxpayer: a default, raised in steps to cover the estimate, up to a cap."""

    default: Decimal
    auto_cap: Decimal
    step: Decimal = Decimal("10000")


QUOTA_RULES = {
    TaxpayerType.small_scale: QuotaRule(default=Decimal("100000"), auto_cap=Decimal("1000000")),
    TaxpayerType.general: QuotaRule(default=Decimal("1000000"), auto_cap=Decimal("10000000")),
}
# A general taxpayer asking for special invoices (which carry deductible input VAT) above this monthly
# estimate is looked at by a person: that is where invoice fraud concentrates.
SPECIAL_INVOICE_REVIEW_ESTIMATE = Decimal("1000000")


# ---- money -------------------------------------------------------------------------------------


def to_fen(amount: Decimal) -> int:
    """Exact integer fen of an amount already rounded to the fen (raises if it is not)."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def yuan(amount: Decimal) -> str:
    """Wire form of money: a decimal string with exactly two places."""
    return str(amount.quantize(FEN, rounding=ROUND_HALF_UP))


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _integer_in_words(n: int) -> str:
    """Chinese capital numerals for a whole number: one 零 for each run of zeros inside it."""
    if n == 0:
        return "零"
    digits = str(n)
    if len(digits) > 16:
        raise ValueError("amount too large to write in words")
    out: list[str] = []
    zero_pending = False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i
        small, group = place % 4, place // 4
        if ch == "0":
            zero_pending = True
        else:
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            out.append(_DIGITS[int(ch)] + _SMALL_UNITS[small])
        if small == 0 and group > 0:
            group_digits = digits[max(0, i - 3): i + 1]
            if group_digits.strip("0"):
                out.append(_GROUP_UNITS[group])
    return "".join(out)


def amount_in_words(amount: Decimal) -> str:
    """The 大写 amount printed on invoices (会计基础工作规范 art. 52): 壹仟贰佰叁拾肆元伍角陆分.

    整 follows an amount ending at 元 or 角; none follows 分. A zero 角 before a non-zero 分 is written
    零 (壹元零伍分). Negative amounts (red-letter invoices) start with 负.
    """
    amount = round_fen(amount)
    if amount < 0:
        return "负" + amount_in_words(-amount)
    fen_total = to_fen(amount)
    whole, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    words = _integer_in_words(whole) + "元" if whole or not cents else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and whole:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return words


# ---- registration ------------------------------------------------------------------------------


@cache
def _office_table() -> dict[str, Any]:
    raw = resources.files("services.tax.data").joinpath("tax_offices.json").read_text("utf-8")
    return json.loads(raw)


def tax_office(district_code: str) -> str:
    """The competent tax office (主管税务机关) of a district; the city's office where none is listed."""
    table = _office_table()
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


def new_registration(event: LicenceIssued, now: datetime) -> dict[str, Any]:
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
        "tax_office": tax_office(licence.district_code),
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


def change_answer(registration: dict[str, Any], event: CompanyChanged) -> tuple[str, dict, dict]:
    """A change of details at tax: the registration's new items, and the competent tax office of the
    new domicile (a move across districts moves the company to that district's office).
    Returns (the founder's line, the answer's detail, the registration fields to set)."""
    licence = event.licence
    office, previous = tax_office(licence.district_code), registration["tax_office"]
    fields = {"company_name": licence.company_name, "district_code": licence.district_code,
              "domicile": licence.domicile, "legal_representative": licence.legal_representative,
              "tax_office": office, "licence_version": event.version}
    if office != previous:
        summary = f"主管税务机关由{previous}变更为{office}，税务登记已迁入"
    else:
        summary = f"税务登记信息已更新，主管税务机关不变（{office}）"
    return summary, {"tax_office": office, "previous_tax_office": previous, "office_changed": office != previous}, fields


# ---- clerk tasks -------------------------------------------------------------------------------

TASK_ACTIONS = ("approve", "reject")


def new_task(reason: str, now: datetime, timing: Deadline, registration: dict[str, Any]) -> dict[str, Any]:
    needs = registration["needs"]
    return {
        "id": uuid4().hex,
        "kind": TASK_KIND,
        "reason": reason,
        "state": "open",
        "created_at": now,
        **timing.fields(),
        "claimed_by": None,
        "claim_expires_at": None,
        "history": [],
        "details": {
            "uscc": registration["uscc"],
            "taxpayer_type": registration["taxpayer_type"],
            "tax_office": registration["tax_office"],
            "invoice_kinds": registration["invoice_kinds"],
            "monthly_invoice_estimate": needs["monthly_invoice_estimate"],
            "annual_sales_estimate": needs["annual_sales_estimate"],
            "proposed_quota": yuan(from_fen(registration["monthly_quota_fen"])),
            "real_name": {k: v for k, v in registration["real_name"].items() if k != "checked_at"},
        },
    }


def task_view(registration: dict[str, Any], now: datetime) -> Task:
    task = registration["task"]
    return queue.task_view(
        bureau=BUREAU, id=task["id"], kind=task["kind"], application_id=registration["application_id"],
        title=registration["company_name"], reason=task["reason"], state=task["state"],
        created_at=task["created_at"], deadline=task, claimed_by=task.get("claimed_by"),
        claim_expires_at=task.get("claim_expires_at"), actions=list(TASK_ACTIONS), details=task["details"],
        history=task["history"], now=now)


def approval_quota(payload: dict[str, Any], proposed_fen: int) -> int:
    """The quota a clerk grants: the proposal, or `monthly_quota` from the payload if given."""
    raw = payload.get("monthly_quota")
    if raw is None:
        return proposed_fen
    try:
        quota = Decimal(str(raw))
    except InvalidOperation:
        quota = None
    if quota is None or not quota.is_finite() or quota <= 0 or quota > MAX_QUOTA or round_fen(quota) != quota:
        raise Invalid.with_fields("开票额度无效", [FieldError(
            field="monthly_quota", message=f"开票额度应为大于0、不超过{yuan(MAX_QUOTA)}元、最多两位小数的金额")])
    return to_fen(quota)


# ---- invoices ----------------------------------------------------------------------------------


def parse_invoice_request(raw: Any, seller_uscc: str, approved_kinds: list[str],
                          taxpayer_type: TaxpayerType = TaxpayerType.general, day: date | None = None,
                          ) -> InvoiceRequest:
    """Parse and check an invoice request; `Invalid` lists every field that is wrong.

    The rates follow the seller's taxpayer type on the day of issue (services/tax/rates.py)."""
    try:
        request = InvoiceRequest.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("开票信息有误", pydantic_field_errors(exc)) from None
    errors = []
    if not request.buyer_tax_id:
        if request.kind is InvoiceKind.vat_special:
            errors.append(FieldError(field="buyer_tax_id",
                                     message="增值税专用发票不得开具给自然人：请填写购买方纳税人识别号（统一社会信用代码）"))
    elif not is_valid_uscc(request.buyer_tax_id):
        errors.append(FieldError(field="buyer_tax_id", message="购买方纳税人识别号（统一社会信用代码）无效"))
    elif request.buyer_tax_id == seller_uscc:
        errors.append(FieldError(field="buyer_tax_id", message="购买方不能是销售方本身"))
    if request.kind.value not in approved_kinds:
        label = INVOICE_KIND_LABELS[request.kind]
        errors.append(FieldError(field="kind", message=f"未核准开具{label}"))
    allowed = rates.allowed_rates(taxpayer_type, request.kind, day or local_day(clock.now()))
    for i, item in enumerate(request.items):
        amount = round_fen(item.quantity * item.unit_price)
        if amount <= 0:
            errors.append(FieldError(field=f"items.{i}", message="金额不足一分钱"))
        message = _rate_error(item, taxpayer_type, allowed)
        if message:
            errors.append(FieldError(field=f"items.{i}.tax_rate", message=message))
    if errors:
        raise Invalid.with_fields("开票信息有误", errors)
    return request


def _rate_error(item: InvoiceItem, taxpayer_type: TaxpayerType, allowed: rates.AllowedRates) -> str | None:
    if item.levy_rule:
        rule = rates.transitional_rule(item.levy_rule)
        if taxpayer_type.value not in rule["taxpayer_types"] or Decimal(rule["rate"]) != item.tax_rate:
            return f"{rule['label']}应按{(Decimal(rule['rate']) * 100).normalize():f}%开具"
        return None
    if item.tax_rate in allowed.rates:
        return None
    shown = "、".join(f"{(r * 100).normalize():f}%" for r in sorted(allowed.rates, reverse=True))
    return f"税率应为{shown}：{allowed.why}"


def parse_red_letter_request(raw: Any) -> RedLetterRequest:
    return parse_model(RedLetterRequest, raw, "红字发票信息有误")


def parse_model(model, raw: Any, message: str):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields(message, pydantic_field_errors(exc)) from None


@dataclass(frozen=True)
class Line:
    name: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal  # quantity x unit price, to the fen
    tax: Decimal  # amount x rate, to the fen

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "quantity": _plain(self.quantity), "unit_price": _plain(self.unit_price),
                "tax_rate": _plain(self.tax_rate), "amount": yuan(self.amount), "tax": yuan(self.tax)}


@dataclass(frozen=True)
class Totals:
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


def price_line(name: str, quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> Line:
    """One invoice line: amount and tax each rounded half-up to the fen, exactly, in Decimal."""
    amount = round_fen(quantity * unit_price)
    return Line(name, quantity, unit_price, tax_rate, amount, round_fen(amount * tax_rate))


def price(items: list[InvoiceItem]) -> Totals:
    return Totals(tuple(price_line(i.name, i.quantity, i.unit_price, i.tax_rate) for i in items))


def local_day(moment: datetime) -> date:
    """The working day a moment belongs to: its date in Asia/Shanghai."""
    return clock.china_date(moment)


def month_key(moment: datetime) -> str:
    """The calendar month (Asia/Shanghai) whose quota an invoice issued at this moment uses."""
    return aware(moment).astimezone(CHINA).strftime("%Y-%m")


INVOICE_PROVINCE = "42"  # 湖北


def number_counter_key(moment: datetime, province: str = INVOICE_PROVINCE) -> str:
    return f"invoice:{aware(moment).astimezone(CHINA).year % 100:02d}{province}"


def format_invoice_number(moment: datetime, sequence: int, province: str = INVOICE_PROVINCE,
                          channel: str | None = None) -> str:
    """The 20-digit 数电发票 number: year 2 (Asia/Shanghai) + province 2 + issuing channel 1 + sequence 15.

    The layout is the national one (vat_rates.json says where from); the channel digit's value is an assumption.
    """
    channel = channel or rates.issuing_channel()
    if not (len(province) == 2 and province.isdigit()):
        raise ValueError(f"province must be 2 digits: {province!r}")
    if not (len(channel) == 1 and channel.isdigit()):
        raise ValueError(f"issuing channel must be 1 digit: {channel!r}")
    if not 0 < sequence < 10**15:
        raise ValueError("invoice sequence out of range")
    return f"{aware(moment).astimezone(CHINA).year % 100:02d}{province}{channel}{sequence:015d}"


def quota_fen(totals: Totals) -> int:
    """What an invoice uses of the monthly 发票总额度: its amount without VAT, or with it (data: invoice_quota)."""
    return to_fen(totals.total if rates.quota_counts_vat() else totals.amount)


def build_invoice(registration: dict[str, Any], request: InvoiceRequest, number: str,
                  issued_at: datetime) -> dict[str, Any]:
    """The invoice as stored, returned over RPC and printed."""
    totals = price(request.items)
    return _invoice_doc(
        registration, number, issued_at, request.request_id, request.kind.value,
        buyer={"name": request.buyer_name, "tax_id": request.buyer_tax_id},
        lines=[line.as_dict() for line in totals.lines],
        amount=totals.amount, tax=totals.tax, total=totals.total,
    )


def build_red_letter(registration: dict[str, Any], original: dict[str, Any], request: RedLetterRequest,
                     parts: list[redletter.RedPart], number: str, issued_at: datetime) -> dict[str, Any]:
    """A reversing (红字) invoice of the parts given (all of what is left, or some lines in part)."""
    amount = -from_fen(sum(p.amount_fen for p in parts))
    tax = -from_fen(sum(p.tax_fen for p in parts))
    doc = _invoice_doc(
        registration, number, issued_at, request.request_id, original["kind"], buyer=original["buyer"],
        lines=redletter.red_items(original, parts), amount=amount, tax=tax, total=amount + tax,
    )
    doc.update(red=True, reverses=original["number"], reason=redletter.reason_text(request),
               reason_code=request.reason_code, partial=request.lines is not None,
               quota_month=original["quota_month"])  # the reversal gives back the original month's quota
    return doc


def _invoice_doc(registration, number, issued_at, request_id, kind, buyer, lines, amount, tax, total):
    return {
        "number": number,
        "uscc": registration["uscc"],
        "application_id": registration["application_id"],
        "request_id": request_id,
        "kind": kind,
        "title": INVOICE_KIND_LABELS[InvoiceKind(kind)],
        "red": False,
        "reverses": None,
        "reversed_by": None,
        "issued_at": issued_at,
        "month": month_key(issued_at),
        "quota_month": month_key(issued_at),
        "seller": {"name": registration["company_name"], "tax_id": registration["taxpayer_id"]},
        "buyer": buyer,
        "items": lines,
        "total_amount": yuan(amount),
        "total_tax": yuan(tax),
        "total": yuan(total),
        "amount_in_words": amount_in_words(total),
        "quota_fen": to_fen(total if rates.quota_counts_vat() else amount),  # vat_rates.json: invoice_quota
    }


def _plain(value: Decimal) -> str:
    """A decimal string without exponent or trailing zeros: 1.50000000 -> 1.5, 1E+1 -> 10."""
    return format(value.normalize(), "f")


# ---- events and views ----------------------------------------------------------------------------


def registration_events(reg: dict[str, Any], documents: list[DocumentRef]) -> list[Event]:
    """What a new registration announces: registered, then approved or queued for a clerk."""
    events: list[Event] = [TaxRegistered(
        application_id=reg["application_id"], uscc=reg["uscc"], taxpayer_id=reg["taxpayer_id"],
        taxpayer_type=reg["taxpayer_type"], tax_office=reg["tax_office"], documents=documents)]
    if reg["approval"] == "approved":
        events.append(approved_event(reg, reg["monthly_quota_fen"]))
    else:
        task = reg["task"]
        events.append(TaskQueued(
            application_id=reg["application_id"], bureau=BUREAU, task_id=task["id"], kind=task["kind"],
            reason=task["reason"], **{k: task[k] for k in DEADLINE_KEYS if k in task}))
    return events


def approved_event(reg: dict[str, Any], quota_fen: int) -> InvoicesApproved:
    return InvoicesApproved(application_id=reg["application_id"], uscc=reg["uscc"],
                            invoice_kinds=reg["invoice_kinds"], monthly_quota=from_fen(quota_fen))


def registration_view(reg: dict[str, Any], revocation: Revocation | None) -> dict[str, Any]:
    return jsonable({
        "uscc": reg["uscc"], "application_id": reg["application_id"], "company_name": reg["company_name"],
        "taxpayer_id": reg["taxpayer_id"], "taxpayer_type": reg["taxpayer_type"],
        "taxpayer_type_label": TAXPAYER_TYPE_LABELS[TaxpayerType(reg["taxpayer_type"])],
        "tax_office": reg["tax_office"], "registered_at": reg["registered_at"],
        "approval": reg["approval"], "invoice_kinds": reg["invoice_kinds"],
        "real_name": {k: v for k, v in reg["real_name"].items()},
        "rejection_reasons": reg.get("rejection_reasons", []),
        "licence_revoked": revocation_view(revocation),
    })


INTERNAL_INVOICE_FIELDS = ("fingerprint", "quota_fen", "allocated_at", "_id")


def invoice_view(inv: dict[str, Any]) -> dict[str, Any]:
    return jsonable({k: v for k, v in inv.items() if k not in INTERNAL_INVOICE_FIELDS})


def form_view(form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A 红字发票信息确认单 as seller and buyer see it: its state as of now (void after 72 hours)."""
    state = redletter.form_state(form, now)
    hidden = ("_id", "fingerprint", "request")
    return jsonable({k: v for k, v in form.items() if k not in hidden} | {
        "state": state, "state_label": redletter.FORM_STATE_LABELS[state],
        "lines": form["request"].get("lines"), "reason_code": form["request"]["reason_code"]})


def jsonable(value: Any) -> Any:
    """Datetimes and dates as ISO strings, Decimals as strings: the wire is JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def clearance_blockers(registration: dict[str, Any] | None, open_ledgers: list[dict[str, Any]]) -> list[Blocker]:
    """A closing (清税): an unfinished tax registration or an invoice whose number is allocated but not
    yet issued (an unfinished invoice) blocks. Declarations are not kept by this bureau yet, so none is
    checked (said plainly in docs)."""
    blockers = []
    if registration is not None and registration.get("task") and registration["task"].get("state") in ("open", "claimed"):
        blockers.append(Blocker(item="税务登记尚待税务人员审核", todo="等待审核完成或联系主管税务机关"))
    for ledger in open_ledgers:
        for allocation in ledger.get("allocations", []):
            blockers.append(Blocker(item=f"发票{allocation['number']}已分配号码尚未开具完成",
                                    todo="完成开具或等待系统作废该号码后重新核查"))
    return blockers
